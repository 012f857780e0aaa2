"""The sandbox's delivery receipts: scripted per number, handed out by PullSmsSendStatus or pushed to a callback.

Like Tencent, a receipt goes one way: to the callback URL when one is set (several per POST), otherwise to the
pull queue, where PullSmsSendStatus returns each receipt once, for its own SDK AppID.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import phonenumbers
import requests

MAX_PULL_LIMIT = 100
DEFAULT_PUSH_BATCH = 10
PUSH_TIMEOUT_SECONDS = 5
# Tencent's push gives the receipt time as Beijing wall-clock time.
BEIJING = timezone(timedelta(hours=8))
OUTCOMES = ("delivered", "undelivered", "none")
DELIVERED_DESCRIPTION = "用户短信送达成功"


class PullError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


@dataclass(frozen=True)
class ReceiptScript:
    outcome: str  # one of OUTCOMES
    code: str = ""
    description: str = ""


@dataclass(frozen=True)
class _Receipt:
    app_id: str
    serial_no: str
    phone: str
    delivered: bool
    code: str
    description: str
    received_at: float
    session_context: str

    def pulled(self) -> dict[str, Any]:
        country_code, subscriber = _split_phone(self.phone)
        return {
            "UserReceiveTime": int(self.received_at), "CountryCode": country_code, "SubscriberNumber": subscriber,
            "PhoneNumber": self.phone, "SerialNo": self.serial_no, "ReportStatus": self.report_status,
            "Description": self.description, "SessionContext": self.session_context,
        }

    def pushed(self) -> dict[str, Any]:
        country_code, subscriber = _split_phone(self.phone)
        return {
            "user_receive_time": datetime.fromtimestamp(self.received_at, BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
            "nationcode": country_code, "mobile": subscriber, "report_status": self.report_status,
            "errmsg": self.code, "description": self.description, "sid": self.serial_no,
        }

    @property
    def report_status(self) -> str:
        return "SUCCESS" if self.delivered else "FAIL"


class ReceiptBook:
    """Scripts, the pull queue and the push queue, shared by the request threads and the pusher thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pusher: threading.Thread | None = None
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._scripts: dict[str, ReceiptScript] = {}
            self._pull: deque[_Receipt] = deque()
            self._push: deque[_Receipt] = deque()
            self._pushes: list[dict[str, Any]] = []
            self.callback_url: str | None = None
            self.batch_size = DEFAULT_PUSH_BATCH
            self.interval_ms = 0  # 0: push only when flushed through the control API

    # --- control -------------------------------------------------------------------------------------------------

    def script(self, phone: str, script: ReceiptScript | None) -> None:
        with self._lock:
            if script is None:
                self._scripts.pop(phone, None)
            else:
                self._scripts[phone] = script

    def configure_push(self, callback_url: str | None, batch_size: int, interval_ms: int) -> None:
        with self._lock:
            self.callback_url, self.batch_size, self.interval_ms = callback_url, batch_size, interval_ms
            if callback_url and interval_ms and self._pusher is None:
                self._pusher = threading.Thread(target=self._push_forever, name="receipt-pusher", daemon=True)
                self._pusher.start()
        self._wake.set()

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {"pull_queue": len(self._pull), "push_queue": len(self._push), "pushes": list(self._pushes),
                    "callback_url": self.callback_url}

    # --- the API -------------------------------------------------------------------------------------------------

    def on_sent(self, app_id: str, statuses: list[dict[str, Any]], now: float | None = None) -> None:
        """Make the receipts of a SendSms answer's accepted numbers, as the numbers' scripts say."""
        now = time.time() if now is None else now
        with self._lock:
            for status in statuses:
                if status.get("Code") != "Ok":
                    continue
                script = self._scripts.get(status["PhoneNumber"], ReceiptScript("delivered"))
                if script.outcome == "none":
                    continue
                delivered = script.outcome == "delivered"
                receipt = _Receipt(
                    app_id=app_id, serial_no=status["SerialNo"], phone=status["PhoneNumber"], delivered=delivered,
                    code=script.code or ("DELIVRD" if delivered else "UNDELIV"),
                    description=script.description or (DELIVERED_DESCRIPTION if delivered else "undelivered"),
                    received_at=now, session_context=status.get("SessionContext", ""),
                )
                (self._push if self.callback_url else self._pull).append(receipt)
        self._wake.set()

    def pull(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """PullSmsSendStatus: up to Limit queued receipts of the SmsSdkAppId, each handed out once."""
        unknown = sorted(set(params) - {"Limit", "SmsSdkAppId"})
        if unknown:
            raise PullError("UnknownParameter", f"The parameter `{unknown[0]}` is not recognized.")
        limit, app_id = params.get("Limit"), params.get("SmsSdkAppId")
        if limit is None or app_id is None:
            missing = "Limit" if limit is None else "SmsSdkAppId"
            raise PullError("MissingParameter", f"The request is missing a required parameter `{missing}`.")
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PULL_LIMIT:
            raise PullError("InvalidParameterValue", f"Limit must be an integer from 1 to {MAX_PULL_LIMIT}.")
        if not isinstance(app_id, str):
            raise PullError("InvalidParameter", "The parameter `SmsSdkAppId` must be a string.")
        with self._lock:
            taken = [receipt for receipt in self._pull if receipt.app_id == app_id][:limit]
            taken_ids = {id(receipt) for receipt in taken}
            self._pull = deque(receipt for receipt in self._pull if id(receipt) not in taken_ids)
        return [receipt.pulled() for receipt in taken]

    # --- pushing -------------------------------------------------------------------------------------------------

    def flush(self) -> int:
        """POST every queued receipt to the callback URL, `batch_size` per request; how many were accepted."""
        accepted = 0
        while True:
            with self._lock:
                url, batch = self.callback_url, [self._push.popleft() for _ in range(min(self.batch_size,
                                                                                      len(self._push)))]
            if not url or not batch:
                return accepted
            try:
                response = requests.post(url, json=[receipt.pushed() for receipt in batch],
                                         timeout=PUSH_TIMEOUT_SECONDS)
                status, answer = response.status_code, response.text[:200]
            except requests.RequestException as error:
                status, answer = None, str(error)[:200]
            with self._lock:
                self._pushes.append({"url": url, "count": len(batch), "status": status, "answer": answer})
                if status != 200:
                    self._push.extendleft(reversed(batch))  # kept for the next flush, as Tencent retries
            if status != 200:
                return accepted
            accepted += len(batch)

    def _push_forever(self) -> None:
        while True:
            self._wake.wait(timeout=max(self.interval_ms, 50) / 1000)
            self._wake.clear()
            if self.interval_ms:
                time.sleep(self.interval_ms / 1000)  # let receipts gather into batches
                self.flush()


def _split_phone(phone: str) -> tuple[str, str]:
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return "", phone
    return str(number.country_code), str(number.national_number)
