"""The tenant's logs in Logto's log shape: admin changes (the audit log), end-user activity and SMS sends, read as
one list newest first (a UNION ALL of the three tables, paged in the database), and the audit log alone.

Each entry's id names its source and row (`audit-12`, `activity-3`, `sms-7`). Keys: end-user activity keeps
Logto's interaction keys (`Interaction.SignIn.Submit`, …); an admin change is `Postern.Audit.<action>`
(`Postern.Audit.application.update`); an SMS is `Postern.Sms.Send`. No entry carries a code, a secret or a full
phone number.
"""
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone

from django.db import connection
from django.db.models import CharField, Count, F, Q, Value

from connectors.models import SmsMessage
from console.accounts.models import User
from console.audit.models import ActivityEntry, AuditEntry
from console.phone import mask_phone
from management_api.errors import ApiError, not_found

AUDIT_KEY_PREFIX = "Postern.Audit."
SMS_SEND_KEY = "Postern.Sms.Send"
# Logto's `enableCap`: past this many matches `Total-Number` says this plus one, and the answer says it is capped.
COUNT_CAP = 10_000
# The last millisecond of year 9999, the latest moment a datetime holds; times before 1970 are refused too.
LATEST_MILLIS = 253_402_300_799_999

SOURCES = {"audit": AuditEntry, "activity": ActivityEntry, "sms": SmsMessage}


@dataclass(frozen=True)
class LogFilters:
    user_id: str = ""
    application_id: str = ""
    log_key: str = ""
    start: datetime | None = None
    end: datetime | None = None


def _instant(raw, name):
    """`start_time` / `end_time`: unix milliseconds, as Logto takes them."""
    if raw in (None, ""):
        return None
    try:
        millis = float(raw)
    except ValueError:
        millis = math.nan
    if not math.isfinite(millis) or not 0 <= millis <= LATEST_MILLIS:
        message = f"`{name}` must be a time in unix milliseconds, from 0 to {LATEST_MILLIS}."
        raise ApiError(400, "guard.invalid_input", message, {"issues": [{"path": name, "message": message}]})
    return datetime.fromtimestamp(millis / 1000, tz=dt_timezone.utc)


def log_filters(*, user_id=None, application_id=None, log_key=None, start_time=None, end_time=None):
    start, end = _instant(start_time, "start_time"), _instant(end_time, "end_time")
    if start and end and start > end:
        raise ApiError(400, "guard.invalid_input", "`start_time` is after `end_time`.")
    return LogFilters(user_id=user_id or "", application_id=application_id or "", log_key=log_key or "",
                      start=start, end=end)


def _in_window(queryset, filters):
    if filters.start:
        queryset = queryset.filter(created_at__gte=filters.start)
    if filters.end:
        # Inclusive of the whole last millisecond, as Logto's bound is (rows keep microseconds).
        queryset = queryset.filter(created_at__lt=filters.end + timedelta(milliseconds=1))
    return queryset


def _audit_entries(tenant, filters):
    entries = AuditEntry.objects.filter(tenant=tenant)
    if filters.log_key:
        if not filters.log_key.startswith(AUDIT_KEY_PREFIX):
            return None
        entries = entries.filter(action=filters.log_key[len(AUDIT_KEY_PREFIX):])
    if filters.user_id:
        entries = entries.filter(target_type="user", target_id=filters.user_id)
    if filters.application_id:
        entries = entries.filter(Q(actor_application__client_id=filters.application_id)
                                 | Q(target_type="application", target_id=filters.application_id))
    return _in_window(entries, filters)


def _activity_entries(tenant, filters):
    entries = ActivityEntry.objects.filter(tenant=tenant)
    if filters.log_key:
        entries = entries.filter(key=filters.log_key)
    if filters.user_id:
        entries = entries.filter(user_uid=filters.user_id)
    if filters.application_id:
        entries = entries.filter(application_client_id=filters.application_id)
    return _in_window(entries, filters)


def _sms_messages(tenant, filters):
    if (filters.log_key and filters.log_key != SMS_SEND_KEY) or filters.application_id:
        return None
    messages = SmsMessage.objects.filter(tenant=tenant)
    if filters.user_id:
        # An SMS names a number, not an account: the user's messages are those sent to their number.
        phone = User.objects.filter(tenant=tenant, uid=filters.user_id).values_list("phone", flat=True).first()
        if not phone:
            return None
        messages = messages.filter(phone=phone)
    return _in_window(messages, filters)


def _sources(tenant, filters):
    found = {"audit": _audit_entries(tenant, filters), "activity": _activity_entries(tenant, filters),
             "sms": _sms_messages(tenant, filters)}
    return {name: queryset for name, queryset in found.items() if queryset is not None}


def logs_count(tenant, filters, *, capped=False):
    """(total, capped?) of the entries matching `filters`: one query of a count per table, or with `capped`, a
    count per table that stops past the cap."""
    sources = _sources(tenant, filters)
    if not capped:
        counts = [queryset.order_by().annotate(source=Value(name, output_field=CharField())).values("source")
                  .annotate(n=Count("id")).values_list("n", flat=True) for name, queryset in sources.items()]
        if not counts:
            return 0, False
        return sum(counts[0].union(*counts[1:], all=True) if len(counts) > 1 else counts[0]), False
    total = sum(queryset.order_by()[:COUNT_CAP + 1].count() for queryset in sources.values())
    if total > COUNT_CAP:
        return COUNT_CAP + 1, True
    return total, False


def logs_page(tenant, filters, *, offset, limit):
    """The entries from `offset`, newest first, as Logto log dicts: one query for the page's (source, id)
    pairs over the three tables, then one per source present on the page."""
    parts = [queryset.annotate(source=Value(name, output_field=CharField()), row_id=F("id"))
             .values_list("created_at", "source", "row_id")
             for name, queryset in _sources(tenant, filters).items()]
    if not parts:
        return []
    newest_first = ("-created_at", "-source", "-row_id")
    if len(parts) == 1:
        ordered = parts[0].order_by(*newest_first)
    elif connection.features.supports_slicing_ordering_in_compound:
        # Each table gives only its newest offset + limit rows (a range of its tenant-and-time index), so the
        # union sorts those instead of every row of the tenant. SQLite cannot limit the parts of a compound query;
        # there it sorts them all.
        ordered = parts[0].order_by("-created_at", "-id")[:offset + limit].union(
            *(part.order_by("-created_at", "-id")[:offset + limit] for part in parts[1:]), all=True,
        ).order_by(*newest_first)
    else:
        ordered = parts[0].order_by().union(*(part.order_by() for part in parts[1:]), all=True).order_by(*newest_first)
    picked = list(ordered[offset:offset + limit])
    rows = {}
    for name in {source for _created, source, _id in picked}:
        ids = [row_id for _created, source, row_id in picked if source == name]
        rows.update({(name, row.pk): row for row in _rows(name, tenant, ids)})
    users_by_phone = _users_by_phone(tenant, [row for (name, _pk), row in rows.items() if name == "sms"])
    return [_log_json(source, rows[(source, row_id)], users_by_phone) for _created, source, row_id in picked]


def _rows(source, tenant, ids):
    queryset = SOURCES[source].objects.filter(tenant=tenant, pk__in=ids)
    if source == "audit":
        queryset = queryset.select_related("actor", "actor_application")
    return queryset


def _users_by_phone(tenant, messages):
    phones = {message.phone for message in messages}
    if not phones:
        return {}
    return dict(User.objects.filter(tenant=tenant, phone__in=phones).values_list("phone", "uid"))


def log_get(tenant, log_id):
    """One entry by its id (`audit-12`); 404 for an unknown, malformed or another tenant's id."""
    source, _sep, pk = (log_id or "").partition("-")
    if source not in SOURCES or not pk.isdigit() or len(pk) > 18:
        raise not_found("log")
    row = _rows(source, tenant, [int(pk)]).first()
    if row is None:
        raise not_found("log")
    return _log_json(source, row, _users_by_phone(tenant, [row]) if source == "sms" else {})


def _millis(moment):
    return int(moment.timestamp() * 1000)


def _log_json(source, row, users_by_phone):
    payload = {"audit": _audit_payload, "activity": _activity_payload, "sms": _sms_payload}[source](
        row, users_by_phone)
    return {"tenantId": row.tenant_id, "id": f"{source}-{row.pk}", "key": payload["key"], "payload": payload,
            "createdAt": _millis(row.created_at)}


def _without_empty(payload):
    return {key: value for key, value in payload.items() if value not in (None, "")}


def _actor_json(entry):
    if entry.actor_application_id:
        return {"type": "application", "id": entry.actor_application.client_id, "name": entry.actor_label}
    if entry.actor_id:
        return {"type": "user", "id": entry.actor.uid, "name": entry.actor_label}
    # The admin or app was deleted since, or the system made the change.
    return {"type": "system" if entry.actor_label == "system" else "deleted", "id": None, "name": entry.actor_label}


def _audit_payload(entry, _users_by_phone):
    return _without_empty({
        "key": AUDIT_KEY_PREFIX + entry.action,
        "result": "Success",
        "userId": entry.target_id if entry.target_type == "user" else None,
        "applicationId": entry.actor_application.client_id if entry.actor_application_id else None,
        "action": entry.action,
        "actor": _actor_json(entry),
        "target": {"type": entry.target_type, "id": entry.target_id, "name": entry.target_label},
        "changes": entry.changes,
    })


def _activity_payload(entry, _users_by_phone):
    return _without_empty({
        "key": entry.key,
        "result": entry.result,
        "error": {"code": entry.error_code} if entry.error_code else None,
        "userId": entry.user_uid,
        "applicationId": entry.application_client_id,
        "ip": entry.ip,
        "userAgent": entry.user_agent,
        "method": entry.method,
    })


def _sms_payload(message, users_by_phone):
    failed = message.status == SmsMessage.Status.FAILED or message.delivery_status == SmsMessage.Delivery.UNDELIVERED
    return _without_empty({
        "key": SMS_SEND_KEY,
        "result": "Error" if failed else "Success",
        "error": _without_empty({"code": message.error_code or message.delivery_code,
                                 "errorClass": message.error_class}) if failed else None,
        "userId": users_by_phone.get(message.phone),
        "sms": _without_empty({
            "messageId": str(message.pk), "phone": mask_phone(message.phone), "purpose": message.usage_type,
            "status": message.status, "deliveryStatus": message.delivery_status, "isTest": message.is_test,
            "country": message.country, "connectorId": str(message.connector_id or ""),
        }),
    })


def audit_log_json(entry):
    """An audit entry in Postern's own shape (GET /api/audit-logs)."""
    return {"tenantId": entry.tenant_id, "id": f"audit-{entry.pk}", "action": entry.action,
            "actor": _actor_json(entry),
            "target": {"type": entry.target_type, "id": entry.target_id, "name": entry.target_label},
            "changes": entry.changes, "createdAt": _millis(entry.created_at)}


def audit_log_get(tenant, log_id):
    source, _sep, pk = (log_id or "").partition("-")
    entry = (AuditEntry.objects.filter(tenant=tenant, pk=int(pk)).select_related("actor", "actor_application").first()
             if source == "audit" and pk.isdigit() and len(pk) <= 18 else None)
    if entry is None:
        raise not_found("audit log entry")
    return audit_log_json(entry)

