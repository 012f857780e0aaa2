"""CSV export of a tenant's SMS message log: the log's filters, numbers masked unless asked for (then audited)."""
from __future__ import annotations

import csv
from collections.abc import Iterator

from connectors import selectors
from console.audit.services import audit_record
from console.phone import mask_phone

COLUMNS = ("id", "created_at", "phone", "country", "purpose", "status", "delivery_status", "attempts",
           "error_class", "error_code", "error_message", "fee", "serial_no", "connector", "test", "finished_at",
           "delivered_at")
CHUNK = 2000
# A cell starting with one of these is a formula to a spreadsheet (CSV injection); provider text is quoted.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value):
        return value


def sms_messages_export(*, tenant, acting_user, filters: selectors.MessageFilters, full_numbers: bool) -> Iterator[str]:
    """The CSV lines of the tenant's messages matching `filters`, newest first, read in chunks as they stream.

    Full numbers are personal data leaving the console: that export is recorded in the audit log first.
    """
    if full_numbers:
        audit_record(tenant=tenant, actor=acting_user, action="sms_messages.export_full_numbers", target=tenant,
                     changes={"filters": {name: str(value) for name, value in vars(filters).items() if value}})
    rows = selectors.messages_for_tenant(tenant, filters)
    return _lines(rows, full_numbers)


def _lines(rows, full_numbers: bool) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for message in rows.iterator(chunk_size=CHUNK):
        yield writer.writerow([
            message.pk, _iso(message.created_at), message.phone if full_numbers else mask_phone(message.phone),
            message.country, message.usage_type, message.status, message.delivery_status, message.attempts,
            message.error_class, message.error_code, _text(message.error_message),
            "" if message.fee is None else message.fee, message.serial_no,
            _text(message.connector.name) if message.connector else "", "yes" if message.is_test else "no",
            _iso(message.finished_at), _iso(message.delivered_at),
        ])


def _iso(moment) -> str:
    return moment.isoformat() if moment else ""


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value
