"""The SMS dashboard: its numbers are the rows' numbers, its queries read index ranges, its charts are SVG."""
import re
import statistics
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.sms_dashboard import seed_messages
from connectors.models import SmsMessage

pytestmark = pytest.mark.django_db


def make_message(tenant, *, age, **fields):
    fields.setdefault("valid_until", timezone.now() + timedelta(minutes=10))
    offsets = {name: fields.pop(name) for name in ("finished_at", "delivered_at") if name in fields}
    message = SmsMessage.objects.create(tenant=tenant, provider="tencent", usage_type="SignIn",
                                        phone=fields.pop("phone", "+8613800138000"), template_code="2002", **fields)
    created = timezone.now() - age
    moved = {"created_at": created}
    moved.update({name: created + offset for name, offset in offsets.items()})
    SmsMessage.objects.filter(pk=message.pk).update(**moved)
    message.refresh_from_db()
    return message


@pytest.fixture
def rows(tenant, make_admin, make_tenant):
    hour = timedelta(hours=1)
    made = []
    for n in range(12):
        made.append(make_message(tenant, age=hour * n + timedelta(minutes=5), status="SENT", fee=1 + n % 2,
                                 country="CN" if n % 3 else "GB", delivery_status="DELIVERED" if n % 4 else "UNKNOWN",
                                 finished_at=timedelta(seconds=1), delivered_at=timedelta(seconds=2 + n)))
    made.append(make_message(tenant, age=hour * 2, status="SENT", fee=2, country="US", delivery_status="UNDELIVERED",
                             finished_at=timedelta(seconds=1)))
    made.append(make_message(tenant, age=hour * 3, status="SENT", fee=1, country="CN", delivery_status="EXPIRED",
                             finished_at=timedelta(seconds=1)))
    for n, error_class in enumerate(["network", "network", "template", "phone_number"]):
        made.append(make_message(tenant, age=hour * 5 + timedelta(minutes=n), status="FAILED", country="CN",
                                 error_class=error_class, finished_at=timedelta(seconds=1)))
    made.append(make_message(tenant, age=timedelta(minutes=1), status="QUEUED", country="DE"))
    for days in (2, 3, 6, 10, 20, 40):  # older ones: in the 7-day or 30-day view only, or in none
        made.append(make_message(tenant, age=timedelta(days=days), status="SENT", fee=3, country="IN",
                                 delivery_status="DELIVERED", finished_at=timedelta(seconds=1),
                                 delivered_at=timedelta(seconds=40)))
    stranger = make_tenant(make_admin("stranger"), name="Stranger")
    make_message(stranger, age=timedelta(minutes=3), status="FAILED", error_class="network", country="CN")
    return made


def stat(body, name):
    return re.search(rf'data-stat="{name}">([^<]*)<', body).group(1)


def table_rows(body, table_id, attribute):
    section = body.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return {key: int(count) for key, count in re.findall(rf'{attribute}="([^"]*)">[^<]*</th><td>(\d+)</td>', section)}


def percentile(values, share):
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks."""
    values = sorted(values)
    position = (len(values) - 1) * share
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


@pytest.mark.parametrize("period, length", [("24h", timedelta(hours=24)), ("7d", timedelta(days=7)),
                                            ("30d", timedelta(days=30))])
def test_the_numbers_on_the_page_are_the_rows_numbers(admin_client, tenant, rows, period, length):
    body = admin_client.get(reverse("connectors:message_dashboard", args=[tenant.id]), {"period": period}).content.decode()

    since = timezone.now() - length
    mine = [row for row in SmsMessage.objects.filter(tenant=tenant) if row.created_at >= since]
    sent = [row for row in mine if row.status == "SENT"]
    delivered = [row for row in sent if row.delivery_status == "DELIVERED"]
    reported = [row for row in sent if row.delivery_status in ("DELIVERED", "UNDELIVERED", "EXPIRED")]
    assert int(stat(body, "total")) == len(mine)
    assert int(stat(body, "sent")) == len(sent)
    assert int(stat(body, "failed")) == len([row for row in mine if row.status == "FAILED"])
    assert int(stat(body, "delivered")) == len(delivered)
    assert int(stat(body, "undelivered")) == len([row for row in sent if row.delivery_status == "UNDELIVERED"])
    assert int(stat(body, "awaiting")) == len([row for row in sent if row.delivery_status == "UNKNOWN"])
    assert stat(body, "delivery_rate") == f"{len(delivered) / len(reported):.1%}"
    assert int(stat(body, "spend")) == sum(row.fee or 0 for row in mine)
    timed = [((row.delivered_at or row.finished_at) - row.created_at).total_seconds() for row in sent
             if row.delivery_status != "UNDELIVERED"]
    assert stat(body, "p50") == f"{statistics.median(timed):.1f} s"
    assert stat(body, "p95") == f"{percentile(timed, 0.95):.1f} s"
    countries = {}
    for row in mine:
        countries[row.country] = countries.get(row.country, 0) + 1
    assert table_rows(body, "sms-countries", "data-country") == countries
    failures = {}
    for row in mine:
        if row.status == "FAILED":
            failures[row.error_class] = failures.get(row.error_class, 0) + 1
    assert table_rows(body, "sms-failures", "data-error-class") == failures
    series = body.split('id="sms-series"', 1)[1].split("</table>", 1)[0]
    assert sum(int(n) for n in re.findall(r"</th><td>(\d+)</td>", series)) == len(mine)


def test_the_charts_are_svg_with_a_table_beside_and_no_script(admin_client, tenant, rows):
    body = admin_client.get(reverse("connectors:message_dashboard", args=[tenant.id])).content.decode()

    assert body.count('<svg class="chart"') == 3 and body.count('role="img"') == 3
    sends = body.split('id="chart-sends-title"', 1)[1].split("</svg>", 1)[0]
    assert sends.count('<rect class="chart-bar"') == 25  # 24 hours and the hour now begun
    assert "<script src=\"http" not in body and "cdn" not in body.lower()
    assert all(f'id="{table}"' in body for table in ("sms-summary", "sms-series", "sms-failures", "sms-countries"))


def test_messages_opens_on_the_dashboard_and_the_log_is_one_click_away(admin_client, tenant):
    dashboard = reverse("connectors:message_dashboard", args=[tenant.id])
    log = reverse("connectors:message_list", args=[tenant.id])

    body = admin_client.get(reverse("applications:list", args=[tenant.id])).content.decode()

    assert f'href="{dashboard}"' in body and f'href="{log}"' not in body
    assert f'href="{log}"' in admin_client.get(dashboard).content.decode()
    assert f'href="{dashboard}"' in admin_client.get(log).content.decode()


def test_an_unknown_period_shows_the_last_24_hours(admin_client, tenant):
    response = admin_client.get(reverse("connectors:message_dashboard", args=[tenant.id]), {"period": "x' OR 1"})
    assert response.status_code == 200 and response.context["dashboard"].period == "24h"


def test_at_100000_rows_every_dashboard_query_reads_an_index_range(admin_client, tenant, make_admin, make_tenant):
    neighbours = [make_tenant(make_admin(f"neighbour{n}"), name=f"Neighbour {n}").pk for n in range(3)]
    seed_messages([tenant.pk, *neighbours], 100_000, span_seconds=60 * 86400)  # 25,000 of them the tenant's
    url = reverse("connectors:message_dashboard", args=[tenant.id])
    admin_client.get(url)

    for period in ("24h", "7d", "30d"):
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(url, {"period": period}).status_code == 200
        dashboard_queries = [query["sql"] for query in captured if SmsMessage._meta.db_table in query["sql"]]
        assert len(dashboard_queries) == 4
        for sql in dashboard_queries:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {sql}")
                plan = "\n".join(line for (line,) in cursor.fetchall())
            assert "sms_tenant_created" in plan or "sms_tenant_country_created" in plan, (period, sql, plan)
            assert re.search(r"Index Cond: .*tenant_id.*created_at", plan), (period, plan)  # a range, not history
            assert f"Seq Scan on {SmsMessage._meta.db_table}" not in plan, (period, plan)
