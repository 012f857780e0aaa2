"""Tencent Cloud SMS (SendSms, API 2021-01-11) through the official Python SDK."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy as _
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from connectors.providers.base import (
    TRANSIENT_CLASSES,
    UNSTORABLE_TEXT,
    ConfigField,
    DeliveryReport,
    ErrorClass,
    Failed,
    MalformedReceipts,
    Receipt,
    ReceiptPull,
    SendResult,
    Sent,
    SmsProvider,
    NoTemplate,
    TemplateChoice,
    UsageType,
    has_unstorable_text,
    pick_template,
)
from console.phone import mask_phone

logger = logging.getLogger(__name__)

SDK_LOGGER_NAME = "tencentcloud_sdk_common"
DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com"
DEFAULT_REGION = "ap-guangzhou"
REGION_SUGGESTIONS = ("ap-guangzhou", "ap-beijing", "ap-nanjing", "ap-singapore")
REQUEST_TIMEOUT_SECONDS = 10
MAX_SESSION_CONTEXT_BYTES = 511
MAX_MESSAGE_CHARS = 500

# Written for the console in the admin's language: each paragraph is one message of the catalogue, the list
# markup (numbers, **bold**, *menu paths*, `code`) stays in the translation. The menu paths name Tencent's
# international console; the Chinese translation names the same menus in Tencent's Chinese console.
GUIDE = format_lazy(
    "{}\n\n1. {}\n2. {}\n3. {}\n4. {}\n5. {}\n6. {}\n7. {}\n\n{}",
    _("You need a Tencent Cloud account with the SMS service enabled. Every value below comes from the Tencent Cloud "
      "console."),
    _("**Application (sdkAppId).** Open *SMS → Application Management → Application List*. Use the default "
      "application or create one, and copy its **SDK AppID**, a number such as `1400006666`."),
    _("**Signature (signName).** Open *SMS → Signatures* (Mainland China SMS) and create a signature, usually your "
      "company or app name. Wait until it is **approved**, then copy the signature **text** exactly as approved (not "
      "its ID). Messages to numbers outside Mainland China need no signature; set **internationalSignName** only if "
      "you have an approved international one (*International/Hong Kong, Macao, and Taiwan SMS → Signatures*)."),
    _("**Templates (templates).** Open *SMS → Body Templates* (Mainland China SMS) and create four verification-code "
      "templates, one for each usage type: **Register**, **SignIn**, **ForgotPassword** and **Generic**. Each body "
      "must contain exactly one variable, `{1}`, which Postern fills with the code, for example: `Your verification "
      "code is {1}. It expires in 10 minutes.` Wait until they are **approved** and copy each **template ID**."),
    _("**International templates (internationalTemplates).** Tencent refuses a Mainland China template for any other "
      "number, and an international one for a +86 number. For users outside Mainland China (Hong Kong, Macao and "
      "Taiwan included), create templates under *International/Hong Kong, Macao, and Taiwan SMS → Body Templates* "
      "and list them in **internationalTemplates**, in the same shape. +86 numbers use **templates**, every other "
      "number **internationalTemplates**; a number whose list has no template for the usage type is refused before "
      "anything is sent, so add the usage types your users need (the test SMS uses **Generic**)."),
    _("**Languages (locale).** A template may carry a `locale`, such as `zh-CN` or `en`: the code SMS then uses the "
      "template in the sign-in page's language, and the template without a locale for every other language. Each "
      "usage type needs one template without a locale."),
    _("**API key (accessKeyId, accessKeySecret).** Open *Cloud Access Management → Access Key → API Keys*. Better: "
      "create a sub-user that only has the `QcloudSMSFullAccess` policy and create its API key. Copy the "
      "**SecretId** into accessKeyId and the **SecretKey** into accessKeySecret; the SecretKey is shown only once."),
    _("**Region (region).** Leave `ap-guangzhou` unless your account's SMS service is elsewhere: `ap-beijing` or "
      "`ap-nanjing` in Mainland China, `ap-singapore` for accounts on the international site."),
    _("Then use **Send test SMS** here. If it fails, the message says which value to fix."),
)

RECEIPT_PUSH_GUIDE = _(
    "In Tencent Cloud, open *SMS → Application Management → Application List*, choose this connector's application, "
    "then *Callback Configuration → SMS Delivery Status* (国内短信 / 国际短信: set it for each you use). Enter the URL "
    "below and enable it. Tencent then posts receipts here as they arrive; Postern also pulls any it misses.")
# Tencent's push gives the phone's receipt time as Beijing wall-clock time, without a zone.
_TENCENT_TIME_ZONE = timezone(timedelta(hours=8))
_PUSH_REPORTS = {"SUCCESS": DeliveryReport.DELIVERED, "FAIL": DeliveryReport.UNDELIVERED}
MAX_RECEIPT_TEXT = 255

_GLOBAL_RATE_LIMIT = "LimitExceeded.GlobalSmsSendingRateLimit"

# Routes, and the config list that serves each.
MAINLAND, INTERNATIONAL = "mainland", "international"
MAINLAND_LIST, INTERNATIONAL_LIST = "templates", "internationalTemplates"
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

_ERROR_CLASS_BY_CODE = {
    "ClientNetworkError": ErrorClass.NETWORK,
    "ServerNetworkError": ErrorClass.NETWORK,
    _GLOBAL_RATE_LIMIT: ErrorClass.PROVIDER_BUSY,
    "AuthFailure.SignatureExpire": ErrorClass.CLOCK,
    "UnauthorizedOperation.RequestPermissionDeny": ErrorClass.CREDENTIALS,
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": ErrorClass.SDK_APP_ID,
    "InvalidParameterValue.SdkAppIdNotExist": ErrorClass.SDK_APP_ID,
    "FailedOperation.SignatureIncorrectOrUnapproved": ErrorClass.SIGNATURE,
    "FailedOperation.MissingSignature": ErrorClass.SIGNATURE,
    "FailedOperation.TemplateIncorrectOrUnapproved": ErrorClass.TEMPLATE,
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": ErrorClass.TEMPLATE,
    "InvalidParameterValue.TemplateParameterFormatError": ErrorClass.TEMPLATE,
    "InvalidParameterValue.TemplateParameterLengthLimit": ErrorClass.TEMPLATE,
    "FailedOperation.InsufficientBalanceInSmsPackage": ErrorClass.BALANCE_QUOTA,
    "LimitExceeded.AppDailyLimit": ErrorClass.BALANCE_QUOTA,
    # Tencent's own spelling.
    "UnauthorizedOperation.SerivceSuspendDueToArrears": ErrorClass.BALANCE_QUOTA,
    "InvalidParameterValue.IncorrectPhoneNumber": ErrorClass.PHONE_NUMBER,
    "FailedOperation.PhoneNumberParseFail": ErrorClass.PHONE_NUMBER,
    "FailedOperation.PhoneNumberInBlacklist": ErrorClass.PHONE_NUMBER,
    "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone": ErrorClass.PHONE_NUMBER,
    "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone": ErrorClass.PHONE_NUMBER,
    "LimitExceeded.PhoneNumberThirtySecondLimit": ErrorClass.PER_NUMBER_LIMIT,
    "LimitExceeded.PhoneNumberOneHourLimit": ErrorClass.PER_NUMBER_LIMIT,
    "LimitExceeded.PhoneNumberDailyLimit": ErrorClass.PER_NUMBER_LIMIT,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": ErrorClass.PER_NUMBER_LIMIT,
    "LimitExceeded.DeliveryFrequencyLimit": ErrorClass.PER_NUMBER_LIMIT,
}

_ERROR_CLASS_BY_PREFIX = (
    ("AuthFailure", ErrorClass.CREDENTIALS),
    ("InternalError", ErrorClass.PROVIDER_BUSY),
    ("RequestLimitExceeded", ErrorClass.PROVIDER_BUSY),
)

# Failing before the connection was made proves the SMS did not go out; anything later does not.
_CONNECT_FAILURE_MARKERS = ("NewConnectionError", "ConnectTimeoutError", "NameResolutionError", "Failed to resolve")


def classify(error_code: str) -> ErrorClass:
    """The error class of a Tencent error code or SDK exception code."""
    if error_code in _ERROR_CLASS_BY_CODE:
        return _ERROR_CLASS_BY_CODE[error_code]
    for prefix, error_class in _ERROR_CLASS_BY_PREFIX:
        if error_code == prefix or error_code.startswith(prefix + "."):
            return error_class
    return ErrorClass.UNKNOWN


def _template_fields() -> tuple[ConfigField, ...]:
    return (
        ConfigField(
            name="templateCode",
            label=_("Template ID"),
            help=_("The ID of an approved template whose body has exactly one variable, {1}, for the code."),
        ),
        ConfigField(
            name="usageType",
            label=_("Usage type"),
            choices=tuple(UsageType),
            help=_("What the code is for. Each usage type needs its own template."),
        ),
        ConfigField(
            name="locale",
            label=_("Language"),
            required=False,
            help=_("Optional, e.g. zh-CN or en: used when the sign-in page speaks this language."),
        ),
    )


class TencentSmsProvider(SmsProvider):
    key = "tencent"
    factory_id = "tencent-short-message-service"
    name = "Tencent Cloud SMS"
    description = "Verification codes by SMS through Tencent Cloud, to Mainland China and international numbers."
    guide = GUIDE
    config_fields = (
        ConfigField(
            name="accessKeyId",
            label="SecretId",
            help=_("Cloud Access Management → Access Key → API Keys: the SecretId."),
        ),
        ConfigField(
            name="accessKeySecret",
            label="SecretKey",
            secret=True,
            help=_("The SecretKey shown once when the API key was created."),
        ),
        ConfigField(
            name="signName",
            label=_("Signature"),
            help=_("The approved signature text, exactly as approved (SMS → Signatures)."),
        ),
        ConfigField(
            name="internationalSignName",
            label=_("International signature"),
            required=False,
            help=_("Optional: an approved signature for numbers outside Mainland China, which need none."),
        ),
        ConfigField(
            name="region",
            label=_("Region"),
            required=False,
            default=DEFAULT_REGION,
            suggestions=REGION_SUGGESTIONS,
            help=_("Where your SMS service runs; ap-guangzhou unless you know otherwise."),
        ),
        ConfigField(
            name="sdkAppId",
            label="SDK AppID",
            help=_("SMS → Application Management → Application List, e.g. 1400006666."),
        ),
        ConfigField(
            name="templates",
            label=_("Templates"),
            type="list",
            item_fields=_template_fields(),
            help=_("Mainland China (+86) templates: one per usage type: Register, SignIn, ForgotPassword and Generic."),
        ),
        ConfigField(
            name="internationalTemplates",
            label=_("International templates"),
            type="list",
            required=False,
            item_fields=_template_fields(),
            help=_("Templates for every number outside Mainland China; a usage type without one is not sent there."),
        ),
    )
    admin_fixes = {
        ErrorClass.CREDENTIALS: _("Check accessKeyId and accessKeySecret in Tencent Cloud → Cloud Access Management → "
            "API Keys (SecretId and SecretKey). A sub-user's key also needs the QcloudSMSFullAccess policy."),
        ErrorClass.CLOCK: _("This server's clock is more than 5 minutes off and Tencent refuses the signature. "
            "Synchronise the server clock (NTP); the key and secret are fine."),
        ErrorClass.SDK_APP_ID: _("Check sdkAppId: copy the SDK AppID (e.g. 1400006666) from Tencent Cloud → SMS → "
            "Application Management → Application List. It must belong to the same account as the API key."),
        ErrorClass.SIGNATURE: _("Check signName: it must be the signature text (not its ID), exactly as approved in "
            "Tencent Cloud → SMS → Signatures, and the signature must be approved."),
        ErrorClass.TEMPLATE: _("Check the template IDs: each must be approved in Tencent Cloud → SMS → Body Templates, "
            "belong to this SDK AppID, suit the number's region (Mainland China or international) and have exactly one "
            "variable, {1}."),
        ErrorClass.BALANCE_QUOTA: _("The SMS package is used up, the account is in arrears or the app's daily limit is "
            "reached. Buy an SMS package (Tencent Cloud → SMS → Package Management) or raise the limit."),
        ErrorClass.PHONE_NUMBER: _("Tencent refused this phone number (invalid, blocklisted, or no template for its "
            "region). If every number fails, check that the templates suit your users' numbers."),
        ErrorClass.PER_NUMBER_LIMIT: _("Tencent's per-number limits (30 seconds, 1 hour, daily) were hit for this "
            "number. You can change them in Tencent Cloud → SMS → Settings → Frequency Limit."),
        ErrorClass.NETWORK: _("Postern could not reach Tencent Cloud (sms.tencentcloudapi.com, HTTPS). Check this "
            "server's outbound network access; the send is retried automatically."),
        ErrorClass.PROVIDER_BUSY: _("Tencent Cloud is busy or rate-limiting requests; the send is retried "
            "automatically. If it keeps happening, ask Tencent to raise the sending rate limit."),
        ErrorClass.UNKNOWN: _("Tencent Cloud returned {code}. Look it up in the SendSms error codes of the Tencent "
            "Cloud SMS documentation."),
    }
    code_fixes = {
        "UnsupportedRegion": _("Check region: Tencent does not offer SMS in that region. Use ap-guangzhou unless your "
            "account is elsewhere."),
        "UnauthorizedOperation.SerivceSuspendDueToArrears": _("The Tencent Cloud account is in arrears and SMS is "
            "suspended. Top up the account in Tencent Cloud → Billing Center."),
        "UnauthorizedOperation.RequestPermissionDeny": _("The API key has no SMS permission. Give its user the "
            "QcloudSMSFullAccess policy in Tencent Cloud → Cloud Access Management → Users."),
    }

    def initial_config(self) -> dict[str, Any]:
        # One template per usage type, since all four are required.
        return {**super().initial_config(),
                "templates": [{"templateCode": "", "usageType": usage_type.value} for usage_type in UsageType],
                "internationalTemplates": []}

    def check_rules(self, cleaned: dict[str, Any], errors: dict[str, str]) -> None:
        sdk_app_id = cleaned.get("sdkAppId")
        if sdk_app_id is not None and not sdk_app_id.isdigit():
            errors["sdkAppId"] = gettext("Must be the SDK AppID digits, e.g. 1400006666.")
        for name in (MAINLAND_LIST, INTERNATIONAL_LIST):
            if name in cleaned:
                _check_template_list(name, cleaned[name], errors, every_usage_type=name == MAINLAND_LIST)

    def template_for(
        self, config: dict[str, Any], *, phone_e164: str, usage_type: UsageType | str, language: str = ""
    ) -> TemplateChoice:
        route = route_of(phone_e164)
        name = MAINLAND_LIST if route == MAINLAND else INTERNATIONAL_LIST
        template = pick_template(config.get(name) or [], usage_type, language)
        if template is None:
            message = (gettext("No Mainland China template for %(usage)s: add one to %(list)s.") if route == MAINLAND
                       else gettext("No international template for %(usage)s: add one to %(list)s."))
            raise NoTemplate(name, message % {"usage": UsageType(usage_type), "list": name})
        return TemplateChoice(template["templateCode"], route=route, locale=template.get("locale", ""))

    def send(
        self,
        *,
        config: dict[str, Any],
        phone_e164: str,
        template_code: str,
        params: list[str],
        session_context: str | None = None,
    ) -> SendResult:
        """Send one SMS; never raises for provider or network failures, only for programming errors."""
        _check_send_arguments(phone_e164, template_code, params, session_context)
        _keep_sdk_logger_quiet()
        client = client_for(config)
        request = _send_sms_request(config, phone_e164, template_code, params, session_context)
        try:
            response = client.SendSms(request)
        except TencentCloudSDKException as exc:
            result = _failed_from_exception(exc)
        else:
            result = _result_from_response(response)
        _log_result(result, phone_e164, template_code)
        return result

    pulls_receipts = True
    receives_receipt_pushes = True
    receipt_push_guide = RECEIPT_PUSH_GUIDE

    def pull_receipts(self, *, config: dict[str, Any], limit: int) -> ReceiptPull:
        """PullSmsSendStatus: up to `limit` queued receipts of the SDK AppID; Tencent hands each out once."""
        _keep_sdk_logger_quiet()
        request = models.PullSmsSendStatusRequest()
        request.Limit = min(limit, self.receipt_pull_limit)
        request.SmsSdkAppId = config["sdkAppId"]
        try:
            response = client_for(config).PullSmsSendStatus(request)
        except TencentCloudSDKException as exc:
            return ReceiptPull([], error_code=exc.get_code() or "Unknown", message=_plain_text(exc.get_message()))
        return ReceiptPull([_pulled_receipt(status) for status in response.PullSmsSendStatusSet or []
                            if status.SerialNo])

    def parse_receipt_push(self, body: bytes) -> list[Receipt]:
        try:
            items = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise MalformedReceipts("The body is not JSON.") from None
        if not isinstance(items, list):
            raise MalformedReceipts("The body must be a JSON array of receipts.")
        return [_pushed_receipt(index, item) for index, item in enumerate(items)]

    def receipt_push_answer(self) -> dict[str, Any]:
        return {"result": 0, "errmsg": "OK"}


def route_of(phone_e164: str) -> str:
    """Which of Tencent's two services a number belongs to: +86 is Mainland China, everything else international
    (Hong Kong, Macao and Taiwan included)."""
    return MAINLAND if phone_e164.startswith("+86") else INTERNATIONAL


def _check_template_list(
    name: str, templates: list[dict[str, Any]], errors: dict[str, str], *, every_usage_type: bool
) -> None:
    """One template per usage type and locale; each usage type listed has one without a locale (the fallback)."""
    first_index: dict[tuple[str, str], int] = {}
    for index, template in enumerate(templates):
        usage_type, locale = template.get("usageType"), template.get("locale", "")
        if locale and not _LOCALE.match(locale):
            errors[f"{name}[{index}].locale"] = "Must be a language tag such as zh-CN or en."
        if usage_type is None:
            continue
        key = (usage_type, locale.lower())
        if key in first_index:
            which = f"{usage_type} ({locale})" if locale else usage_type
            errors[f"{name}[{index}].usageType"] = (
                f"{which} is already used by {name}[{first_index[key]}]; "
                "each usage type needs exactly one template per locale."
            )
        else:
            first_index[key] = index
    fallbacks = {usage_type for usage_type, locale in first_index if not locale}
    for (usage_type, locale), index in first_index.items():
        if locale and usage_type not in fallbacks:
            errors.setdefault(f"{name}[{index}].locale", (
                f"{usage_type} also needs a template without a locale, for every other language."))
    if every_usage_type:
        missing = [usage_type for usage_type in UsageType if usage_type not in fallbacks]
        if missing:
            errors.setdefault(name, f"Add a template for each missing usage type: {', '.join(missing)}.")


def _check_send_arguments(
    phone_e164: str, template_code: str, params: list[str], session_context: str | None
) -> None:
    if not (isinstance(phone_e164, str) and phone_e164.startswith("+") and phone_e164[1:].isdigit()):
        raise ValueError("phone_e164 must be an E.164 number such as +8613800138000; use console.phone")
    if not (isinstance(template_code, str) and template_code):
        raise ValueError("template_code must be a non-empty string")
    if not (isinstance(params, list) and all(isinstance(param, str) for param in params)):
        raise ValueError("params must be a list of strings")
    if session_context is not None and len(session_context.encode()) > MAX_SESSION_CONTEXT_BYTES:
        raise ValueError(f"session_context must be at most {MAX_SESSION_CONTEXT_BYTES} bytes")


def _keep_sdk_logger_quiet() -> None:
    # At DEBUG the SDK logs whole requests, verification codes included; settings may not have said otherwise.
    sdk_logger = logging.getLogger(SDK_LOGGER_NAME)
    if sdk_logger.getEffectiveLevel() < logging.INFO:
        sdk_logger.setLevel(logging.INFO)


def endpoint_from_settings() -> tuple[str, str]:
    """(protocol, host[:port]) from settings.TENCENT_SMS_ENDPOINT, Tencent's public endpoint by default."""
    url = getattr(settings, "TENCENT_SMS_ENDPOINT", None) or DEFAULT_ENDPOINT
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ImproperlyConfigured(f"TENCENT_SMS_ENDPOINT must look like http://127.0.0.1:9100, not {url!r}")
    return parts.scheme, parts.netloc


class _ClientCache:
    """A small LRU of SDK clients, so a worker reuses its HTTP connections per credential.

    One cache per thread: the SDK client holds a requests.Session, which is not documented as thread-safe, and a
    shared one would overflow its 10-connection pool as soon as more threads send at once.
    """

    def __init__(self, maxsize: int = 32):
        self._maxsize = maxsize
        self._local = threading.local()

    def get_or_build(self, key: tuple, build: Callable[[], SmsClient]) -> SmsClient:
        clients = self._clients()
        if key in clients:
            clients.move_to_end(key)
            return clients[key]
        client = clients[key] = build()
        if len(clients) > self._maxsize:
            clients.popitem(last=False)
        return client

    def clear(self) -> None:
        self._clients().clear()

    def _clients(self) -> OrderedDict[tuple, SmsClient]:
        if not hasattr(self._local, "clients"):
            self._local.clients = OrderedDict()
        return self._local.clients


_clients = _ClientCache()


def client_for(config: dict[str, Any]) -> SmsClient:
    """This thread's cached SDK client for the config's credentials and region and the configured endpoint."""
    protocol, endpoint = endpoint_from_settings()
    secret_id, secret_key, region = config["accessKeyId"], config["accessKeySecret"], config["region"]
    # The key digest, not the key, identifies the client, so cache keys never hold the secret.
    timeout = request_timeout()
    cache_key = (secret_id, hashlib.sha256(secret_key.encode()).hexdigest(), region, protocol, endpoint, timeout)
    return _clients.get_or_build(
        cache_key, lambda: _build_client(secret_id, secret_key, region, protocol, endpoint, timeout)
    )


def request_timeout() -> float:
    """Seconds the SDK waits to connect and, again, to read; a Celery task's time limits must exceed twice this."""
    return float(getattr(settings, "SMS_PROVIDER_TIMEOUT", None) or REQUEST_TIMEOUT_SECONDS)


def _build_client(
    secret_id: str, secret_key: str, region: str, protocol: str, endpoint: str, timeout: float
) -> SmsClient:
    # The profile must be complete before the client is built: the SDK reads the protocol only in its constructor.
    # No retryer (the SDK's resends on every attempt) and no region breaker (it switches to a hard-coded real host):
    # retries belong to the task queue.
    http_profile = HttpProfile(protocol=protocol, endpoint=endpoint, reqTimeout=timeout)
    profile = ClientProfile(httpProfile=http_profile, language="en-US", disable_region_breaker=True, retryer=None)
    return SmsClient(Credential(secret_id, secret_key), region, profile)


def _send_sms_request(
    config: dict[str, Any], phone_e164: str, template_code: str, params: list[str], session_context: str | None
) -> models.SendSmsRequest:
    request = models.SendSmsRequest()
    request.PhoneNumberSet = [phone_e164]
    request.SmsSdkAppId = config["sdkAppId"]
    # Tencent requires the signature in Mainland China only.
    request.SignName = (config["signName"] if route_of(phone_e164) == MAINLAND
                        else config.get("internationalSignName"))
    request.TemplateId = template_code
    request.TemplateParamSet = list(params)
    request.SessionContext = session_context
    return request


def _result_from_response(response: models.SendSmsResponse) -> SendResult:
    raw = json.loads(response.to_json_string())
    statuses = response.SendStatusSet or []
    if not statuses:
        return Failed(
            error_code="EmptySendStatusSet",
            message="Tencent answered without a send status for the number.",
            error_class=ErrorClass.UNKNOWN,
            retryable=False,
            request_id=response.RequestId,
            raw=raw,
        )
    status = statuses[0]
    if status.Code == "Ok":
        return Sent(request_id=response.RequestId, serial_no=status.SerialNo, fee=status.Fee, raw=raw)
    error_code = status.Code or "Unknown"
    error_class = classify(error_code)
    return Failed(
        error_code=error_code,
        message=_plain_text(status.Message),
        error_class=error_class,
        retryable=error_class in TRANSIENT_CLASSES,
        request_id=response.RequestId,
        raw=raw,
    )


def _failed_from_exception(exc: TencentCloudSDKException) -> Failed:
    error_code = exc.get_code() or "Unknown"
    message = _plain_text(exc.get_message())
    error_class = classify(error_code)
    return Failed(
        error_code=error_code,
        message=message,
        error_class=error_class,
        retryable=error_class in TRANSIENT_CLASSES,
        request_id=exc.get_request_id(),
        raw={"Code": error_code, "Message": message, "RequestId": exc.get_request_id()},
        maybe_sent=error_code == "ClientNetworkError" and not _failed_to_connect(message),
    )


def _failed_to_connect(message: str) -> bool:
    return any(marker in message for marker in _CONNECT_FAILURE_MARKERS)


def _plain_text(message: Any) -> str:
    # ServerNetworkError carries the raw HTTP body as bytes.
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    return str(message or "")[:MAX_MESSAGE_CHARS]


def _log_result(result: SendResult, phone_e164: str, template_code: str) -> None:
    # Params hold verification codes and provider messages may echo them: log codes and IDs only.
    if isinstance(result, Sent):
        logger.info(
            "SMS sent via Tencent to %s with template %s (request %s, serial %s)",
            mask_phone(phone_e164), template_code, result.request_id, result.serial_no,
        )
    else:
        logger.warning(
            "SMS via Tencent to %s with template %s failed: %s (%s, retryable=%s, request %s)",
            mask_phone(phone_e164), template_code, result.error_code, result.error_class, result.retryable,
            result.request_id,
        )


def _pulled_receipt(status: models.PullSmsSendStatus) -> Receipt:
    received = status.UserReceiveTime
    return Receipt(
        serial_no=status.SerialNo,
        report=DeliveryReport.DELIVERED if status.ReportStatus == "SUCCESS" else DeliveryReport.UNDELIVERED,
        code="",  # the pull API reports a description only
        description=str(status.Description or "")[:MAX_RECEIPT_TEXT],
        received_at=datetime.fromtimestamp(received, timezone.utc) if isinstance(received, int) and received else None,
    )


def _pushed_receipt(index: int, item: Any) -> Receipt:
    if not isinstance(item, dict):
        raise MalformedReceipts(f"[{index}] must be an object.")
    if has_unstorable_text(item):
        raise MalformedReceipts(f"[{index}]: {UNSTORABLE_TEXT}")
    serial_no, report = item.get("sid"), _PUSH_REPORTS.get(item.get("report_status"))
    if not (isinstance(serial_no, str) and serial_no and len(serial_no) <= 128):
        raise MalformedReceipts(f"[{index}].sid must be the SerialNo of a sent SMS.")
    if report is None:
        raise MalformedReceipts(f"[{index}].report_status must be SUCCESS or FAIL.")
    texts = [item.get(name) for name in ("errmsg", "description", "user_receive_time")]
    if not all(text is None or isinstance(text, str) for text in texts):
        raise MalformedReceipts(f"[{index}]: errmsg, description and user_receive_time must be text.")
    code, description, received = (text or "" for text in texts)
    try:
        received_at = (datetime.strptime(received, "%Y-%m-%d %H:%M:%S").replace(tzinfo=_TENCENT_TIME_ZONE)
                       if received else None)
    except ValueError:
        raise MalformedReceipts(f"[{index}].user_receive_time must look like 2015-10-17 08:03:04.") from None
    return Receipt(serial_no=serial_no, report=report, code=code[:64], description=description[:MAX_RECEIPT_TEXT],
                   received_at=received_at)
