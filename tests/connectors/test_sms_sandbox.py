"""The SMS sandbox tells the truth: the emulator as `make run` starts it plays one Tencent account (connectors.sandbox)
and answers anything else with Tencent's error, through the real SDK; the console's guide, test send and message
page show it."""
import json
import secrets
import subprocess
import sys
import tempfile

import pytest
from django.urls import reverse

from connectors.models import SmsMessage
from connectors.providers.base import Failed, Sent
from connectors.registry import registry
from connectors.sandbox import account as sandbox
from tests.fixtures_services import PROJECT_DIR, RunningEmulator, _wait_until_healthy, free_port
from tests.sandbox_client import EmulatorClient

pytestmark = pytest.mark.django_db

MAINLAND_PHONE, UK_PHONE = "+8613800138000", "+447911123456"


@pytest.fixture(scope="module")
def strict_emulator():
    """The emulator command with no account options: the sandbox's account, as the launcher starts it."""
    port, secret_id, secret_key = free_port(), sandbox.SECRET_ID, secrets.token_urlsafe(24)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "tencent_sms_emulator", "--port", str(port),
             "--credential", f"{secret_id}={secret_key}"], cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT)
        try:
            client = EmulatorClient(f"http://127.0.0.1:{port}")
            _wait_until_healthy(process, client, log)
            yield RunningEmulator(url=client.base_url, secret_id=secret_id, secret_key=secret_key, client=client)
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def sandbox_config(strict_emulator, settings):
    strict_emulator.client.reset()  # forgets what was sent; the account stays
    settings.TENCENT_SMS_ENDPOINT = strict_emulator.url
    return {
        "accessKeyId": strict_emulator.secret_id, "accessKeySecret": strict_emulator.secret_key,
        "sdkAppId": sandbox.SDK_APP_ID, "signName": sandbox.SIGN_NAME, "region": "ap-guangzhou",
        "templates": [{"templateCode": code, "usageType": usage} for usage, code in sandbox.MAINLAND_TEMPLATES.items()],
    }


def send(config, *, phone=MAINLAND_PHONE, template_code=sandbox.MAINLAND_TEMPLATES["SignIn"], params=("483920",)):
    provider = registry.get("tencent")
    return provider.send(config=provider.validate(config), phone_e164=phone, template_code=template_code,
                         params=list(params), session_context="sandbox-test")


def test_the_sandbox_account_s_values_are_sent(sandbox_config):
    assert isinstance(send(sandbox_config), Sent)
    assert isinstance(send(sandbox_config, phone=UK_PHONE, template_code=sandbox.INTERNATIONAL_TEMPLATES["SignIn"]),
                      Sent)


@pytest.mark.parametrize(("change", "error_code"), [
    ({"template_code": "999999"}, "FailedOperation.TemplateIncorrectOrUnapproved"),
    ({"config": {"signName": "Someone Else"}}, "FailedOperation.SignatureIncorrectOrUnapproved"),
    ({"config": {"sdkAppId": "1400999999"}}, "UnauthorizedOperation.SmsSdkAppIdVerifyFail"),
    ({"params": ("483920", "10")}, "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"),
    ({"phone": UK_PHONE}, "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone"),
    ({"template_code": sandbox.INTERNATIONAL_TEMPLATES["SignIn"]},
     "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone"),
])
def test_anything_else_fails_with_tencent_s_error(sandbox_config, change, error_code):
    config = {**sandbox_config, **change.pop("config", {})}

    result = send(config, **change)

    assert isinstance(result, Failed) and result.error_code == error_code


def test_the_inbox_shows_who_sent_each_message_and_the_account_to_copy(sandbox_config, strict_emulator):
    send(sandbox_config, phone="+8613900139001")
    send({**sandbox_config, "signName": "Someone Else"}, phone="+8613900139002")
    send(sandbox_config, phone=UK_PHONE)  # refused per number: a mainland template

    page = strict_emulator.client._http.get(f"{strict_emulator.url}/__emulator__/inbox", timeout=5).text

    delivered, refused, account = (page.split('id="delivered"')[1].split('id="refused"')[0],
                                   page.split('id="refused"')[1].split('id="account"')[0], page.split('id="account"')[1])
    assert "+8613900139001" in delivered and sandbox.SDK_APP_ID in delivered and strict_emulator.secret_id in delivered
    assert "+8613900139002" in refused and "FailedOperation.SignatureIncorrectOrUnapproved" in refused
    assert UK_PHONE in refused and "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone" in refused
    assert "+8613900139002" not in delivered and UK_PHONE not in delivered
    assert sandbox.SDK_APP_ID in account and sandbox.SIGN_NAME in account
    assert all(code in account for code, *_rest in sandbox.templates())
    assert strict_emulator.client.account()["templates"] == {code: 1 for code, *_rest in sandbox.templates()}


def test_the_emulator_for_tests_still_accepts_anything_until_configured(sms_emulator):
    assert sms_emulator.client.account()["apps"] is None and sms_emulator.client.account()["templates"] is None


def test_the_tencent_guide_lists_the_sandbox_values_only_when_the_sandbox_is_in_use(admin_client, tenant, settings,
                                                                                    new_tencent_url):
    settings.SMS_SANDBOX_INBOX_URL = None
    assert 'id="sandbox-values"' not in admin_client.get(new_tencent_url).content.decode()

    settings.SMS_SANDBOX_INBOX_URL = "http://127.0.0.1:9100/__emulator__/inbox"
    body = admin_client.get(new_tencent_url).content.decode()

    guide = body.split('id="sandbox-values"')[1].split("</div>")[0]
    assert sandbox.SDK_APP_ID in guide and sandbox.SIGN_NAME in guide and sandbox.SECRET_ID in guide
    assert "100004" in guide and "200004" in guide and settings.SMS_SANDBOX_INBOX_URL in guide


@pytest.mark.django_db(transaction=True)
def test_a_console_test_send_shows_the_sandbox_s_refusal(admin_client, tenant, sms_emulator, celery_worker,
                                                         wait_for_sms, post_connector_form, settings):
    # The session's emulator, playing the sandbox account: the worker sends through the real SDK to it.
    sms_emulator.client.configure(apps=[sandbox.SDK_APP_ID], signatures=[sandbox.SIGN_NAME],
                                  templates={code: variables for code, _usage, variables, _kind in sandbox.templates()})
    settings.SMS_SANDBOX_INBOX_URL = f"{sms_emulator.url}/__emulator__/inbox"
    config = {"accessKeyId": sms_emulator.secret_id, "sdkAppId": sandbox.SDK_APP_ID, "signName": sandbox.SIGN_NAME,
              "region": "ap-guangzhou",
              "templates": [{"templateCode": code, "usageType": usage}
                            for usage, code in {**sandbox.MAINLAND_TEMPLATES, "Generic": "999999"}.items()]}
    url = reverse("connectors:test_send_new", args=[tenant.id]) + "?provider=tencent"

    answer = post_connector_form(url, config, secret=sms_emulator.secret_key, phone="+86 138 0013 8000",
                                 HTTP_ACCEPT="application/json")

    assert answer.status_code == 202, answer.content
    message = wait_for_sms(answer.json()["message"]["id"])
    assert (message.status, message.error_code) == ("FAILED", "FailedOperation.TemplateIncorrectOrUnapproved")
    status = admin_client.get(answer.json()["message"]["status_url"]).json()
    assert status["status"] == "FAILED" and status["error_code"] == "FailedOperation.TemplateIncorrectOrUnapproved"
    assert "Body Templates" in status["fix"]
    detail = admin_client.get(reverse("connectors:message_detail", args=[tenant.id, message.id])).content.decode()
    assert "FailedOperation.TemplateIncorrectOrUnapproved" in detail
    assert f'href="{settings.SMS_SANDBOX_INBOX_URL}"' in detail  # back to the sandbox, where it was refused
