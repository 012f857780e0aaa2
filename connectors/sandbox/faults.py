"""Fault scripts: a Tencent error code per number, and behaviours (delay, drop, HTTP status, error) queued for the next
API requests."""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any


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


@dataclass
class _PhoneScript:
    code: str
    remaining: int | None  # None: until reset


class Faults:
    """The scripts in force, shared by the request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._phone_scripts: dict[str, _PhoneScript] = {}
            self._next: deque[Behaviour] = deque()

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
