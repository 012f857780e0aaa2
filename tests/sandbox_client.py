"""Drives a running SMS sandbox (`manage.py tencent_sms_emulator`) through its control API, for tests and benches."""
from __future__ import annotations

import time
from typing import Any

import requests

from connectors.sandbox.server import CONTROL_PREFIX

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
