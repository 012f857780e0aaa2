"""Console forms: a connector's config (plain fields and a JSON view of the whole), and the message filters."""
from __future__ import annotations

import json
from typing import Any

import phonenumbers
from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from connectors.models import SmsMessage
from connectors.providers.base import MASK, UNSTORABLE_TEXT, SmsProvider, UsageType, has_unstorable_text
from connectors.selectors import MessageFilters
from console.phone import InvalidPhone, normalize_phone

MAX_CONFIG_CHARS = 20_000
# A provider's config is a few levels deep (Tencent's: object → templates list → template object). The bound keeps
# the parser and every walk over the value far from Python's recursion limit (1,000 levels answered 500).
MAX_CONFIG_DEPTH = 10


class ConnectorForm(forms.Form):
    """The plain fields are the provider's top-level text fields; `config` is the JSON of the whole config.

    With JavaScript the two views are kept in sync in the browser. Without it, a plain field the admin changed on
    this page wins over the same key in the JSON, and the JSON supplies everything else (the templates list).
    """

    name = forms.CharField(label=_("Display name"), required=False, max_length=128)
    config = forms.CharField(
        label=_("Config (JSON)"), required=False, max_length=MAX_CONFIG_CHARS, strip=False,
        widget=forms.Textarea(attrs={"rows": 20, "spellcheck": "false", "autocomplete": "off",
                                     "data-json-editor": ""}),
    )
    # The plain fields' values as this page rendered them, to tell which ones the admin changed.
    rendered_fields = forms.CharField(required=False, widget=forms.HiddenInput, max_length=MAX_CONFIG_CHARS)
    phone = forms.CharField(
        label=_("Phone number for a test"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off",
                                      "placeholder": "+86 138 0013 8000"}),
    )

    def __init__(self, *args, provider: SmsProvider, secret_masks: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.provider = provider
        self.secret_names = [field.name for field in provider.config_fields if field.secret]
        self.plain_names = [field.name for field in provider.config_fields if field.type == "string"]
        for config_field in provider.config_fields:
            if config_field.type != "string":
                continue
            if config_field.name in self.fields:
                raise ImproperlyConfigured(f"{provider.key}: config field {config_field.name!r} clashes with the form")
            attrs = {"autocomplete": "off", "spellcheck": "false", "data-config-key": config_field.name}
            if config_field.secret:
                mask = (secret_masks or {}).get(config_field.name)
                attrs.update({"autocomplete": "new-password", "data-secret": ""})
                attrs["placeholder"] = _("Saved: %(mask)s. Leave blank to keep it.") % {"mask": mask} if mask else ""
                # A secret typed on this page comes back on a failed POST (from the POST, never from the database:
                # the initial value of a secret is always blank).
                widget = forms.PasswordInput(attrs=attrs, render_value=True)
            else:
                if config_field.suggestions:
                    attrs["list"] = f"suggestions-{config_field.name}"
                widget = forms.TextInput(attrs=attrs)
            self.fields[config_field.name] = forms.CharField(
                label=f"{config_field.label} ({config_field.name})", help_text=config_field.help, required=False,
                max_length=512, widget=widget,
            )
        self.order_fields(["name", *self.plain_names, "config", "rendered_fields", "phone"])

    @classmethod
    def initial_for(cls, provider: SmsProvider, config: dict[str, Any]) -> dict[str, Any]:
        """Initial values for a config: plain fields, secrets blank, and the JSON view with secrets masked."""
        shown = _for_display(provider, config)
        plain = {field.name: shown.get(field.name, "") for field in provider.config_fields
                 if field.type == "string" and not field.secret}
        return {**plain, "config": _pretty(shown), "rendered_fields": json.dumps(plain)}

    def clean_config(self) -> dict[str, Any]:
        text = self.cleaned_data["config"].strip()
        if not text:
            return {}
        check_config_text(text)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                _("This is not valid JSON: %(problem)s at line %(line)s, column %(column)s.")
                % {"problem": exc.msg, "line": exc.lineno, "column": exc.colno}
            ) from None
        if not isinstance(value, dict):
            raise ValidationError(_("The config must be a JSON object, in braces: { … }."))
        if has_unstorable_text(value):
            raise ValidationError(UNSTORABLE_TEXT)
        return value

    def config_input(self) -> dict[str, Any]:
        """The config the admin means: the JSON view, with the plain fields they changed on top."""
        config = dict(self.cleaned_data.get("config") or {})
        rendered = _json_object(self.cleaned_data.get("rendered_fields"))
        for name in self.plain_names:
            value = self.cleaned_data.get(name, "")
            if name in self.secret_names:
                changed = bool(value)  # blank keeps the saved secret
            else:
                changed = value != rendered[name] if name in rendered else bool(value)
            if changed:
                config[name] = value
        return config

    def add_service_errors(self, exc: ValidationError) -> None:
        """Errors keyed by config path: top-level ones beside their plain field, the rest beside the JSON."""
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        for path, errors in exc.error_dict.items():
            for error in errors:
                message = " ".join(error.messages)
                if path in self.fields and path not in ("config", "rendered_fields"):
                    self.add_error(path, message)
                else:
                    self.add_error("config", f"{path}: {message}")

    def show_config(self, config: dict[str, Any]) -> None:
        """Render both views from one config after a failed POST, so they agree. A typed secret stays in its own
        (password) field, also when it was typed into the JSON view; the JSON view never shows one."""
        shown = _for_display(self.provider, config)
        data = self.data.copy()
        for name in self.plain_names:
            if name not in self.secret_names:
                data[name] = shown.get(name, "")
            elif not data.get(name) and isinstance(config.get(name), str) and not config[name].startswith(MASK):
                data[name] = config[name]
        data["config"] = _pretty(shown)
        data["rendered_fields"] = json.dumps({name: data[name] for name in self.plain_names
                                              if name not in self.secret_names})
        self.data = data

    @property
    def echoes_secret(self) -> bool:
        """True when the page shows a secret typed into it (the response must not be cached)."""
        return self.is_bound and any(self.data.get(name) for name in self.secret_names)

    @property
    def plain_fields(self):
        return [self[name] for name in self.plain_names]


def _for_display(provider: SmsProvider, config: dict[str, Any]) -> dict[str, Any]:
    # Masked values came from the server and may go back; anything else typed into a secret is never echoed.
    shown = dict(config)
    for name in (field.name for field in provider.config_fields if field.secret):
        value = shown.get(name)
        shown[name] = value if isinstance(value, str) and value.startswith(MASK) else ""
    return shown


def _pretty(config: dict[str, Any]) -> str:
    return json.dumps(config, indent=2, ensure_ascii=False)


def check_config_text(text: str) -> None:
    """The bounds on a config's JSON text, checked before it is parsed or walked: its length and how deep it nests.
    The console form and the Management API both ask this."""
    MaxLengthValidator(MAX_CONFIG_CHARS)(text)
    if json_depth(text) > MAX_CONFIG_DEPTH:
        raise ValidationError(_("The config nests more than %(depth)d levels of braces and brackets.")
                              % {"depth": MAX_CONFIG_DEPTH})


def json_depth(text: str) -> int:
    """How deep braces and brackets nest in JSON text, outside strings; counted without parsing or recursing."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _json_object(text: str | None) -> dict[str, Any]:
    if json_depth(text or "") > MAX_CONFIG_DEPTH:
        return {}
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status"))] + list(SmsMessage.Status.choices))
    purpose = forms.ChoiceField(label=_("Purpose"), required=False,
                                choices=[("", _("Any purpose"))] + [(u.value, u.value) for u in UsageType])
    delivery = forms.ChoiceField(label=_("Delivery"), required=False,
                                 choices=[("", _("Any delivery"))] + list(SmsMessage.Delivery.choices))
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"type": "tel", "placeholder": "+86 138 0013 8000"}))
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, default_country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_country = default_country

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not phone:
            return ""
        try:
            return normalize_phone(phone, self.default_country)
        except InvalidPhone as exc:
            raise ValidationError(str(exc)) from None

    def filters(self) -> MessageFilters | None:
        """The filters to apply; None when the input is invalid (show the errors, list nothing)."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return MessageFilters(status=data["status"], usage_type=data["purpose"], phone_e164=data["phone"],
                              date_from=data["date_from"], date_to=data["date_to"], delivery_status=data["delivery"])


class SmsBudgetForm(forms.Form):
    """A tenant's daily SMS budget and per-country caps; caps are typed one per line, `GB 50`."""

    daily_limit = forms.IntegerField(label=_("SMS a day, all countries"), min_value=0, max_value=10_000_000)
    country_daily_limits = forms.CharField(
        label=_("Daily caps per destination country"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "GB 50\nUS 20", "spellcheck": "false"}),
        help_text=_("One per line: the country's two-letter ISO code and the SMS it may receive a day. A country "
                    "not listed is limited by the daily budget only."))

    @staticmethod
    def caps_text(caps: dict[str, int]) -> str:
        return "\n".join(f"{country} {cap}" for country, cap in sorted(caps.items()))

    def clean_country_daily_limits(self) -> dict[str, int]:
        caps: dict[str, int] = {}
        for number, line in enumerate(self.cleaned_data["country_daily_limits"].splitlines(), start=1):
            parts = line.replace("=", " ").replace(":", " ").split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].isdigit() or parts[0].upper() not in phonenumbers.SUPPORTED_REGIONS:
                raise ValidationError(_("Line %(line)d: write a country code and a number, e.g. GB 50.")
                                      % {"line": number})
            caps[parts[0].upper()] = min(int(parts[1]), 10_000_000)
        return caps
