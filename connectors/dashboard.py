"""The SMS dashboard's reads: a tenant's messages of the last 24 h / 7 d / 30 d, aggregated in PostgreSQL.

Every query filters on the tenant and a created_at range, so it reads the range of the sms_tenant_created or
sms_tenant_country_created index, never the table (tests/connectors/test_sms_dashboard.py checks the plans).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone

from django.db.models import Aggregate, Count, DurationField, F, Q, Sum
from django.db.models.functions import Coalesce, Trunc
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors import charts
from connectors.models import PipelineError, SmsMessage
from connectors.providers.base import ErrorClass

PERIODS = {
    "24h": (timedelta(hours=24), "hour", _("Last 24 hours")),
    "7d": (timedelta(days=7), "day", _("Last 7 days")),
    "30d": (timedelta(days=30), "day", _("Last 30 days")),
}
DEFAULT_PERIOD = "24h"
TOP = 10

_SENT = Q(status=SmsMessage.Status.SENT)
# Time to delivery: to the carrier's receipt when there is one, else to the provider's acceptance; an UNDELIVERED
# message never reached the phone, so it has no such time.
_TIMED = _SENT & ~Q(delivery_status=SmsMessage.Delivery.UNDELIVERED)
_TO_DELIVERY = Coalesce("delivered_at", "finished_at") - F("created_at")


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


@dataclass(frozen=True)
class Bucket:
    start: datetime
    sends: int
    failed: int
    delivered: int


@dataclass(frozen=True)
class SmsDashboard:
    period: str
    since: datetime
    until: datetime
    bucket: str  # "hour" or "day"
    total: int
    sent: int
    failed: int
    in_flight: int
    delivered: int
    undelivered: int
    expired: int
    awaiting: int
    spend: int
    p50: timedelta | None
    p95: timedelta | None
    series: list[Bucket]
    failures: list[tuple[str, str, int]]  # (error class, label, count)
    countries: list[tuple[str, int]]  # (ISO country or "", count)

    @property
    def delivery_rate(self) -> float | None:
        """Delivered ÷ messages with a final receipt (delivered, undelivered or no receipt in time)."""
        reported = self.delivered + self.undelivered + self.expired
        return self.delivered / reported if reported else None

    @property
    def label(self):
        return PERIODS[self.period][2]

    @property
    def delivery_rate_text(self) -> str:
        rate = self.delivery_rate
        return "—" if rate is None else f"{rate:.1%}"

    p50_text = property(lambda self: duration_text(self.p50))
    p95_text = property(lambda self: duration_text(self.p95))

    @property
    def table(self) -> list[tuple[str, int]]:
        """The series as (bucket label, sends, failed, delivered) rows, for the table beside the chart."""
        return [(bucket_label(self, bucket), bucket.sends, bucket.failed, bucket.delivered) for bucket in self.series]


def sms_dashboard(tenant, period: str = DEFAULT_PERIOD, *, now: datetime | None = None) -> SmsDashboard:
    """The tenant's SMS numbers for `period` (a key of PERIODS): four queries, each bounded by an index."""
    length, bucket, _label = PERIODS[period]
    until = (now or timezone.now()).astimezone(dt_timezone.utc)
    since = until - length
    rows = SmsMessage.objects.filter(tenant=tenant, created_at__gte=since, created_at__lte=until)
    summary = rows.aggregate(
        total=Count("id"),
        sent=Count("id", filter=_SENT),
        failed=Count("id", filter=Q(status=SmsMessage.Status.FAILED)),
        delivered=Count("id", filter=_SENT & Q(delivery_status=SmsMessage.Delivery.DELIVERED)),
        undelivered=Count("id", filter=_SENT & Q(delivery_status=SmsMessage.Delivery.UNDELIVERED)),
        expired=Count("id", filter=_SENT & Q(delivery_status=SmsMessage.Delivery.EXPIRED)),
        awaiting=Count("id", filter=_SENT & Q(delivery_status=SmsMessage.Delivery.UNKNOWN)),
        spend=Sum("fee", default=0),
        p50=Percentile(_TO_DELIVERY, 0.5, filter=_TIMED, output_field=DurationField()),
        p95=Percentile(_TO_DELIVERY, 0.95, filter=_TIMED, output_field=DurationField()),
    )
    counted = (rows.annotate(start=Trunc("created_at", bucket, tzinfo=dt_timezone.utc)).values("start")
               .annotate(sends=Count("id"), failed=Count("id", filter=Q(status=SmsMessage.Status.FAILED)),
                         delivered=Count("id", filter=Q(delivery_status=SmsMessage.Delivery.DELIVERED)))
               .order_by("start"))
    # Counted over the period's rows rather than filtered on status: a status filter lets the planner pick
    # sms_tenant_status, which reads every failure the tenant ever had instead of the period's index range.
    failures = [row for row in rows.values("error_class").annotate(
        count=Count("id", filter=Q(status=SmsMessage.Status.FAILED))).order_by("-count", "error_class")
        if row["count"]][:TOP]
    countries = rows.values("country").annotate(count=Count("id")).order_by("-count", "country")[:TOP]
    return SmsDashboard(
        period=period, since=since, until=until, bucket=bucket,
        in_flight=summary["total"] - summary["sent"] - summary["failed"], **summary,
        series=_filled(counted, since, until, bucket),
        failures=[(row["error_class"], error_class_label(row["error_class"]), row["count"]) for row in failures],
        countries=[(row["country"], row["count"]) for row in countries],
    )


ERROR_CLASS_LABELS = {
    ErrorClass.CREDENTIALS: _("Credentials"), ErrorClass.CLOCK: _("Server clock"),
    ErrorClass.SDK_APP_ID: _("SDK app ID"), ErrorClass.SIGNATURE: _("Signature"), ErrorClass.TEMPLATE: _("Template"),
    ErrorClass.BALANCE_QUOTA: _("Balance or quota"), ErrorClass.PHONE_NUMBER: _("Phone number"),
    ErrorClass.PER_NUMBER_LIMIT: _("Per-number limit"), ErrorClass.NETWORK: _("Network"),
    ErrorClass.PROVIDER_BUSY: _("Provider busy"), ErrorClass.UNKNOWN: _("Unknown"),
    **{error: error.label for error in PipelineError},
}


def error_class_label(error_class: str) -> str:
    return str(ERROR_CLASS_LABELS.get(error_class, error_class or _("Unclassified")))


def _filled(counted, since: datetime, until: datetime, bucket: str) -> list[Bucket]:
    """One bucket per hour or day of the period, zero where nothing was sent (the query returns only the others)."""
    found = {row["start"]: row for row in counted}
    step = timedelta(hours=1) if bucket == "hour" else timedelta(days=1)
    start = since.replace(minute=0, second=0, microsecond=0)
    if bucket == "day":
        start = start.replace(hour=0)
    buckets = []
    while start <= until:
        row = found.get(start, {})
        buckets.append(Bucket(start=start, sends=row.get("sends", 0), failed=row.get("failed", 0),
                              delivered=row.get("delivered", 0)))
        start += step
    return buckets


@dataclass(frozen=True)
class DashboardCharts:
    sends: charts.ColumnChart
    failures: charts.BarList
    countries: charts.BarList


def dashboard_charts(data: SmsDashboard) -> DashboardCharts:
    """The SVG geometry of the dashboard's charts (the table beside each has the same numbers)."""
    return DashboardCharts(
        sends=charts.column_chart([(bucket_label(data, bucket), bucket.sends) for bucket in data.series]),
        failures=charts.bar_list([(label, count) for _error_class, label, count in data.failures]),
        countries=charts.bar_list([(country or "—", count) for country, count in data.countries]),
    )


def bucket_label(data: SmsDashboard, bucket: Bucket) -> str:
    return bucket.start.strftime("%H:00" if data.bucket == "hour" else "%m-%d")


def duration_text(value: timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = value.total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"
