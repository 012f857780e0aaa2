"""The Tencent SMS emulator: signature checks as Tencent documents them, SendSms answers, and the control API."""
import hashlib
import hmac
import json
import time
from datetime import datetime, timezone

import pytest
import requests

# The suite-wide autouse fixture clears the database-backed cache before every test.
pytestmark = pytest.mark.django_db

PHONE = "+8613800138000"


def send_sms_body(**overrides):
    body = {
        "PhoneNumberSet": [PHONE],
        "SmsSdkAppId": "1400006666",
        "SignName": "Postern",
        "TemplateId": "2002",
        "TemplateParamSet": ["123456"],
    }
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not None}


def signed_headers(emulator, body: bytes, *, timestamp=None, secret_id=None, secret_key=None, host=None, date=None):
    """TC3-HMAC-SHA256 written from Tencent's documentation, independently of the emulator's own code."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    host = host or emulator.url.removeprefix("http://")
    date = date or datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")
    canonical_request = (
        f"POST\n/\n\ncontent-type:application/json\nhost:{host}\n\ncontent-type;host\n"
        f"{hashlib.sha256(body).hexdigest()}"
    )
    string_to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n"
        f"{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    )

    def sign(key, message):
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    signing_key = sign(sign(sign(("TC3" + (secret_key or emulator.secret_key)).encode(), date), "sms"), "tc3_request")
    signature = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "Authorization": (
            f"TC3-HMAC-SHA256 Credential={secret_id or emulator.secret_id}/{date}/sms/tc3_request, "
            f"SignedHeaders=content-type;host, Signature={signature}"
        ),
        "X-TC-Action": "SendSms",
        "X-TC-Version": "2021-01-11",
        "X-TC-Region": "ap-guangzhou",
        "X-TC-Timestamp": str(timestamp),
    }


def post(emulator, params=None, *, body=None, headers=None, **signing):
    body = json.dumps(send_sms_body() if params is None else params).encode() if body is None else body
    all_headers = {**signed_headers(emulator, body, **signing), **(headers or {})}
    return requests.post(emulator.url + "/", data=body, headers=all_headers, timeout=5)


def error_code(response):
    assert response.status_code == 200
    return response.json()["Response"]["Error"]["Code"]


# --- Signatures -------------------------------------------------------------------------------------------------------


def test_a_request_signed_as_tencent_documents_is_accepted(sms_emulator):
    response = post(sms_emulator)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    [status] = response.json()["Response"]["SendStatusSet"]
    assert status["Code"] == "Ok"
    assert status["Message"] == "send success"
    assert (status["PhoneNumber"], status["Fee"], status["IsoCode"]) == (PHONE, 1, "CN")
    assert status["SerialNo"]
    assert response.json()["Response"]["RequestId"]


@pytest.mark.parametrize("skew", [-400, 400])
def test_a_timestamp_more_than_five_minutes_off_has_expired(sms_emulator, skew):
    response = post(sms_emulator, timestamp=int(time.time()) + skew)

    assert error_code(response) == "AuthFailure.SignatureExpire"
    assert response.headers["Content-Type"] == "application/json"


def test_a_timestamp_within_five_minutes_is_accepted(sms_emulator):
    assert "SendStatusSet" in post(sms_emulator, timestamp=int(time.time()) - 250).json()["Response"]


def test_an_unknown_secret_id_is_not_found(sms_emulator):
    assert error_code(post(sms_emulator, secret_id="AKIDnobody")) == "AuthFailure.SecretIdNotFound"


def test_a_wrong_secret_key_fails_the_signature(sms_emulator):
    assert error_code(post(sms_emulator, secret_key="wrong")) == "AuthFailure.SignatureFailure"


def test_a_body_changed_after_signing_fails_the_signature(sms_emulator):
    body = json.dumps(send_sms_body()).encode()
    headers = signed_headers(sms_emulator, body)
    tampered = json.dumps(send_sms_body(TemplateParamSet=["000000"])).encode()

    response = requests.post(sms_emulator.url + "/", data=tampered, headers=headers, timeout=5)

    assert error_code(response) == "AuthFailure.SignatureFailure"
    record = sms_emulator.client.wait_for_request(PHONE)
    assert record["signature_valid"] is False


def test_a_signature_for_another_host_fails(sms_emulator):
    assert error_code(post(sms_emulator, host="sms.tencentcloudapi.com")) == "AuthFailure.SignatureFailure"


def test_a_credential_scope_for_another_day_fails(sms_emulator):
    assert error_code(post(sms_emulator, date="2020-01-01")) == "AuthFailure.SignatureFailure"


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer token", "TC3-HMAC-SHA256 Credential=AKIDtest/2024-01-01/sms/tc3_request, Signature=abc"],
)
def test_a_malformed_authorization_header_is_refused(sms_emulator, authorization):
    response = post(sms_emulator, headers={"Authorization": authorization})

    assert error_code(response) == "AuthFailure.InvalidAuthorization"


# --- SendSms ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"X-TC-Action": "SendStatusStatistics"}, "InvalidAction"),
        ({"X-TC-Version": "2019-07-11"}, "NoSuchVersion"),
        ({"X-TC-Region": ""}, "MissingParameter"),
        ({"X-TC-Region": "eu-frankfurt"}, "UnsupportedRegion"),
    ],
)
def test_the_action_version_and_region_are_checked(sms_emulator, headers, code):
    assert error_code(post(sms_emulator, headers=headers)) == code


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (send_sms_body(PhoneNumberSet=None), "MissingParameter"),
        (send_sms_body(TemplateId=None), "MissingParameter"),
        (send_sms_body(SmsSdkAppId=None), "MissingParameter"),
        (send_sms_body(SignName=None), "MissingParameter"),
        (send_sms_body(TemplateParamSet="123456"), "InvalidParameter"),
        (send_sms_body(SmsSdkAppId=1400006666), "InvalidParameter"),
        (send_sms_body(Unexpected="x"), "UnknownParameter"),
        (
            send_sms_body(PhoneNumberSet=[PHONE, "+12015550123"]),
            "FailedOperation.ContainDomesticAndInternationalPhoneNumber",
        ),
        (send_sms_body(PhoneNumberSet=[PHONE] * 201), "LimitExceeded.PhoneNumberCountLimit"),
        (send_sms_body(SessionContext="x" * 512), "InvalidParameterValue"),
    ],
)
def test_bad_parameters_are_refused(sms_emulator, params, code):
    assert error_code(post(sms_emulator, params)) == code


def test_a_body_that_is_not_json_is_refused(sms_emulator):
    assert error_code(post(sms_emulator, body=b"PhoneNumberSet=1")) == "FailedOperation.JsonParseFail"


def test_an_international_number_needs_no_signature(sms_emulator):
    response = post(sms_emulator, send_sms_body(PhoneNumberSet=["+6581234567"], SignName=None))

    assert response.json()["Response"]["SendStatusSet"][0]["IsoCode"] == "SG"


def test_an_invalid_number_fails_on_its_own(sms_emulator):
    response = post(sms_emulator, send_sms_body(PhoneNumberSet=[PHONE, "+86123"]))

    codes = [status["Code"] for status in response.json()["Response"]["SendStatusSet"]]
    assert codes == ["Ok", "InvalidParameterValue.IncorrectPhoneNumber"]


def test_the_session_context_is_echoed(sms_emulator):
    response = post(sms_emulator, send_sms_body(SessionContext="attempt-7"))

    assert response.json()["Response"]["SendStatusSet"][0]["SessionContext"] == "attempt-7"


def test_unknown_apps_and_signatures_are_refused_once_configured(sms_emulator):
    sms_emulator.client.configure(apps=["1400000001"], signatures=["Acme"])

    assert error_code(post(sms_emulator)) == "UnauthorizedOperation.SmsSdkAppIdVerifyFail"
    assert error_code(post(sms_emulator, send_sms_body(SmsSdkAppId="1400000001"))) == (
        "FailedOperation.SignatureIncorrectOrUnapproved"
    )
    accepted = post(sms_emulator, send_sms_body(SmsSdkAppId="1400000001", SignName="Acme"))
    assert accepted.json()["Response"]["SendStatusSet"][0]["Code"] == "Ok"


# --- Scripts and the control API --------------------------------------------------------------------------------------


def test_a_scripted_phone_fails_with_http_200_until_cleared(sms_emulator):
    sms_emulator.client.script_phone(PHONE, "LimitExceeded.PhoneNumberOneHourLimit", times=1)

    first, second = post(sms_emulator), post(sms_emulator)

    assert first.status_code == 200
    assert first.json()["Response"]["SendStatusSet"][0]["Code"] == "LimitExceeded.PhoneNumberOneHourLimit"
    assert first.json()["Response"]["SendStatusSet"][0]["Fee"] == 0
    assert second.json()["Response"]["SendStatusSet"][0]["Code"] == "Ok"


def test_scripted_behaviours_apply_to_the_next_requests_in_order(sms_emulator):
    sms_emulator.client.script_next([{"http_status": 503}, {"error": "InternalError.Timeout"}, {"drop": True}])

    unavailable = post(sms_emulator)
    internal_error = post(sms_emulator)
    with pytest.raises(requests.ConnectionError):
        post(sms_emulator)
    normal = post(sms_emulator)

    assert unavailable.status_code == 503
    assert error_code(internal_error) == "InternalError.Timeout"
    assert normal.json()["Response"]["SendStatusSet"][0]["Code"] == "Ok"
    codes = [record["response_code"] for record in sms_emulator.client.requests()]
    assert codes == ["HTTP 503", "InternalError.Timeout", "dropped", "Ok"]


def test_latency_delays_api_requests(sms_emulator):
    sms_emulator.client.set_latency(300)
    started = time.monotonic()

    post(sms_emulator)

    assert time.monotonic() - started >= 0.3


def test_a_scripted_delay_adds_to_one_request(sms_emulator):
    sms_emulator.client.script_next([{"delay_ms": 200}])
    started = time.monotonic()
    post(sms_emulator)
    delayed = time.monotonic() - started

    started = time.monotonic()
    post(sms_emulator)

    assert delayed >= 0.2 > time.monotonic() - started


def test_requests_are_recorded_with_their_parameters(sms_emulator):
    post(sms_emulator, send_sms_body(PhoneNumberSet=["+6581234567"], SignName=None))
    post(sms_emulator)

    [record] = sms_emulator.client.requests(phone=PHONE)
    assert record["params"]["TemplateParamSet"] == ["123456"]
    assert record["signature_valid"] is True
    assert record["http_status"] == 200
    assert record["headers"]["X-TC-Action"] == "SendSms"
    assert len(sms_emulator.client.requests()) == 2


def test_the_phone_filter_accepts_an_unencoded_plus(sms_emulator):
    post(sms_emulator)

    response = requests.get(f"{sms_emulator.url}/__emulator__/requests?phone=+8613800138000", timeout=5)

    assert len(response.json()) == 1


def test_reset_forgets_requests_and_scripts(sms_emulator):
    sms_emulator.client.script_phone(PHONE, "LimitExceeded.PhoneNumberDailyLimit")
    sms_emulator.client.script_next([{"drop": True}])
    sms_emulator.client.reset()

    response = post(sms_emulator)

    assert response.json()["Response"]["SendStatusSet"][0]["Code"] == "Ok"
    assert len(sms_emulator.client.requests()) == 1


def test_the_inbox_lists_messages_newest_first(sms_emulator):
    post(sms_emulator, send_sms_body(TemplateParamSet=["111111"]))
    post(sms_emulator, send_sms_body(TemplateParamSet=["<b>2</b>"]))

    page = requests.get(f"{sms_emulator.url}/__emulator__/inbox", timeout=5)

    assert page.headers["Content-Type"].startswith("text/html")
    assert 'http-equiv="refresh"' in page.text
    assert page.text.index("&lt;b&gt;2&lt;/b&gt;") < page.text.index("111111")
    assert "Postern" in page.text and PHONE in page.text


def test_wait_for_request_gives_up_after_its_timeout(sms_emulator):
    with pytest.raises(TimeoutError):
        sms_emulator.client.wait_for_request("+8613900139000", timeout=0.2)


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("script", {"next": [{"explode": True}]}),
        ("script", {"next": [{"http_status": 99}]}),
        ("script", {"phone": "not a phone", "code": "X"}),
        ("script", {}),
        ("latency", {"ms": -1}),
        ("config", {"templates": ["2002"]}),
    ],
)
def test_bad_control_requests_are_refused(sms_emulator, path, payload):
    response = requests.post(f"{sms_emulator.url}/__emulator__/{path}", json=payload, timeout=5)

    assert response.status_code == 400
    assert response.json()["error"]


def test_health(sms_emulator):
    assert requests.get(f"{sms_emulator.url}/__emulator__/health", timeout=5).json() == {"ok": True}
