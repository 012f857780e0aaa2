"""A local Tencent Cloud SMS API (SendSms, PullSmsSendStatus 2021-01-11) that checks TC3 signatures like Tencent
and fails on cue; delivery receipts live in connectors.emulator_receipts."""
from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import logging
import re
import secrets
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import phonenumbers
import requests

from connectors.emulator_receipts import PullError, ReceiptBook, control_receipts

logger = logging.getLogger(__name__)

API_VERSION = "2021-01-11"
PULL_ACTION = "PullSmsSendStatus"
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
MAX_CLOCK_SKEW_SECONDS = 300
SUPPORTED_REGIONS = frozenset({"ap-guangzhou", "ap-beijing", "ap-nanjing", "ap-singapore"})
MAX_PHONE_NUMBERS = 200
MAX_SESSION_CONTEXT_BYTES = 511
MAX_BODY_BYTES = 1024 * 1024
MAX_RECORDS = 10_000
INBOX_SIZE = 200
CONTROL_PREFIX = "/__emulator__/"
# The SDK recognises an error answer only under exactly this content type.
JSON_CONTENT_TYPE = "application/json"
RECORDED_HEADERS = (
    "Host", "Content-Type", "Authorization", "X-TC-Action", "X-TC-Version", "X-TC-Region", "X-TC-Timestamp",
    "X-TC-Language", "X-TC-RequestClient",
)
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
MAINLAND, INTERNATIONAL = "mainland", "international"
# Which service approved a template, as Tencent's two consoles keep them apart. Out of the box: the demo tenant's
# templates (seed_demo); any other template is accepted for either kind of number until configured.
DEFAULT_TEMPLATE_KINDS = {
    **{code: MAINLAND for code in ("100001", "100002", "100003", "100004")},
    **{code: INTERNATIONAL for code in ("200001", "200002", "200003", "200004")},
}

_AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<secret_id>[^/\s]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[^/\s]+)/tc3_request,"
    r"\s*SignedHeaders=(?P<signed_headers>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


class ApiError(Exception):
    """An answer in Tencent's error shape: HTTP 200 with Response.Error.{Code, Message}."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# --- TC3-HMAC-SHA256, as documented by Tencent Cloud (API 3.0 "Signature v3") ---------------------------------------


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tc3_signature(secret_key: str, date: str, string_to_sign: str) -> str:
    key = _hmac(("TC3" + secret_key).encode(), date)
    key = _hmac(key, SERVICE)
    key = _hmac(key, "tc3_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def verify_tc3(
    *, method: str, headers: Mapping[str, str], body: bytes, credentials: Mapping[str, str], now: float
) -> str:
    """The SecretId of a correctly signed request; ApiError with Tencent's code otherwise. Header names lowercase."""
    match = _AUTHORIZATION.match(headers.get("authorization", "").strip())
    if not match:
        raise ApiError(
            "AuthFailure.InvalidAuthorization", "The Authorization header is missing or not TC3-HMAC-SHA256."
        )
    timestamp_text = headers.get("x-tc-timestamp", "").strip()
    if not timestamp_text:
        raise ApiError("MissingParameter", "The request is missing a required parameter `Timestamp`.")
    if not timestamp_text.isdigit():
        raise ApiError("InvalidParameter", "The parameter `Timestamp` must be Unix seconds.")
    timestamp = int(timestamp_text)
    if abs(now - timestamp) > MAX_CLOCK_SKEW_SECONDS:
        raise ApiError(
            "AuthFailure.SignatureExpire",
            f"Signature expired: Timestamp {timestamp} is more than five minutes from the server time {int(now)}.",
        )
    secret_key = credentials.get(match["secret_id"])
    if secret_key is None:
        raise ApiError(
            "AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct."
        )
    signed_headers = match["signed_headers"].split(";")
    if "content-type" not in signed_headers or "host" not in signed_headers:
        raise ApiError("AuthFailure.InvalidAuthorization", "SignedHeaders must include content-type and host.")
    if any(name not in headers for name in signed_headers):
        raise ApiError("AuthFailure.InvalidAuthorization", "A header named in SignedHeaders is missing.")
    date = datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")
    if match["date"] != date or match["service"] != SERVICE:
        raise ApiError("AuthFailure.SignatureFailure", f"The credential scope must be {date}/{SERVICE}/tc3_request.")
    string_to_sign = _string_to_sign(method, headers, signed_headers, body, timestamp_text, date)
    expected = tc3_signature(secret_key, date, string_to_sign)
    if not hmac.compare_digest(expected, match["signature"]):
        raise ApiError(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        )
    return match["secret_id"]


def _string_to_sign(
    method: str, headers: Mapping[str, str], signed_headers: list[str], body: bytes, timestamp: str, date: str
) -> str:
    canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed_headers)
    unsigned = headers.get("x-tc-content-sha256") == "UNSIGNED-PAYLOAD"
    payload_hash = sha256_hex(b"UNSIGNED-PAYLOAD" if unsigned else body)
    canonical_request = "\n".join([method, "/", "", canonical_headers, ";".join(signed_headers), payload_hash])
    return "\n".join([ALGORITHM, timestamp, f"{date}/{SERVICE}/tc3_request", sha256_hex(canonical_request.encode())])


# --- State: credentials, scripts and what was received --------------------------------------------------------------


@dataclass(frozen=True)
class Behaviour:
    """What the emulator does with one upcoming API request instead of answering normally."""

    delay_ms: int = 0
    drop: bool = False
    http_status: int | None = None
    error: str | None = None
    message: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Behaviour:
        if not isinstance(data, dict) or set(data) - {"delay_ms", "drop", "http_status", "error", "message"}:
            raise ValueError("each behaviour is an object with delay_ms, drop, http_status, error and/or message")
        behaviour = cls(**data)
        if not isinstance(behaviour.delay_ms, int) or behaviour.delay_ms < 0:
            raise ValueError("delay_ms must be a non-negative integer")
        if not isinstance(behaviour.drop, bool):
            raise ValueError("drop must be true or false")
        if not all(isinstance(text, str | None) for text in (behaviour.error, behaviour.message)):
            raise ValueError("error and message must be strings")
        if behaviour.http_status is not None and not (
            isinstance(behaviour.http_status, int) and 200 <= behaviour.http_status <= 599
        ):
            raise ValueError("http_status must be an HTTP status code")
        return behaviour

    @property
    def replaces_answer(self) -> bool:
        return self.drop or self.error is not None or (self.http_status is not None and self.http_status != 200)


@dataclass(frozen=True)
class Account:
    """The Tencent account the emulator plays: its applications, approved signatures and approved templates."""

    apps: frozenset[str]
    signatures: frozenset[str]
    templates: Mapping[str, int]  # template ID -> number of variables
    template_kinds: Mapping[str, str]  # template ID -> MAINLAND | INTERNATIONAL


@dataclass
class _PhoneScript:
    code: str
    remaining: int | None  # None: until reset


class EmulatorState:
    """Everything the emulator knows, shared by its request threads."""

    def __init__(self, credentials: Mapping[str, str], latency_ms: int = 0, account: Account | None = None):
        self.credentials = dict(credentials)
        self._initial_latency_ms = latency_ms
        self._account = account  # what a reset returns to; None: accept any app, signature and template
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.receipts = ReceiptBook()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.latency_ms = self._initial_latency_ms
            self._phone_scripts: dict[str, _PhoneScript] = {}
            self._next: deque[Behaviour] = deque()
            self._records: deque[dict[str, Any]] = deque(maxlen=MAX_RECORDS)
            # None means "accept anything": without an account, apps, signatures and templates are permissive.
            account = self._account
            self.apps: frozenset[str] | None = account.apps if account else None
            self.signatures: frozenset[str] | None = account.signatures if account else None
            self.templates: dict[str, int] | None = dict(account.templates) if account else None  # ID -> variables
            self.template_kinds: dict[str, str] = dict(  # template ID -> MAINLAND/INTERNATIONAL
                account.template_kinds if account else DEFAULT_TEMPLATE_KINDS)
        self.receipts.reset()

    def script_phone(self, phone: str, code: str | None, times: int | None) -> None:
        with self._lock:
            if code is None:
                self._phone_scripts.pop(phone, None)
            else:
                self._phone_scripts[phone] = _PhoneScript(code, times)

    def queue_behaviours(self, behaviours: list[Behaviour]) -> None:
        with self._lock:
            self._next.extend(behaviours)

    def next_behaviour(self) -> Behaviour | None:
        with self._lock:
            return self._next.popleft() if self._next else None

    def status_code_for(self, phone: str) -> str:
        with self._lock:
            script = self._phone_scripts.get(phone)
            if script is None:
                return "Ok"
            if script.remaining is not None:
                script.remaining -= 1
                if script.remaining <= 0:
                    del self._phone_scripts[phone]
            return script.code

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            entry["id"] = next(self._ids)
            self._records.append(entry)

    def account(self) -> dict[str, Any]:
        """What this account accepts, as the control API and the inbox show it (None: anything)."""
        with self._lock:
            return {"apps": None if self.apps is None else sorted(self.apps),
                    "signatures": None if self.signatures is None else sorted(self.signatures),
                    "templates": None if self.templates is None else dict(sorted(self.templates.items())),
                    "template_kinds": dict(sorted(self.template_kinds.items()))}

    def records(self, phone: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            records = list(self._records)
        return [record for record in records if phone is None or phone in record["phones"]]


# --- SendSms --------------------------------------------------------------------------------------------------------


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
    numbers = [_parse_phone(phone) for phone in phones]
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
        code = _wrong_kind_of_template(state, template_id, region) or state.status_code_for(phone)
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


def _parse_phone(phone: str) -> tuple[str, str | None]:
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


# --- Control API ----------------------------------------------------------------------------------------------------


class ControlError(ValueError):
    """A bad request to the control API (HTTP 400)."""


def control_script(state: EmulatorState, data: Any) -> None:
    if not isinstance(data, dict) or not ({"phone", "next"} & set(data)):
        raise ControlError('send {"phone": ..., "code": ...} and/or {"next": [behaviour, ...]}')
    if "phone" in data:
        code, times = data.get("code"), data.get("times")
        if code is not None and not (isinstance(code, str) and code):
            raise ControlError("code must be a Tencent error code such as LimitExceeded.PhoneNumberDailyLimit, or null")
        if times is not None and not (isinstance(times, int) and times > 0):
            raise ControlError("times must be a positive integer, or left out for 'until reset'")
        state.script_phone(_control_phone(data["phone"]), code, times)
    if "next" in data:
        if not isinstance(data["next"], list):
            raise ControlError("next must be a list of behaviours")
        try:
            state.queue_behaviours([Behaviour.from_json(item) for item in data["next"]])
        except (TypeError, ValueError) as error:
            raise ControlError(str(error)) from None


def control_latency(state: EmulatorState, data: Any) -> None:
    if not isinstance(data, dict) or not isinstance(data.get("ms"), int) or data["ms"] < 0:
        raise ControlError('send {"ms": <non-negative integer>}')
    state.latency_ms = data["ms"]


def control_config(state: EmulatorState, data: Any) -> None:
    """Restrict the accepted apps, signatures or templates ({"templates": {"123": 1}}: ID -> variable count), and
    say which templates are mainland and which international ({"template_kinds": {"123": "international"}})."""
    if not isinstance(data, dict) or set(data) - {"apps", "signatures", "templates", "template_kinds"}:
        raise ControlError(
            'send any of {"apps": [...], "signatures": [...], "templates": {id: variables}, '
            '"template_kinds": {id: "mainland" | "international"}}; null allows all'
        )
    if "template_kinds" in data:
        kinds = data["template_kinds"]
        if kinds is not None and not (
            isinstance(kinds, dict) and all(kind in (MAINLAND, INTERNATIONAL) for kind in kinds.values())
        ):
            raise ControlError('template_kinds must map template IDs to "mainland" or "international", or be null')
        state.template_kinds = dict(kinds or {})
    for name in ("apps", "signatures"):
        if name in data:
            values = data[name]
            if values is not None and not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
                raise ControlError(f"{name} must be a list of strings or null")
            setattr(state, name, None if values is None else frozenset(values))
    if "templates" in data:
        templates = data["templates"]
        if templates is not None and not (
            isinstance(templates, dict) and all(isinstance(count, int) and count >= 0 for count in templates.values())
        ):
            raise ControlError("templates must map template IDs to their number of variables, or be null")
        state.templates = None if templates is None else dict(templates)


def _control_phone(phone: Any) -> str:
    number, region = _parse_phone(phone) if isinstance(phone, str) else ("", None)
    if not region:
        raise ControlError("phone must be a valid number such as +8613800138000")
    return number


def render_inbox(records: list[dict[str, Any]], account: dict[str, Any] | None = None) -> str:
    """The sandbox's inbox: what was delivered, what was refused and why, and the account's approved values.
    Each message shows the sender's SdkAppId, SecretId and signature: the console's connector that sent it."""
    sends = [record for record in reversed(records) if (record.get("headers") or {}).get("X-TC-Action") != PULL_ACTION
             and record.get("params") is not None]
    messages = [(record, status) for record in sends for status in (record.get("send_status") or [])
                if status["Code"] == "Ok" and record["response_code"] == "Ok"][:INBOX_SIZE]
    refused = [(record, status["PhoneNumber"], status["Code"]) for record in sends
               for status in (record.get("send_status") or []) if status["Code"] != "Ok"]
    refused += [(record, ", ".join(record["phones"]), record["response_code"]) for record in sends
                if record["response_code"] != "Ok"]
    refused.sort(key=lambda item: item[0]["id"], reverse=True)

    def sender(record: dict[str, Any]) -> list[Any]:
        params = record["params"]
        return [params.get("SmsSdkAppId", ""), record.get("secret_id") or "", params.get("SignName", ""),
                params.get("TemplateId", "")]

    rows = "".join(_row([record["time"], status["PhoneNumber"], *sender(record),
                         ", ".join(record["params"].get("TemplateParamSet") or [])])
                   for record, status in messages)
    refused_rows = "".join(_row([record["time"], phone, *sender(record), code])
                           for record, phone, code in refused[:INBOX_SIZE])
    return _INBOX_PAGE.format(
        count=len(messages), rows=rows or '<tr><td colspan="8">No messages yet.</td></tr>',
        refused_rows=refused_rows or '<tr><td colspan="8">None.</td></tr>', account=_render_account(account),
    )


def _row(cells: list[Any]) -> str:
    return "<tr>" + "".join(f"<td><code>{html.escape(str(cell))}</code></td>" for cell in cells) + "</tr>"


def _render_account(account: dict[str, Any] | None) -> str:
    if account is None:
        return ""
    anything = "<em>any (this emulator accepts anything)</em>"
    apps = ", ".join(f"<code>{html.escape(app)}</code>" for app in account["apps"]) if account["apps"] is not None \
        else anything
    signatures = ", ".join(f"<code>{html.escape(name)}</code>" for name in account["signatures"]) \
        if account["signatures"] is not None else anything
    kinds = account["template_kinds"]
    if account["templates"] is None:
        templates = f"<p>Templates: {anything}</p>"
    else:
        templates = "<table><thead><tr><th>Template ID</th><th>Variables</th><th>For</th></tr></thead><tbody>" + "".join(
            _row([code, variables, {MAINLAND: "Mainland China numbers (+86)",
                                    INTERNATIONAL: "numbers outside Mainland China"}.get(kinds.get(code), "any number")])
            for code, variables in account["templates"].items()) + "</tbody></table>"
    return (f'<section id="account"><h2>This sandbox account</h2><p>Values a connector must use here; anything else '
            f"is refused with Tencent's error.</p><p>SDK AppID (sdkAppId): {apps}</p>"
            f"<p>Approved signatures (signName): {signatures}</p>{templates}</section>")


_INBOX_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>Tencent SMS emulator: inbox</title>
<style>body{{font:14px system-ui,sans-serif;margin:2rem}}table{{border-collapse:collapse}}
td,th{{border-bottom:1px solid #ddd;padding:.4rem .8rem;text-align:left}}code{{font-size:1.1em}}</style></head>
<body><h1>Inbox</h1><p>{count} message(s), newest first. This page refreshes itself.</p>
<table id="delivered"><thead><tr><th>Time (UTC)</th><th>Phone</th><th>SDK AppID</th><th>SecretId</th><th>Signature</th>
<th>Template</th><th>Parameters</th></tr></thead>
<tbody>{rows}</tbody></table>
<h2>Refused</h2><p>What Tencent would have answered instead of sending, newest first.</p>
<table id="refused"><thead><tr><th>Time (UTC)</th><th>Phone</th><th>SDK AppID</th><th>SecretId</th><th>Signature</th>
<th>Template</th><th>Error</th></tr></thead>
<tbody>{refused_rows}</tbody></table>
{account}</body></html>
"""


# --- HTTP -----------------------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps the SDK's pooled connections open between requests.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the second waits for the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    server_version = "TencentSmsEmulator/1.0"
    server: EmulatorServer

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path == "/":
            self._serve_api()
        elif path.startswith(CONTROL_PREFIX):
            self._serve_control_post(path[len(CONTROL_PREFIX):])
        else:
            self._write_json(404, {"error": "not found"})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/":
            self._serve_api()
        elif parts.path.startswith(CONTROL_PREFIX):
            self._serve_control_get(parts.path[len(CONTROL_PREFIX):], parse_qs(parts.query))
        else:
            self._write_json(404, {"error": "not found"})

    def _serve_api(self) -> None:
        received = time.time()
        state = self.server.state
        body = self._read_body()
        if body is None:
            return
        behaviour = state.next_behaviour()
        delay_ms = state.latency_ms + (behaviour.delay_ms if behaviour else 0)
        if delay_ms:
            time.sleep(delay_ms / 1000)
        headers = {name.lower(): value for name, value in self.headers.items()}
        outcome = answer_api_request(state, self.command, headers, body, behaviour)
        state.record(self._record(headers, outcome, behaviour, received))
        if outcome.http_status is None:
            self.close_connection = True
            return
        self._write(outcome.http_status, outcome.body, outcome.content_type)

    def _serve_control_post(self, name: str) -> None:
        body = self._read_body()
        if body is None:
            return
        actions = {"script": control_script, "latency": control_latency, "config": control_config,
                   "receipts": lambda state, data: control_receipts(state.receipts, data)}
        if name == "reset":
            self.server.state.reset()
            self._write_json(200, {"ok": True})
            return
        if name == "flush-receipts":
            self._write_json(200, {"ok": True, "pushed": self.server.state.receipts.flush()})
            return
        if name not in actions:
            self._write_json(404, {"error": "not found"})
            return
        try:
            actions[name](self.server.state, json.loads(body or b"{}"))
        except ValueError as error:  # ControlError, or a body that is not JSON
            self._write_json(400, {"error": str(error)})
            return
        self._write_json(200, {"ok": True})

    def _serve_control_get(self, name: str, query: dict[str, list[str]]) -> None:
        state = self.server.state
        if name == "health":
            self._write_json(200, {"ok": True})
        elif name == "requests":
            self._write_json(200, state.records(_query_phone(query)))
        elif name == "inbox":
            self._write(200, render_inbox(state.records(), state.account()).encode(), "text/html; charset=utf-8")
        elif name == "account":
            self._write_json(200, state.account())
        elif name == "receipts":
            self._write_json(200, state.receipts.summary())
        elif name == "latest-code":
            self._serve_latest_code(state.records(_query_phone(query)))
        else:
            self._write_json(404, {"error": "not found"})

    def _serve_latest_code(self, records: list[dict[str, Any]]) -> None:
        """The first template parameter of the newest message to a phone: what a person would read off the SMS."""
        params = (records[-1].get("params") or {}) if records else {}
        values = params.get("TemplateParamSet") or []
        if not values:
            self._write_json(404, {"error": "no message for this phone"})
        else:
            self._write_json(200, {"code": values[0], "templateId": params.get("TemplateId")})

    def _read_body(self) -> bytes | None:
        length_text = self.headers.get("Content-Length", "0")
        length = int(length_text) if length_text.isdigit() else -1
        if length < 0 or length > MAX_BODY_BYTES or "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            # The body cannot be skipped reliably, so the connection cannot be reused.
            self.close_connection = True
            self._write(413, b"request body missing a valid Content-Length or too large\n", "text/plain")
            return None
        return self.rfile.read(length)

    def _record(self, headers: dict[str, str], outcome: ApiOutcome, behaviour: Behaviour | None,
                received: float) -> dict[str, Any]:
        phones = (outcome.params or {}).get("PhoneNumberSet")
        return {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "received": received,  # Unix time the request arrived, before any scripted latency
            "headers": {name: headers[name.lower()] for name in RECORDED_HEADERS if name.lower() in headers},
            "params": outcome.params,
            "phones": _recorded_phones(phones),
            "secret_id": outcome.secret_id,
            "signature_valid": outcome.signature_valid,
            "http_status": outcome.http_status,
            "response_code": outcome.response_code,
            "send_status": outcome.send_status if outcome.response_code == "Ok" else None,
            "behaviour": asdict(behaviour) if behaviour else None,
        }

    def _write_json(self, status: int, data: Any) -> None:
        self._write(status, _json(data), JSON_CONTENT_TYPE)

    def _write(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # the inbox and latest-code answers show codes
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


def _recorded_phones(phones: Any) -> list[str]:
    if not isinstance(phones, list):
        return []
    return [_parse_phone(phone)[0] for phone in phones if isinstance(phone, str)]


def _query_phone(query: dict[str, list[str]]) -> str | None:
    values = query.get("phone")
    if not values:
        return None
    # An unencoded "+" in a query string arrives as a space.
    phone = values[0].strip()
    return _parse_phone(phone if phone.startswith("+") else "+" + phone)[0]


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Bursts of hundreds of connections must queue, not be refused.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], state: EmulatorState):
        super().__init__(address, _Handler)
        self.state = state

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or disconnect are part of the job; anything else is a bug worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        logger.exception("Emulator error while serving %s", client_address)


def make_server(host: str, port: int, credentials: Mapping[str, str], latency_ms: int = 0,
                account: Account | None = None) -> EmulatorServer:
    """A ready emulator; call serve_forever() (port 0 picks a free port: see server.server_address). Without an
    account it accepts any app, signature and template."""
    return EmulatorServer((host, port), EmulatorState(credentials, latency_ms, account))


# --- Test helper ----------------------------------------------------------------------------------------------------

_UNCHANGED: Any = object()


class EmulatorClient:
    """Drives a running emulator's control API from tests."""

    def __init__(self, base_url: str, timeout: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = requests.Session()

    def health(self) -> bool:
        try:
            return self._get("health").get("ok") is True
        except requests.RequestException:
            return False

    def script_phone(self, phone: str, code: str | None, *, times: int | None = None) -> None:
        """Answer sends to `phone` with this per-number Code (HTTP 200); None clears the script."""
        self._post("script", {"phone": phone, "code": code, "times": times})

    def script_next(self, behaviours: list[dict[str, Any]]) -> None:
        """Queue behaviours for the next API requests: delay_ms, drop, http_status, error (+ message)."""
        self._post("script", {"next": behaviours})

    def set_latency(self, ms: int) -> None:
        self._post("latency", {"ms": ms})

    def configure(self, *, apps: Any = _UNCHANGED, signatures: Any = _UNCHANGED, templates: Any = _UNCHANGED,
                  template_kinds: Any = _UNCHANGED) -> None:
        """Restrict accepted apps, signatures, templates ({ID: variable count}); None accepts anything again.
        `template_kinds` ({ID: "mainland" | "international"}) replaces which templates suit which numbers."""
        changes = {"apps": apps, "signatures": signatures, "templates": templates, "template_kinds": template_kinds}
        self._post("config", {name: value for name, value in changes.items() if value is not _UNCHANGED})

    def account(self) -> dict[str, Any]:
        """{"apps", "signatures", "templates", "template_kinds"}: what the emulator accepts now (None: anything)."""
        return self._get("account")

    def requests(self, phone: str | None = None) -> list[dict[str, Any]]:
        """Recorded API requests, oldest first, optionally only those sent to `phone`."""
        return self._get("requests", params={"phone": phone} if phone else None)

    def reset(self) -> None:
        self._post("reset", {})

    def script_receipt(self, phone: str, outcome: str | None, *, code: str = "", description: str = "") -> None:
        """The receipt for later sends to `phone`: "delivered" (default), "undelivered" (with the carrier's code
        and description) or "none"; None clears the script."""
        self._post("receipts", {"phone": phone, "outcome": outcome, "code": code, "description": description})

    def set_receipt_callback(self, url: str | None, *, batch_size: int = 10, interval_ms: int = 0) -> None:
        """Push receipts to `url` (None: queue them for PullSmsSendStatus), `batch_size` per POST, every
        `interval_ms` (0: only on flush_receipts)."""
        self._post("receipts", {"callback_url": url, "batch_size": batch_size, "interval_ms": interval_ms})

    def flush_receipts(self) -> int:
        """Push every queued receipt now; how many the callback accepted."""
        response = self._http.post(f"{self.base_url}{CONTROL_PREFIX}flush-receipts", timeout=self.timeout)
        response.raise_for_status()
        return response.json()["pushed"]

    def receipts(self) -> dict[str, Any]:
        """{"pull_queue": n, "push_queue": n, "pushes": [{"url", "count", "status", "answer"}], "callback_url"}."""
        return self._get("receipts")

    def wait_for_request(self, phone: str, timeout: float = 5.0, interval: float = 0.05) -> dict[str, Any]:
        """The newest request sent to `phone`, waiting for one to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.requests(phone)
            if records:
                return records[-1]
            if time.monotonic() >= deadline:
                raise TimeoutError(f"No SMS request for {phone} within {timeout} s")
            time.sleep(interval)

    def _get(self, name: str, params: dict[str, str] | None = None) -> Any:
        response = self._http.get(f"{self.base_url}{CONTROL_PREFIX}{name}", params=params, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def _post(self, name: str, data: dict[str, Any]) -> None:
        response = self._http.post(f"{self.base_url}{CONTROL_PREFIX}{name}", json=data, timeout=self.timeout)
        if response.status_code == 400:
            raise ValueError(response.json()["error"])
        response.raise_for_status()
