"""Events fired by the real flows reach a real receiver, signed with the hook's key, in Logto's payload shapes:
a phone-code sign-up and a password reset on the hosted page, a password sign-in through @logto/client, a refused
code, an SMS that failed for good or was reported undelivered, a connector change — and a receiver that never
answers costs the hosted page nothing."""
import json
import time

import pytest
from django.test import Client
from django.utils import timezone

from connectors.models import SmsMessage
from connectors.services import connector_update
from console.accounts.models import User
from tests.oidc.conftest import oidc_setup  # noqa: F401 (fixture)
from tests.oidc_clients import run_logto_flow
from tests.signin_experience.conftest import app, phone_experience  # noqa: F401 (fixtures)
from tests.signin_experience.test_phone_flows import PHONE, code_from_emulator, page_url, send_code, verify
from tests.webhooks.receiver import Answer
from webhooks.models import HookAttempt
from webhooks.payloads import USER_INFO_FIELDS

pytestmark = pytest.mark.django_db(transaction=True)


def hook_on(make_management_api, make_hook, tenant, receiver, events):
    return make_hook(make_management_api(tenant=tenant), events, receiver.url())


def by_event(received):
    return {request.json["event"]: request for request in received}


def test_a_phone_code_sign_up_fires_post_register_and_user_created(client, tenant, app, phone_experience,
                                                                    sms_emulator, celery_worker, receiver,
                                                                    make_management_api, make_hook):
    hook = hook_on(make_management_api, make_hook, tenant, receiver, ["PostRegister", "User.Created", "PostSignIn"])
    client.defaults.update(HTTP_USER_AGENT="Bookstore/2.1 (iPhone)", REMOTE_ADDR="10.0.0.7")
    assert send_code(client, tenant, app, PHONE, ip="10.0.0.7").status_code == 302
    code, _template = code_from_emulator(sms_emulator, PHONE)
    assert verify(client, tenant, app, code).status_code == 302
    events = by_event(receiver.wait_for(2))
    assert set(events) == {"PostRegister", "User.Created"}
    assert all(request.signed_with(hook["signingKey"]) for request in events.values())
    user = User.objects.get(tenant=tenant, phone=PHONE)
    register = events["PostRegister"].json
    assert set(register) == {"event", "createdAt", "interactionEvent", "sessionId", "userAgent", "userId", "userIp",
                             "user", "application", "hookId"}
    assert (register["interactionEvent"], register["userId"], register["hookId"]) == ("Register", user.uid,
                                                                                     hook["id"])
    assert (register["userIp"], register["userAgent"]) == ("10.0.0.7", "Bookstore/2.1 (iPhone)")
    assert set(register["user"]) == set(USER_INFO_FIELDS)
    assert register["user"]["primaryPhone"] == PHONE.removeprefix("+")
    assert register["application"] == {"id": app.client_id, "type": "Native", "name": app.name,
                                       "description": app.description or None}
    # The session is named by an id of its own: the session cookie's value is never sent anywhere.
    assert len(register["sessionId"]) == 21 and register["sessionId"] not in client.cookies["sessionid"].value
    created = events["User.Created"].json
    assert created["data"]["id"] == user.uid and created["ip"] == "10.0.0.7" and "actor" not in created


def test_a_password_reset_on_the_hosted_page_fires_post_reset_password_and_user_data_updated(
        client, tenant, app, phone_experience, sms_emulator, celery_worker, receiver, make_management_api,
        make_hook, make_end_user):
    make_end_user(tenant, phone=PHONE, phone_verified=True)
    hook_on(make_management_api, make_hook, tenant, receiver, ["PostResetPassword", "User.Data.Updated"])
    assert send_code(client, tenant, app, PHONE, recover=True).status_code == 302
    code, _template = code_from_emulator(sms_emulator, PHONE)
    assert verify(client, tenant, app, code)["Location"].split("?")[0].endswith("/sign-in/password")
    done = client.post(page_url(tenant, app, "sign-in/password"), {"password": "A-new-password-2026"})
    assert done.status_code == 302, done.content[:500]
    events = by_event(receiver.wait_for(2))
    assert events["PostResetPassword"].json["interactionEvent"] == "ForgotPassword"
    assert events["User.Data.Updated"].json["data"]["hasPassword"] is True


@pytest.mark.node
def test_a_password_sign_in_through_logto_client_fires_post_sign_in(oidc_setup, receiver, make_management_api,
                                                                     make_hook, celery_worker):
    hook = hook_on(make_management_api, make_hook, oidc_setup.tenant, receiver, ["PostSignIn"])
    result = run_logto_flow(dict(oidc_setup.client_config, probeAfterSignOut=False))
    assert result["ok"], result["errors"]
    [sign_in] = receiver.wait_for(1)
    assert sign_in.signed_with(hook["signingKey"])
    body = sign_in.json
    assert (body["event"], body["interactionEvent"], body["userId"]) == ("PostSignIn", "SignIn", oidc_setup.user.uid)
    assert body["user"]["username"] == "reader" and body["user"]["name"] == "Rita Reader"
    assert body["application"]["id"] == oidc_setup.app.client_id and body["userIp"] == "127.0.0.1"
    assert body["userAgent"]


def test_a_receiver_that_never_answers_does_not_slow_the_sign_in(client, tenant, app, make_end_user, receiver,
                                                                make_management_api, make_hook, celery_worker,
                                                                settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # time the flow, not the hash
    settings.WEBHOOK_TIMEOUT = 10  # a flow that waited on the receiver would wait this long
    make_end_user(tenant, username="reader")
    receiver.default = Answer(hang=True)
    for _ in range(3):
        hook_on(make_management_api, make_hook, tenant, receiver, ["PostSignIn"])
    timings = []
    for _ in range(3):
        started = time.monotonic()
        signed_in = Client().post(page_url(tenant, app), {"identifier": "reader", "password": "correct horse battery"})
        timings.append(time.monotonic() - started)
        assert signed_in.status_code == 302 and signed_in["Location"].startswith("com.example.app://callback?code=")
    assert max(timings) < 1.0, timings
    timed_out = HookAttempt.objects.filter(error__icontains="timed out")
    deadline = time.monotonic() + 20
    while timed_out.filter(number=1).count() < 9 or not timed_out.filter(number=2).exists():
        assert time.monotonic() < deadline, list(HookAttempt.objects.values_list("number", "error"))
        time.sleep(0.1)


def test_a_refused_code_fires_message_rate_limited_once_a_minute(client, tenant, app, phone_experience,
                                                                 sms_emulator, celery_worker, receiver,
                                                                 make_management_api, make_hook):
    hook_on(make_management_api, make_hook, tenant, receiver, ["Message.RateLimited"])
    assert send_code(client, tenant, app, PHONE).status_code == 302
    for _ in range(3):
        assert send_code(client, tenant, app, PHONE)["X-Postern-Error"] == "code.resend_too_soon"
    [limited] = receiver.wait_for(1)
    body = limited.json
    assert (body["action"], body["recipient"], body["limit"]) == ("VerificationCodeSend", PHONE,
                                                                  "code.resend_too_soon")
    assert body["retryAfter"] > 0 and body["ip"] == "10.0.0.1"
    time.sleep(1)
    assert len(receiver.received) == 1


def test_a_code_sms_that_failed_for_good_fires_sms_failed_with_the_fix(client, tenant, app, phone_experience,
                                                                       sms_emulator, celery_worker, receiver,
                                                                       make_management_api, make_hook):
    hook_on(make_management_api, make_hook, tenant, receiver, ["Sms.Failed", "Sms.Undelivered"])
    sms_emulator.client.script_phone(PHONE, "InvalidParameterValue.IncorrectPhoneNumber")
    send_code(client, tenant, app, PHONE)
    [failed] = receiver.wait_for(1)
    data = failed.json["data"]
    message = SmsMessage.objects.get(phone=PHONE)
    assert (data["id"], data["errorClass"], data["errorCode"]) == (
        str(message.pk), "phone_number", "InvalidParameterValue.IncorrectPhoneNumber")
    assert data["fix"] and data["phone"] != PHONE and data["phone"].endswith(PHONE[-4:])
    assert data["usageType"] == "Register" and data["country"] == "CN"


def test_a_receipt_saying_undelivered_fires_sms_undelivered(client, tenant, tencent_connector, receiver,
                                                            make_management_api, make_hook, celery_worker):
    hook_on(make_management_api, make_hook, tenant, receiver, ["Sms.Undelivered"])
    message = SmsMessage.objects.create(
        tenant=tenant, connector=tencent_connector, provider="tencent", usage_type="SignIn", phone=PHONE,
        template_code="2002", valid_until=timezone.now(), status="SENT", serial_no="2019:abc", finished_at=timezone.now())
    body = [{"user_receive_time": "2026-01-01 08:00:00", "nationcode": "86", "mobile": PHONE[3:],
             "report_status": "FAIL", "errmsg": "MK:0012", "description": "The phone is switched off",
             "sid": "2019:abc"}]
    url = f"/hooks/sms/{tencent_connector.pk}/{tencent_connector.receipt_token}/receipts"
    assert client.post(url, json.dumps(body), content_type="application/json").status_code == 200
    [undelivered] = receiver.wait_for(1)
    data = undelivered.json["data"]
    assert (data["id"], data["deliveryCode"], data["deliveryDescription"]) == (
        str(message.pk), "MK:0012", "The phone is switched off")


def test_a_connector_change_fires_connector_updated_without_secrets(tenant, admin, tencent_connector, receiver,
                                                                    make_management_api, make_hook, celery_worker,
                                                                    emulator_config):
    hook_on(make_management_api, make_hook, tenant, receiver, ["Connector.Updated"])
    connector_update(connector=tencent_connector, acting_user=admin, config=emulator_config, name="Tencent (CN)")
    [updated] = receiver.wait_for(1)
    body = updated.json
    assert body["action"] == "updated" and body["data"]["name"] == "Tencent (CN)"
    assert body["actor"] == {"type": "ConsoleAdmin", "id": admin.uid, "name": admin.username}
    assert emulator_config["accessKeySecret"] not in updated.body.decode()
