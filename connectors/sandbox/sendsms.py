"""SendSms 2021-01-11 as Tencent answers it: the call checked, the account's apps, signatures and templates enforced,
a status per number; PullSmsSendStatus is handed to the receipts."""
from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers

from connectors.sandbox.account import INTERNATIONAL, MAINLAND
from connectors.sandbox.faults import Behaviour
from connectors.sandbox.receipts import PullError
from connectors.sandbox.signatures import ApiError, verify_tc3
from connectors.sandbox.state import EmulatorState

API_VERSION = "2021-01-11"
PULL_ACTION = "PullSmsSendStatus"
SUPPORTED_REGIONS = frozenset({"ap-guangzhou", "ap-beijing", "ap-nanjing", "ap-singapore"})
MAX_PHONE_NUMBERS = 200
MAX_SESSION_CONTEXT_BYTES = 511
# The SDK recognises an error answer only under exactly this content type.
JSON_CONTENT_TYPE = "application/json"
SEND_SMS_PARAMETERS = frozenset(
    {"PhoneNumberSet", "SmsSdkAppId", "TemplateId", "SignName", "TemplateParamSet", "ExtendCode", "SessionContext",
     "SenderId"}
)
STATUS_MESSAGES = {
    "Ok": "send success",
    "InvalidParameterValue.IncorrectPhoneNumber": "incorrect phone number",
    "FailedOperation.PhoneNumberInBlacklist": "the phone number is in the blocklist",
    "LimitExceeded.PhoneNumberThirtySecondLimit": "too many messages sent to this number in 30 seconds",
    "LimitExceeded.PhoneNumberOneHourLimit": "too many messages sent to this number in one hour",
    "LimitExceeded.PhoneNumberDailyLimit": "too many messages sent to this number today",
    "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone": "a Mainland China template cannot be sent to a "
    "number outside Mainland China",
    "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone": "an international template cannot be sent to a "
    "Mainland China number",
}


@dataclass(frozen=True)
class ApiOutcome:
    """What one API request got, for the answer and for the record."""

    http_status: int | None  # None: the connection was dropped without an answer
    body: bytes
    content_type: str
    response_code: str
    signature_valid: bool
    secret_id: str | None
    params: dict[str, Any] | None
    send_status: list[dict[str, Any]] | None = None


def answer_api_request(
    state: EmulatorState, method: str, headers: Mapping[str, str], body: bytes, behaviour: Behaviour | None = None
) -> ApiOutcome:
    """Tencent's answer to one request, or the scripted behaviour's, which replaces it whatever the request."""
    params = _json_object_or_none(body)
    try:
        secret_id = verify_tc3(
            method=method, headers=headers, body=body, credentials=state.credentials, now=time.time()
        )
    except ApiError as error:
        if behaviour is not None and behaviour.replaces_answer:
            return _scripted_outcome(behaviour, False, None, params)
        return _error_outcome(error, False, None, params)
    if behaviour is not None and behaviour.replaces_answer:
        return _scripted_outcome(behaviour, True, secret_id, params)
    try:
        _check_call(method, headers)
        params = _parse_body(body)
        if headers.get("x-tc-action", "").strip() == PULL_ACTION:
            return _pull_outcome(state, params, secret_id)
        send_status = _send_sms(state, params)
    except ApiError as error:
        return _error_outcome(error, True, secret_id, params)
    response = {"Response": {"SendStatusSet": send_status, "RequestId": str(uuid.uuid4())}}
    return ApiOutcome(200, _json(response), JSON_CONTENT_TYPE, "Ok", True, secret_id, params, send_status)


def _pull_outcome(state: EmulatorState, params: dict[str, Any], secret_id: str | None) -> ApiOutcome:
    try:
        pulled = state.receipts.pull(params)
    except PullError as error:
        return _error_outcome(ApiError(error.code, error.message), True, secret_id, params)
    response = {"Response": {"PullSmsSendStatusSet": pulled, "RequestId": str(uuid.uuid4())}}
    return ApiOutcome(200, _json(response), JSON_CONTENT_TYPE, "Ok", True, secret_id, params)


def _error_outcome(
    error: ApiError, signature_valid: bool, secret_id: str | None, params: dict[str, Any] | None
) -> ApiOutcome:
    # Tencent answers API errors with HTTP 200; the SDK finds them in Response.Error.
    response = {"Response": {"Error": {"Code": error.code, "Message": error.message}, "RequestId": str(uuid.uuid4())}}
    return ApiOutcome(200, _json(response), JSON_CONTENT_TYPE, error.code, signature_valid, secret_id, params)


def _scripted_outcome(
    behaviour: Behaviour, signature_valid: bool, secret_id: str | None, params: dict[str, Any] | None
) -> ApiOutcome:
    if behaviour.drop:
        return ApiOutcome(None, b"", "", "dropped", signature_valid, secret_id, params)
    if behaviour.error:
        message = behaviour.message or f"{behaviour.error} (scripted by the emulator)"
        return _error_outcome(ApiError(behaviour.error, message), signature_valid, secret_id, params)
    status = behaviour.http_status
    body = f"{status} scripted by the emulator\n".encode()
    return ApiOutcome(status, body, "text/plain", f"HTTP {status}", signature_valid, secret_id, params)


def _check_call(method: str, headers: Mapping[str, str]) -> None:
    action = headers.get("x-tc-action", "").strip()
    version = headers.get("x-tc-version", "").strip()
    region = headers.get("x-tc-region", "").strip()
    for name, value in (("Action", action), ("Version", version), ("Region", region)):
        if not value:
            raise ApiError("MissingParameter", f"The request is missing a required parameter `{name}`.")
    if action not in ("SendSms", PULL_ACTION):
        raise ApiError("InvalidAction", f"The action `{action}` is not emulated; only SendSms and {PULL_ACTION} are.")
    if version != API_VERSION:
        raise ApiError("NoSuchVersion", f"The API version `{version}` is not emulated; only {API_VERSION} is.")
    if region not in SUPPORTED_REGIONS:
        raise ApiError("UnsupportedRegion", f"SMS is not supported in the region `{region}`.")
    if method != "POST" or headers.get("content-type", "").split(";")[0].strip().lower() != JSON_CONTENT_TYPE:
        raise ApiError("InvalidParameter", "The emulator accepts POST with Content-Type application/json only.")


def _json_object_or_none(body: bytes) -> dict[str, Any] | None:
    try:
        params = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return params if isinstance(params, dict) else None


def _parse_body(body: bytes) -> dict[str, Any]:
    try:
        params = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError("FailedOperation.JsonParseFail", "The request body is not valid JSON.") from None
    if not isinstance(params, dict):
        raise ApiError("FailedOperation.JsonParseFail", "The request body must be a JSON object.")
    return params


def _send_sms(state: EmulatorState, params: dict[str, Any]) -> list[dict[str, Any]]:
    unknown = sorted(set(params) - SEND_SMS_PARAMETERS)
    if unknown:
        raise ApiError("UnknownParameter", f"The parameter `{unknown[0]}` is not recognized.")
    phones = _string_list(params, "PhoneNumberSet", required=True)
    app_id = _string(params, "SmsSdkAppId", required=True)
    template_id = _string(params, "TemplateId", required=True)
    sign_name = _string(params, "SignName", required=False)
    template_params = _string_list(params, "TemplateParamSet", required=False)
    session_context = _string(params, "SessionContext", required=False) or ""
    if not phones:
        raise ApiError("MissingParameter", "The request is missing a required parameter `PhoneNumberSet`.")
    if len(phones) > MAX_PHONE_NUMBERS:
        raise ApiError("LimitExceeded.PhoneNumberCountLimit", f"At most {MAX_PHONE_NUMBERS} phone numbers per request.")
    if len(session_context.encode()) > MAX_SESSION_CONTEXT_BYTES:
        raise ApiError("InvalidParameterValue", "SessionContext must be shorter than 512 bytes.")
    numbers = [parse_phone(phone) for phone in phones]
    regions = {region for _, region in numbers if region}
    if "CN" in regions and len(regions) > 1:
        raise ApiError(
            "FailedOperation.ContainDomesticAndInternationalPhoneNumber",
            "A request cannot mix Mainland China and international phone numbers.",
        )
    if "CN" in regions and not sign_name:
        raise ApiError("MissingParameter", "The request is missing a required parameter `SignName`.")
    _check_account_setup(state, app_id, sign_name, template_id, template_params or [])
    statuses = [_send_status(state, phone, region, session_context, template_id) for phone, region in numbers]
    state.receipts.on_sent(app_id, statuses)
    return statuses


def _check_account_setup(
    state: EmulatorState, app_id: str, sign_name: str | None, template_id: str, template_params: list[str]
) -> None:
    if state.apps is not None and app_id not in state.apps:
        # What Tencent answers for an SdkAppId that is not one of this account's applications.
        raise ApiError("UnauthorizedOperation.SmsSdkAppIdVerifyFail",
                       "The SmsSdkAppId does not belong to this account (SmsSdkAppId verify failed).")
    if state.signatures is not None and sign_name and sign_name not in state.signatures:
        raise ApiError("FailedOperation.SignatureIncorrectOrUnapproved", "The signature is incorrect or unapproved.")
    if state.templates is not None:
        if template_id not in state.templates:
            raise ApiError("FailedOperation.TemplateIncorrectOrUnapproved", "The template is incorrect or unapproved.")
        if len(template_params) != state.templates[template_id]:
            raise ApiError(
                "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                "The number of template parameters does not match the approved template.",
            )


def _send_status(
    state: EmulatorState, phone: str, region: str | None, session_context: str, template_id: str
) -> dict[str, Any]:
    if not region:
        code = "InvalidParameterValue.IncorrectPhoneNumber"
    else:
        code = _wrong_kind_of_template(state, template_id, region) or state.faults.status_code_for(phone)
    return {
        "SerialNo": f"{secrets.randbelow(9000) + 1000}:{secrets.randbelow(10**25):025d}" if code == "Ok" else "",
        "PhoneNumber": phone,
        "Fee": 1 if code == "Ok" else 0,
        "SessionContext": session_context,
        "Code": code,
        "Message": STATUS_MESSAGES.get(code, code),
        "IsoCode": region or "",
    }


def _wrong_kind_of_template(state: EmulatorState, template_id: str, region: str) -> str | None:
    """Tencent's per-number code for a template of the other service, None when the template suits the number."""
    kind = state.template_kinds.get(template_id)
    if kind == MAINLAND and region != "CN":
        return "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone"
    if kind == INTERNATIONAL and region == "CN":
        return "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone"
    return None


def parse_phone(phone: str) -> tuple[str, str | None]:
    """(number as echoed, ISO region or None when invalid); a number without + is a Mainland China number."""
    try:
        number = phonenumbers.parse(phone, "CN")
    except phonenumbers.NumberParseException:
        return phone, None
    if not phonenumbers.is_valid_number(number):
        return phone, None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, phonenumbers.region_code_for_number(number)


def _string(params: dict[str, Any], name: str, *, required: bool) -> str | None:
    value = params.get(name)
    if value is None:
        if required:
            raise ApiError("MissingParameter", f"The request is missing a required parameter `{name}`.")
        return None
    if not isinstance(value, str):
        raise ApiError("InvalidParameter", f"The parameter `{name}` must be a string.")
    return value


def _string_list(params: dict[str, Any], name: str, *, required: bool) -> list[str] | None:
    value = params.get(name)
    if value is None:
        if required:
            raise ApiError("MissingParameter", f"The request is missing a required parameter `{name}`.")
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError("InvalidParameter", f"The parameter `{name}` must be an array of strings.")
    return value


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()

