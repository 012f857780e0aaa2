"""/api/verification-codes: Generic codes by SMS through the hosted page's code policy and limits, checked in
Logto's order and answered with Logto's codes."""
import pytest
from hypothesis import given, strategies as st

from connectors.models import SmsMessage
from connectors.services import connector_create, connector_set_enabled
from signin_experience.codes import cooldown_remaining
from signin_experience.models import VerificationCode
from signin_experience.selectors import experience_for
from tests.connectors.conftest import broker_down  # noqa: F401 (a fixture)
from tests.management_api.fuzz import FUZZ_SETTINGS, assert_answered, changed_bodies

pytestmark = pytest.mark.django_db

PHONE = "+8613800138000"


def enable_sms(api, config):
    connector = connector_create(tenant=api.tenant, acting_user=api.owner, provider_key="tencent", config=config)
    return connector_set_enabled(connector=connector, enabled=True, acting_user=api.owner)


def set_code_policy(tenant, **policy):
    experience = experience_for(tenant)
    experience.code_policy = dict(experience.code_policy, **policy)
    experience.save()


@pytest.fixture
def sms_tenant(mapi, tencent_config):
    """A tenant whose enabled connector nobody delivers for: on_commit never runs in these tests."""
    enable_sms(mapi, tencent_config)
    return mapi


@pytest.mark.django_db(transaction=True)
def test_a_code_reaches_the_sandbox_and_is_verified_once(mapi, emulator_config, celery_worker, sms_emulator,
                                                         wait_for_sms):
    enable_sms(mapi, emulator_config)

    status, body, _ = mapi.call("POST", "/verification-codes", {"phone": "138 0013 8000"})

    assert status == 204, body
    record = sms_emulator.client.wait_for_request(PHONE)
    assert record["signature_valid"] and record["params"]["TemplateId"] == "2004"  # Generic
    [code] = record["params"]["TemplateParamSet"]
    assert wait_for_sms(SmsMessage.objects.get(tenant=mapi.tenant).pk).status == "SENT"
    wrong = "000000" if code != "000000" else "111111"
    status, body, _ = mapi.call("POST", "/verification-codes/verify", {"phone": PHONE, "verificationCode": wrong})
    assert status == 400 and body["code"] == "verification_code.code_mismatch"
    assert mapi.call("POST", "/verification-codes/verify", {"phone": PHONE, "verificationCode": code})[0] == 204
    status, body, _ = mapi.call("POST", "/verification-codes/verify", {"phone": PHONE, "verificationCode": code})
    assert status == 400 and body["code"] == "verification_code.not_found"


def test_a_second_code_within_the_cooldown_answers_429_with_retry_after(sms_tenant):
    assert sms_tenant.call("POST", "/verification-codes", {"phone": PHONE})[0] == 204

    status, body, response = sms_tenant.call("POST", "/verification-codes", {"phone": PHONE})

    assert status == 429 and body["code"] == "request.message_rate_limited"
    assert body["data"]["reason"] == "code.resend_too_soon" and 55 <= int(response["Retry-After"]) <= 60
    assert SmsMessage.objects.filter(tenant=sms_tenant.tenant).count() == 1


def test_the_per_number_limit_counts_the_hosted_pages_codes_too(sms_tenant):
    set_code_policy(sms_tenant.tenant, resendCooldownSeconds=0, perPhoneLimit=2)
    for _ in range(2):
        assert sms_tenant.call("POST", "/verification-codes", {"phone": PHONE})[0] == 204

    status, body, response = sms_tenant.call("POST", "/verification-codes", {"phone": PHONE})

    assert status == 429 and body["code"] == "request.message_rate_limited"
    assert body["data"]["reason"] == "code.too_many_for_number" and int(response["Retry-After"]) > 0
    assert sms_tenant.call("POST", "/verification-codes", {"phone": "+8613900139000"})[0] == 204


def test_a_new_code_replaces_the_previous_one(sms_tenant):
    set_code_policy(sms_tenant.tenant, resendCooldownSeconds=0)
    sms_tenant.call("POST", "/verification-codes", {"phone": PHONE})
    first = VerificationCode.objects.get(tenant=sms_tenant.tenant, phone=PHONE).code_hash
    sms_tenant.call("POST", "/verification-codes", {"phone": PHONE})
    [code] = VerificationCode.objects.filter(tenant=sms_tenant.tenant, phone=PHONE)
    assert code.purpose == "Generic" and code.code_hash != first


def test_wrong_codes_count_until_the_policys_attempts_are_spent(sms_tenant):
    set_code_policy(sms_tenant.tenant, maxAttempts=2)
    sms_tenant.call("POST", "/verification-codes", {"phone": PHONE})
    guess = {"phone": PHONE, "verificationCode": "not-it"}

    answers = [sms_tenant.call("POST", "/verification-codes/verify", guess)[1]["code"] for _ in range(3)]

    assert answers == ["verification_code.code_mismatch", "verification_code.code_mismatch",
                       "verification_code.exceed_max_try"]
    assert VerificationCode.objects.get(tenant=sms_tenant.tenant, phone=PHONE).attempts == 2


@pytest.mark.parametrize("body, status, code, reason", [
    ({"phone": "12"}, 400, "guard.invalid_input", "phone.invalid"),
    ({"phone": "+447400123456"}, 400, "phone.country_not_supported", "phone.country_not_supported"),
    ({"email": "someone@example.com"}, 400, "connector.not_found", None),
    ({}, 400, "guard.invalid_input", None),
])
def test_numbers_that_get_no_code_are_refused_and_nothing_is_sent(sms_tenant, body, status, code, reason):
    answer_status, answer, _ = sms_tenant.call("POST", "/verification-codes", body)
    assert (answer_status, answer["code"]) == (status, code)
    if reason:
        assert answer["data"]["reason"] == reason
    assert not SmsMessage.objects.exists() and not VerificationCode.objects.exists()


def test_without_an_sms_connector_no_code_is_stored(mapi):
    status, body, _ = mapi.call("POST", "/verification-codes", {"phone": PHONE})
    assert status == 400 and body["code"] == "connector.not_found" and body["data"]["type"] == "Sms"
    assert not VerificationCode.objects.exists()


def test_verifying_before_any_code_and_at_another_tenant_is_not_found(make_management_api, tencent_config):
    tenant_a, tenant_b = make_management_api(), make_management_api()
    enable_sms(tenant_a, tencent_config)
    assert tenant_a.call("POST", "/verification-codes", {"phone": PHONE})[0] == 204
    status, body, _ = tenant_b.call("POST", "/verification-codes/verify", {"phone": PHONE, "verificationCode": "1"})
    assert status == 400 and body["code"] == "verification_code.not_found"
    assert VerificationCode.objects.get(phone=PHONE).attempts == 0


def test_a_read_only_token_cannot_send_or_verify(make_management_api, tencent_config):
    reader = make_management_api(access="read")
    enable_sms(reader, tencent_config)
    for path, body in (("/verification-codes", {"phone": PHONE}),
                       ("/verification-codes/verify", {"phone": PHONE, "verificationCode": "123456"})):
        status, answer, _ = reader.call("POST", path, body)
        assert status == 403 and answer["code"] == "auth.forbidden"
    assert not SmsMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_dead_queue_answers_503_and_leaves_no_code_or_cooldown(mapi, tencent_config, broker_down):
    enable_sms(mapi, tencent_config)
    status, body, response = mapi.call("POST", "/verification-codes", {"phone": PHONE})
    assert status == 503 and body["code"] == "request.temporarily_unavailable" and response["Retry-After"]
    assert not VerificationCode.objects.exists() and cooldown_remaining(mapi.tenant, PHONE) == 0
    assert SmsMessage.objects.get(tenant=mapi.tenant).status == "FAILED"


@pytest.mark.parametrize("path, base", [
    ("/verification-codes", {"phone": PHONE}),
    ("/verification-codes/verify", {"phone": PHONE, "verificationCode": "123456"}),
])
@FUZZ_SETTINGS
@given(data=st.data())
def test_any_json_body_gets_a_4xx_with_a_code_or_works(sms_tenant, path, base, data):
    status, answer, _ = sms_tenant.call("POST", path, data.draw(changed_bodies(base)))
    assert_answered(status, answer)
