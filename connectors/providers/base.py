"""The contract every SMS provider fulfils: a declared config schema, validation, one send method, typed results."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from django.utils.translation import gettext, gettext_lazy

MASK = "••••"
_INVALID = object()


class ConfigError(Exception):
    """A provider config failed validation; `errors` maps a field path such as `templates[2].usageType` to a message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))


class UsageType(StrEnum):
    """What a verification code is for; each usage type is sent with its own approved template."""

    REGISTER = "Register"
    SIGN_IN = "SignIn"
    FORGOT_PASSWORD = "ForgotPassword"
    GENERIC = "Generic"

    @property
    def label(self):
        """The console's name for it (the value itself in English, as the connector config spells it)."""
        return USAGE_TYPE_LABELS[self]


USAGE_TYPE_LABELS = {
    UsageType.REGISTER: gettext_lazy("Register"), UsageType.SIGN_IN: gettext_lazy("SignIn"),
    UsageType.FORGOT_PASSWORD: gettext_lazy("ForgotPassword"), UsageType.GENERIC: gettext_lazy("Generic"),
}


class ErrorClass(StrEnum):
    CREDENTIALS = "credentials"
    CLOCK = "clock"
    SDK_APP_ID = "sdk_app_id"
    SIGNATURE = "signature"
    TEMPLATE = "template"
    BALANCE_QUOTA = "balance_quota"
    PHONE_NUMBER = "phone_number"
    PER_NUMBER_LIMIT = "per_number_limit"
    NETWORK = "network"
    PROVIDER_BUSY = "provider_busy"
    UNKNOWN = "unknown"


TRANSIENT_CLASSES = frozenset({ErrorClass.NETWORK, ErrorClass.PROVIDER_BUSY})
USER_SIDE_CLASSES = frozenset({ErrorClass.PHONE_NUMBER, ErrorClass.PER_NUMBER_LIMIT})


@dataclass(frozen=True, slots=True)
class Sent:
    request_id: str | None
    serial_no: str | None
    fee: int | None
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Failed:
    error_code: str
    message: str
    error_class: ErrorClass
    retryable: bool
    request_id: str | None
    raw: dict[str, Any]
    # The request may have reached the provider (read timeout, connection dropped after sending):
    # the SMS may be out already, so retry at most once or twice.
    maybe_sent: bool = False


SendResult = Sent | Failed


@dataclass(frozen=True, slots=True)
class TemplateChoice:
    """Which template a message uses: its code, the provider's route ("" when it has one list) and its locale."""

    template_code: str
    route: str = ""
    locale: str = ""  # "" for the entry without a locale, the fallback


class NoTemplate(Exception):
    """No configured template fits the number and usage; nothing may be queued. `path` is the config list."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


def pick_template(templates: list[dict[str, Any]], usage_type: UsageType | str, language: str) -> dict | None:
    """The usage type's entry whose `locale` best fits `language` (same tag, then same language: `zh-CN` serves
    `zh-hans`), else its entry without a locale; None when the list has neither."""
    wanted = _language_tag(language)
    best, best_rank = None, 0
    for template in templates:
        if template.get("usageType") != usage_type:
            continue
        locale = _language_tag(template.get("locale", ""))
        if not locale:
            rank = 1
        elif wanted and locale == wanted:
            rank = 3
        elif wanted and locale.split("-")[0] == wanted.split("-")[0]:
            rank = 2
        else:
            continue
        if rank > best_rank:
            best, best_rank = template, rank
    return best


def _language_tag(tag: str) -> str:
    return (tag or "").strip().lower().replace("_", "-")


class DeliveryReport(StrEnum):
    DELIVERED = "DELIVERED"
    UNDELIVERED = "UNDELIVERED"


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a carrier reported about one sent SMS, matched to its row by the provider's serial number."""

    serial_no: str
    report: DeliveryReport
    code: str  # the carrier's status code ("DELIVRD", "MK:0012"), "" when the provider gives none
    description: str
    received_at: datetime | None  # when the phone got it, by the carrier's clock


class MalformedReceipts(ValueError):
    """A pushed receipt body that is not in the provider's shape (the callback answers 400)."""


@dataclass(frozen=True, slots=True)
class ReceiptPull:
    """One pull of queued receipts; `error_code` set when the provider refused or could not be reached."""

    receipts: list[Receipt]
    error_code: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class ConfigField:
    """One entry of a provider's config schema; the console renders its form from these."""

    name: str
    label: str
    type: str = "string"  # "string" or "list" (a list of objects described by item_fields)
    secret: bool = False
    required: bool = True
    default: str | None = None
    choices: tuple[str, ...] = ()  # the value must be one of these
    suggestions: tuple[str, ...] = ()  # offered in the form, any value accepted
    help: str = ""
    item_fields: tuple[ConfigField, ...] = field(default=())


_GENERIC_FIXES = {
    ErrorClass.CREDENTIALS: gettext_lazy("Check the API key ID and secret in the provider's console."),
    ErrorClass.CLOCK: gettext_lazy(
        "The server clock is off by more than a few minutes. Synchronise it (NTP) and try again."),
    ErrorClass.SDK_APP_ID: gettext_lazy("Check the application ID in the provider's console."),
    ErrorClass.SIGNATURE: gettext_lazy("Check that the SMS signature is approved and entered exactly as approved."),
    ErrorClass.TEMPLATE: gettext_lazy(
        "Check that every template is approved and has exactly one placeholder for the code."),
    ErrorClass.BALANCE_QUOTA: gettext_lazy("The SMS balance or daily quota is used up. Top up or raise the quota."),
    ErrorClass.PHONE_NUMBER: gettext_lazy(
        "The provider rejected this phone number. Nothing to fix unless every number fails."),
    ErrorClass.PER_NUMBER_LIMIT: gettext_lazy("The provider's per-number sending limit was reached for this phone."),
    ErrorClass.NETWORK: gettext_lazy(
        "The provider could not be reached. Check outbound network access; the send is retried."),
    ErrorClass.PROVIDER_BUSY: gettext_lazy("The provider is busy or rate-limiting. The send is retried automatically."),
    ErrorClass.UNKNOWN: gettext_lazy(
        "The provider returned {code}. Look it up in the provider's error code documentation."),
}

_USER_MESSAGES = {
    ErrorClass.PHONE_NUMBER: gettext_lazy("This phone number can't receive a code. Check the number and try again."),
    ErrorClass.PER_NUMBER_LIMIT: gettext_lazy(
        "Too many codes were sent to this number. Please wait a while and try again."),
}
_GENERIC_USER_MESSAGE = gettext_lazy("We couldn't send the code right now. Please try again in a few minutes.")


def fix_for(error_class: ErrorClass | str, error_code: str) -> str:
    """A provider-neutral fix for the admin; prefer `SmsProvider.fix_for`, which names the provider's console."""
    return _with_code(_GENERIC_FIXES[ErrorClass(error_class)], error_code)


def user_message_for(error_class: ErrorClass | str) -> str:
    """What to tell the end user; configuration problems are not theirs to see."""
    return str(_USER_MESSAGES.get(ErrorClass(error_class), _GENERIC_USER_MESSAGE))


class SmsProvider:
    """Base class for SMS providers, in the spirit of Django's mail backends: stateless, one method that sends."""

    key: ClassVar[str]
    # Logto's id for the same provider's connector factory (its Management API's `connectorId`).
    factory_id: ClassVar[str]
    name: ClassVar[str]
    description: ClassVar[str] = ""
    guide: ClassVar[str]
    config_fields: ClassVar[tuple[ConfigField, ...]]
    # Provider-specific wording of the fixes, by class and, more specific still, by error code.
    admin_fixes: ClassVar[Mapping[ErrorClass, str]] = {}
    code_fixes: ClassVar[Mapping[str, str]] = {}

    def validate(self, config: Any) -> dict[str, Any]:
        """The cleaned config, or ConfigError listing every problem at once."""
        if has_unstorable_text(config):
            raise ConfigError({"config": UNSTORABLE_TEXT})
        errors: dict[str, str] = {}
        cleaned = clean_object(config, self.config_fields, "", errors)
        self.check_rules(cleaned, errors)
        if errors:
            raise ConfigError(errors)
        return cleaned

    def initial_config(self) -> dict[str, Any]:
        """What a new connector's form starts from: defaults, blanks, and one blank item per list."""
        return {field.name: _initial_value(field) for field in self.config_fields}

    def check_rules(self, cleaned: dict[str, Any], errors: dict[str, str]) -> None:
        """Rules across fields; `cleaned` holds only the values that passed their own checks."""

    def send(
        self,
        *,
        config: dict[str, Any],
        phone_e164: str,
        template_code: str,
        params: list[str],
        session_context: str | None = None,
    ) -> SendResult:
        raise NotImplementedError

    # Delivery receipts, for providers that report them: pulled from a queue and/or pushed to a callback URL.
    # A pull returns up to `limit` receipts; the pull job calls again while full batches come back.
    pulls_receipts: ClassVar[bool] = False
    receipt_pull_limit: ClassVar[int] = 100
    receives_receipt_pushes: ClassVar[bool] = False
    receipt_push_guide: ClassVar[str] = ""

    def pull_receipts(self, *, config: dict[str, Any], limit: int) -> ReceiptPull:
        raise NotImplementedError

    def parse_receipt_push(self, body: bytes) -> list[Receipt]:
        """The receipts in a pushed request body; MalformedReceipts when it is not the provider's shape."""
        raise NotImplementedError

    def receipt_push_answer(self) -> dict[str, Any]:
        """The JSON the provider expects back from the callback URL."""
        return {}

    def template_for(
        self, config: dict[str, Any], *, phone_e164: str, usage_type: UsageType | str, language: str = ""
    ) -> TemplateChoice:
        """The template to send to this number for this usage, in the page's language where one exists.

        For providers whose config has one list, `templates: [{templateCode, usageType, locale?}]`; a provider
        with several lists (Tencent: mainland and international) picks the list, then calls `pick_template`.
        Raises NoTemplate, naming what is missing, when none fits.
        """
        template = pick_template(config["templates"], usage_type, language)
        if template is None:
            raise NoTemplate("templates", gettext("No template for %(usage)s.") % {"usage": UsageType(usage_type)})
        return TemplateChoice(template["templateCode"], route="", locale=template.get("locale", ""))

    def fix_for(self, error_class: ErrorClass | str, error_code: str) -> str:
        """A plain-language fix for the admin, naming where in the provider's console to look."""
        text = self.code_fixes.get(error_code) or self.admin_fixes.get(ErrorClass(error_class))
        return _with_code(text, error_code) if text else fix_for(error_class, error_code)

    def mask_secrets(self, config: dict[str, Any]) -> dict[str, Any]:
        """The config safe to show again: secret values keep only their last 4 characters."""
        return mask_object(config, self.config_fields)


UNSTORABLE_TEXT = gettext_lazy(
    "Contains characters that cannot be stored: a NUL (\\u0000) or half of a \\uD800-style pair.")


def has_unstorable_text(value: Any) -> bool:
    """True when a string anywhere in the value holds NUL or a lone surrogate (PostgreSQL and UTF-8 refuse them).
    Walked without recursion, so a value nested as deep as the JSON parser allows is answered too."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item or any("\ud800" <= char <= "\udfff" for char in item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _initial_value(config_field: ConfigField) -> Any:
    if config_field.type == "list":
        return [{item.name: _initial_value(item) for item in config_field.item_fields}]
    return config_field.default or ""


def clean_object(value: Any, fields: tuple[ConfigField, ...], path: str, errors: dict[str, str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        errors[path or "config"] = gettext("Must be an object with named fields.")
        return {}
    known = {config_field.name for config_field in fields}
    for key in value:
        if key not in known:
            errors[_join(path, str(key))] = gettext("Unknown field.")
    cleaned: dict[str, Any] = {}
    for config_field in fields:
        field_path = _join(path, config_field.name)
        if value.get(config_field.name) is None or _left_blank(value[config_field.name], config_field):
            if config_field.default is not None:
                cleaned[config_field.name] = config_field.default
            elif config_field.required:
                errors[field_path] = gettext("Required.")
            continue
        cleaned_value = _clean_value(value[config_field.name], config_field, field_path, errors)
        if cleaned_value is not _INVALID:
            cleaned[config_field.name] = cleaned_value
    return cleaned


def _left_blank(value: Any, config_field: ConfigField) -> bool:
    # An optional text without a default, left blank in the form, is simply not set.
    return (not config_field.required and config_field.default is None and config_field.type == "string"
            and isinstance(value, str) and not value.strip())


def _clean_value(value: Any, config_field: ConfigField, path: str, errors: dict[str, str]) -> Any:
    if config_field.type == "list":
        return _clean_list(value, config_field, path, errors)
    return _clean_string(value, config_field, path, errors)


def _clean_string(value: Any, config_field: ConfigField, path: str, errors: dict[str, str]) -> Any:
    if not isinstance(value, str):
        errors[path] = gettext("Must be text (a quoted string), got %(type)s.") % {"type": _json_type(value)}
        return _INVALID
    text = value.strip()
    if not text:
        errors[path] = gettext("Must not be empty.")
        return _INVALID
    if config_field.choices and text not in config_field.choices:
        errors[path] = gettext("Must be one of %(choices)s.") % {"choices": ", ".join(config_field.choices)}
        return _INVALID
    return text


def _clean_list(value: Any, config_field: ConfigField, path: str, errors: dict[str, str]) -> Any:
    # Items keep their valid fields even when others fail, so rules across items still report what they can.
    if not isinstance(value, list):
        errors[path] = gettext("Must be a list, got %(type)s.") % {"type": _json_type(value)}
        return _INVALID
    return [
        clean_object(item, config_field.item_fields, f"{path}[{index}]", errors) for index, item in enumerate(value)
    ]


def mask_object(config: dict[str, Any], fields: tuple[ConfigField, ...]) -> dict[str, Any]:
    masked = dict(config)
    for config_field in fields:
        value = masked.get(config_field.name)
        if config_field.secret and isinstance(value, str):
            masked[config_field.name] = mask_secret(value)
        elif config_field.type == "list" and isinstance(value, list):
            masked[config_field.name] = [
                mask_object(item, config_field.item_fields) if isinstance(item, dict) else item for item in value
            ]
    return masked


def mask_secret(value: str) -> str:
    # Short secrets would be half revealed by their last 4 characters.
    return MASK + value[-4:] if len(value) >= 12 else MASK


def _with_code(text: str, error_code: str) -> str:
    # Not str.format: fix texts quote template placeholders such as {1}.
    return text.replace("{code}", error_code)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return gettext("a number")
    if isinstance(value, list):
        return gettext("a list")
    if isinstance(value, dict):
        return gettext("an object")
    return type(value).__name__
