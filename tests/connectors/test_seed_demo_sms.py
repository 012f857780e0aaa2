"""seed_demo --sms-*: the demo tenant gets an enabled Tencent connector with a template per usage type."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from connectors.models import Connector
from connectors.selectors import connector_secrets

pytestmark = pytest.mark.django_db

SMS_ARGS = ["--sms-access-key-id", "AKIDdemo", "--sms-access-key-secret", "demo-secret-key-0001",
            "--sms-sdk-app-id", "1400000000", "--sms-sign-name", "Postern"]


def seed(*args):
    out = StringIO()
    call_command("seed_demo", "--json", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_without_sms_options_nothing_about_sms():
    result = seed()
    assert "sms_templates" not in result and "tenant_id" in result
    assert not Connector.objects.exists()


def test_sms_options_create_then_update_one_enabled_connector():
    first = seed(*SMS_ARGS)
    again = seed(*SMS_ARGS[:3], "demo-secret-key-0002", *SMS_ARGS[4:], "--sms-region", "ap-beijing")

    assert first["sms_templates"] == again["sms_templates"] == {
        "Register": "100001", "SignIn": "100002", "ForgotPassword": "100003", "Generic": "100004"}
    connector = Connector.objects.get()
    assert connector.enabled and connector.tenant_id == first["tenant_id"] and connector.config["region"] == "ap-beijing"
    assert connector_secrets(connector) == {"accessKeySecret": "demo-secret-key-0002"}
    assert {t["usageType"]: t["templateCode"] for t in connector.config["templates"]} == first["sms_templates"]


def test_some_sms_options_without_the_others_is_an_error():
    with pytest.raises(CommandError, match="--sms-sign-name"):
        seed(*SMS_ARGS[:4])
