"""Phone + SMS code on the hosted page: registration, sign-in, recovery, and every limit."""
import time
from urllib.parse import urlencode

import pytest

from connectors.models import SmsMessage
from console.accounts.models import User
from tests.oidc.flows import authorize_params, location_params, pkce_pair

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = "+8613800138000"


def page_url(tenant, app, name="sign-in"):
    return f"/t/{tenant.id}/{name}?{urlencode(authorize_params(app, pkce_pair()[1]))}"


def send_code(client, tenant, app, phone, ip="10.0.0.1", recover=False, **extra):
    url = page_url(tenant, app, "sign-in/code")
    data = {"phone": phone, **({"recover": "1"} if recover else {}), **extra}
    return client.post(url, data, REMOTE_ADDR=ip)


def code_from_emulator(sms_emulator, phone, after=0):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        records = [r for r in sms_emulator.client.requests(phone)][after:]
        if records:
            return records[-1]["params"]["TemplateParamSet"][0], records[-1]["params"]["TemplateId"]
        time.sleep(0.05)
    raise AssertionError("no SMS reached the emulator")


def verify(client, tenant, app, code):
    return client.post(page_url(tenant, app, "sign-in/verify"), {"code": code})


def test_sign_in_page_offers_phone_with_the_right_autocomplete(client, tenant, app, phone_experience):
    body = client.get(page_url(tenant, app)).content.decode()
    # The country picker and the number as dialled there, the pair browsers autofill.
    assert 'autocomplete="tel-country-code"' in body and 'autocomplete="tel-national"' in body
    assert 'type="tel"' in body
    assert "Continue with phone number" in body


def test_new_number_registers_then_signs_in_as_the_same_user(client, tenant, app, phone_experience, sms_emulator,
                                                          celery_worker):
    phone_experience.code_policy = dict(phone_experience.code_policy, resendCooldownSeconds=0)
    phone_experience.save()
    response = send_code(client, tenant, app, "+86 138 0013 8000")
    assert response.status_code == 302 and "/sign-in/verify?" in response["Location"]
    verify_page = client.get(response["Location"]).content.decode()
    assert 'autocomplete="one-time-code"' in verify_page and 'inputmode="numeric"' in verify_page
    code, template = code_from_emulator(sms_emulator, PHONE)
    assert len(code) == 6 and code.isdigit() and template == "2001"  # the Register template
    done = verify(client, tenant, app, code)
    assert done.status_code == 302 and done["Location"].startswith("com.example.app://callback?code=")
    user = User.objects.get(tenant=tenant, phone=PHONE)
    assert user.phone_verified

    client.cookies.clear()
    assert send_code(client, tenant, app, "0086 138-0013-8000", ip="10.0.0.2").status_code == 302
    code, template = code_from_emulator(sms_emulator, PHONE, after=1)
    assert template == "2002"  # SignIn
    again = verify(client, tenant, app, code)
    assert again.status_code == 302
    assert User.objects.filter(tenant=tenant, phone=PHONE).count() == 1
    message = SmsMessage.objects.filter(phone=PHONE).latest("created_at")
    assert message.status == "SENT" and not message.code_encrypted


def test_resend_within_cooldown_is_429_and_queues_nothing(client, tenant, app, phone_experience, sms_emulator,
                                                          celery_worker):
    assert send_code(client, tenant, app, PHONE).status_code == 302
    before = SmsMessage.objects.count()
    again = send_code(client, tenant, app, "138 0013 8000")
    assert again.status_code == 429 and int(again["Retry-After"]) > 0
    assert "Wait" in again.content.decode() and again["X-Postern-Error"] == "code.resend_too_soon"
    assert SmsMessage.objects.count() == before


def test_eleventh_code_in_ten_minutes_from_changing_ips_is_refused(client, tenant, app, phone_experience,
                                                                   sms_emulator, celery_worker):
    phone_experience.code_policy = dict(phone_experience.code_policy, resendCooldownSeconds=0)
    phone_experience.save()
    formats = ["+86 138 0013 8000", "0086138 0013 8000", "13800138000"]
    for attempt in range(10):
        response = send_code(client, tenant, app, formats[attempt % 3], ip=f"10.1.0.{attempt}")
        assert response.status_code == 302, response.content.decode()[:300]
    eleventh = send_code(client, tenant, app, PHONE, ip="10.9.9.9")
    assert eleventh.status_code == 429
    assert "too many codes for this number" in eleventh.content.decode().lower()


def test_wrong_codes_kill_the_code_but_not_the_account(client, tenant, app, phone_experience, sms_emulator,
                                                       celery_worker, make_end_user):
    make_end_user(tenant, username="known", phone=PHONE)
    phone_experience.code_policy = dict(phone_experience.code_policy, resendCooldownSeconds=0)
    phone_experience.save()
    send_code(client, tenant, app, PHONE)
    code, _ = code_from_emulator(sms_emulator, PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert verify(client, tenant, app, wrong)["X-Postern-Error"] == "code.mismatch"
    sixth = verify(client, tenant, app, code)  # even the right code: this one is dead
    assert sixth["X-Postern-Error"] == "code.exceeded_max_try"
    send_code(client, tenant, app, PHONE)
    fresh, _ = code_from_emulator(sms_emulator, PHONE, after=1)
    assert verify(client, tenant, app, fresh).status_code == 302


def test_country_outside_the_allow_list_is_refused_before_sending(client, tenant, app, phone_experience,
                                                                   sms_emulator):
    response = send_code(client, tenant, app, "+44 7400 123456")
    assert response.status_code == 400 and "country is not supported" in response.content.decode()
    assert not SmsMessage.objects.exists()


def test_known_and_unknown_numbers_answer_identically(client, tenant, app, phone_experience, sms_emulator,
                                                      celery_worker, make_end_user):
    make_end_user(tenant, username="known", phone=PHONE)
    known = send_code(client, tenant, app, PHONE, recover=True)
    client.cookies.clear()
    unknown = send_code(client, tenant, app, "+8613900139000", recover=True)
    assert (known.status_code, unknown.status_code) == (302, 302)
    assert known["Location"].split("?")[0] == unknown["Location"].split("?")[0]
    # ForgotPassword to an unknown number says "sent" but sends nothing
    assert SmsMessage.objects.filter(phone="+8613900139000").count() == 0
    assert SmsMessage.objects.filter(phone=PHONE, usage_type="ForgotPassword").count() == 1


def test_forgot_password_by_code_then_new_password_signs_in(client, tenant, app, phone_experience, sms_emulator,
                                                            celery_worker, make_end_user):
    user = make_end_user(tenant, username="known", phone=PHONE)
    assert client.get(page_url(tenant, app, "forgot-password")).status_code == 200
    send_code(client, tenant, app, PHONE, recover=True)
    code, template = code_from_emulator(sms_emulator, PHONE)
    assert template == "2003"
    step = verify(client, tenant, app, code)
    assert "/sign-in/password?" in step["Location"]
    weak = client.post(page_url(tenant, app, "sign-in/password"), {"password": "short"})
    assert weak.status_code == 400 and "at least 8" in weak.content.decode()
    done = client.post(page_url(tenant, app, "sign-in/password"), {"password": "a-much-better-secret-9"})
    assert done.status_code == 302 and location_params(done)["state"] == "st4te"
    user.refresh_from_db()
    assert user.check_password("a-much-better-secret-9")


def test_failed_delivery_is_shown_with_retry_and_no_cooldown(client, tenant, app, phone_experience, sms_emulator,
                                                             celery_worker, wait_for_sms):
    sms_emulator.client.script_phone(PHONE, "InvalidParameterValue.IncorrectPhoneNumber")
    response = send_code(client, tenant, app, PHONE)
    wait_for_sms(SmsMessage.objects.get(phone=PHONE).pk)
    page = client.get(response["Location"]).content.decode()
    assert "could not send the code" in page and "Resend code" in page
    sms_emulator.client.script_phone(PHONE, None)
    assert send_code(client, tenant, app, PHONE).status_code == 302  # no cooldown after a failed send


def test_redis_down_answers_503_fast_then_recovers(client, tenant, app, phone_experience, own_redis):
    from signin_experience.models import VerificationCode

    assert send_code(client, tenant, app, PHONE).status_code == 302
    own_redis.stop()
    started = time.monotonic()
    down = send_code(client, tenant, app, "+8613900139000")
    elapsed = time.monotonic() - started
    assert down.status_code == 503 and elapsed < 3, (down.status_code, elapsed)
    assert "try again" in down.content.decode().lower()
    assert not VerificationCode.objects.filter(phone="+8613900139000").exists()
    own_redis.start()
    back = send_code(client, tenant, app, "+8613900139000")
    assert back.status_code == 302
    assert VerificationCode.objects.filter(phone="+8613900139000").exists()


def test_phone_and_password_sign_in_accepts_any_typed_format(client, tenant, app, phone_experience, make_end_user):
    make_end_user(tenant, username="pat", phone=PHONE)
    page = client.get(page_url(tenant, app)).content.decode()
    assert "Phone number / Username" in page  # the configured methods, in order
    response = client.post(page_url(tenant, app), {"identifier": "138 0013 8000", "password": "correct horse battery"})
    assert response.status_code == 302 and response["Location"].startswith("com.example.app://callback?code=")


def test_methods_not_configured_are_refused(client, tenant, app, phone_experience, make_end_user):
    phone_experience.sign_in = {"methods": [
        {"identifier": "phone", "password": False, "verificationCode": True, "isPasswordPrimary": False}]}
    phone_experience.save()
    make_end_user(tenant, username="pat", phone=PHONE)
    page = client.get(page_url(tenant, app)).content.decode()
    assert 'name="password"' not in page
    response = client.post(page_url(tenant, app), {"identifier": "pat", "password": "correct horse battery"})
    assert response.status_code == 404


def test_settings_and_connector_changes_reach_the_hosted_page_at_once(client, tenant, app, phone_experience,
                                                                      tencent_connector, admin):
    """The page's reads are cached per tenant (console.tenant_cache); every change must drop them."""
    from connectors.services import connector_set_enabled

    assert "--primary:#5d34f2" in client.get(page_url(tenant, app)).content.decode()
    phone_experience.color = {"primaryColor": "#123456", "isDarkModeEnabled": False, "darkPrimaryColor": "#8b6cff"}
    phone_experience.save()
    assert "--primary:#123456" in client.get(page_url(tenant, app)).content.decode()

    assert send_code(client, tenant, app, PHONE).status_code == 302
    connector_set_enabled(connector=tencent_connector, enabled=False, acting_user=admin)
    assert send_code(client, tenant, app, "+8613900139001").status_code == 404
    assert not SmsMessage.objects.filter(phone="+8613900139001").exists()
