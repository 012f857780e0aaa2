"""An admin opens Messages in a real browser: the dashboard's SVG charts and their tables, then the log."""
from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.models import SmsMessage
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_the_dashboard_shows_charts_and_tables(page, live_server, make_admin, make_tenant):
    tenant = make_tenant(make_admin("alice"), name="Bookshop")
    for n in range(6):
        SmsMessage.objects.create(tenant=tenant, provider="tencent", usage_type="SignIn", phone="+8613800138000",
                                  template_code="2002", valid_until=timezone.now() + timedelta(minutes=5),
                                  status="FAILED" if n == 5 else "SENT", error_class="network" if n == 5 else "",
                                  country="CN" if n % 2 else "GB", fee=1)
    page.goto(f"{live_server.url}/console/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")

    page.click("nav.sidebar >> text=Messages")

    assert page.locator("h1").inner_text() == "Messages"
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() == 3 and all(charts.nth(n).is_visible() for n in range(3))
    assert page.locator("svg.chart rect.chart-bar").count() >= 25 + 1 + 2
    assert page.locator("#sms-summary [data-stat=total]").inner_text() == "6"
    assert page.locator("#sms-countries [data-country=GB] + td").inner_text() == "3"
    assert page.locator("#sms-failures").is_visible() and "Network" in page.locator("#sms-failures").inner_text()
    page.click("text=Last 7 days")
    assert page.locator("#sms-series tbody tr").count() == 8
    page.click("nav.tabs >> text=Message log")
    assert page.locator("text=Export CSV").is_visible()
