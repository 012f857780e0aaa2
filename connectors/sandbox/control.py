"""The control API's actions (POST /__emulator__/<name>): scripts, latency, the account's values and receipts."""
from __future__ import annotations

from typing import Any

from connectors.sandbox.account import INTERNATIONAL, MAINLAND
from connectors.sandbox.faults import Behaviour
from connectors.sandbox.receipts import DEFAULT_PUSH_BATCH, OUTCOMES, ReceiptScript
from connectors.sandbox.sendsms import parse_phone
from connectors.sandbox.state import EmulatorState


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
        state.faults.script_phone(_control_phone(data["phone"]), code, times)
    if "next" in data:
        if not isinstance(data["next"], list):
            raise ControlError("next must be a list of behaviours")
        try:
            state.faults.queue_behaviours([Behaviour.from_json(item) for item in data["next"]])
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
    number, region = parse_phone(phone) if isinstance(phone, str) else ("", None)
    if not region:
        raise ControlError("phone must be a valid number such as +8613800138000")
    return number


def control_receipts(state: EmulatorState, data: Any) -> None:
    """{"phone": ..., "outcome": "delivered" | "undelivered" | "none", "code"?, "description"?} scripts a number;
    {"callback_url": url | null, "batch_size"?, "interval_ms"?} sets where receipts are pushed."""
    if not isinstance(data, dict) or not ({"phone", "callback_url"} & set(data)):
        raise ControlError('send {"phone": ..., "outcome": ...} or {"callback_url": ...}')
    if "phone" in data:
        outcome, code, description = data.get("outcome"), data.get("code") or "", data.get("description") or ""
        if outcome is not None and outcome not in OUTCOMES:
            raise ControlError(f"outcome must be one of {', '.join(OUTCOMES)}, or null to clear")
        if not (isinstance(code, str) and isinstance(description, str)):
            raise ControlError("code and description must be strings")
        phone = data["phone"]
        if not (isinstance(phone, str) and phone.startswith("+") and phone[1:].isdigit()):
            raise ControlError("phone must be E.164, e.g. +8613800138000")
        state.receipts.script(phone, None if outcome is None else ReceiptScript(outcome, code, description))
    if "callback_url" in data:
        url, batch_size, interval_ms = data["callback_url"], data.get("batch_size", DEFAULT_PUSH_BATCH), \
            data.get("interval_ms", 0)
        if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
            raise ControlError("callback_url must be an http(s) URL or null")
        if not (isinstance(batch_size, int) and 1 <= batch_size <= 1000):
            raise ControlError("batch_size must be an integer from 1 to 1000")
        if not (isinstance(interval_ms, int) and interval_ms >= 0):
            raise ControlError("interval_ms must be a non-negative integer (0: push on flush only)")
        state.receipts.configure_push(url, batch_size, interval_ms)



ACTIONS = {"script": control_script, "latency": control_latency, "config": control_config,
           "receipts": control_receipts}
