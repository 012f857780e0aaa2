"""`manage.py seed_demo --json`: the interface outside scripts rely on."""
import io
import json

import pytest
from django.core.management import call_command

from connectors.models import Connector
from console.accounts.models import User
from console.applications.models import Application
from signin_experience.models import SignInExperience

pytestmark = pytest.mark.django_db
KEYS = {"console_url", "admin_username", "admin_password", "tenant_id", "endpoint", "app_id", "redirect_uri",
        "post_logout_redirect_uri", "demo_username", "demo_user_password"}
SMS = ["--sms-access-key-id", "AKIDdemo", "--sms-access-key-secret", "demo-secret-123456", "--sms-sdk-app-id",
       "1400000000", "--sms-sign-name", "Postern"]


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", "--json", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_seed_is_idempotent_and_prints_the_documented_keys(settings):
    first = seed()
    assert set(first) == KEYS
    assert first["admin_password"] and first["demo_user_password"]
    assert first["endpoint"] == f"{settings.PUBLIC_URL}/t/{first['tenant_id']}"
    app = Application.objects.get(client_id=first["app_id"])
    assert app.redirect_uri_list == ["com.example.app://callback"]
    assert app.post_logout_redirect_uri_list == ["com.example.app://callback/sign-out"]
    admin = User.objects.get(username="admin", is_console_admin=True)
    assert admin.check_password(first["admin_password"])
    second = seed()
    assert second["admin_password"] is None and second["demo_user_password"] is None
    assert (second["tenant_id"], second["app_id"]) == (first["tenant_id"], first["app_id"])
    assert Application.objects.count() == 1


def test_sms_options_enable_tencent_and_phone_sign_in():
    result = seed(*SMS)
    assert result["sms_templates"].keys() == {"Register", "SignIn", "ForgotPassword", "Generic"}
    connector = Connector.objects.get(tenant_id=result["tenant_id"])
    assert connector.enabled and connector.provider == "tencent"
    experience = SignInExperience.objects.get(tenant_id=result["tenant_id"])
    assert experience.sign_up == {"identifiers": ["phone"], "password": False, "verify": True}
    assert experience.sign_in["methods"][0] == {"identifier": "phone", "password": False, "verificationCode": True,
                                                "isPasswordPrimary": False}
    seed(*SMS)
    assert Connector.objects.filter(tenant_id=result["tenant_id"]).count() == 1
