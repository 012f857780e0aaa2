"""Everything the emulator knows: credentials, the account it plays, fault scripts, receipts and what it received."""
from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Mapping
from typing import Any

from connectors.sandbox.account import Account, sandbox_account
from connectors.sandbox.faults import Faults
from connectors.sandbox.receipts import ReceiptBook

MAX_RECORDS = 10_000


class EmulatorState:
    """Shared by the emulator's request threads."""

    def __init__(self, credentials: Mapping[str, str], latency_ms: int = 0, account: Account | None = None):
        self.credentials = dict(credentials)
        self._initial_latency_ms = latency_ms
        self._account = account  # what a reset returns to; None: accept any app, signature and template
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.faults = Faults()
        self.receipts = ReceiptBook()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.latency_ms = self._initial_latency_ms
            self._records: deque[dict[str, Any]] = deque(maxlen=MAX_RECORDS)
            # None means "accept anything": without an account, apps, signatures and templates are permissive.
            account = self._account
            self.apps: frozenset[str] | None = account.apps if account else None
            self.signatures: frozenset[str] | None = account.signatures if account else None
            self.templates: dict[str, int] | None = dict(account.templates) if account else None  # ID -> variables
            # Template ID -> MAINLAND/INTERNATIONAL. Without an account: the sandbox's (the demo tenant's templates);
            # any other template is accepted for either kind of number until configured.
            self.template_kinds: dict[str, str] = dict((account or sandbox_account()).template_kinds)
        self.faults.reset()
        self.receipts.reset()

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
