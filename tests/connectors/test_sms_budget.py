"""Spend guards: a daily SMS budget and per-country caps, counted in Redis per UTC day, refused before queueing."""
import re
from datetime import datetime, timedelta, timezone as dt_timezone
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from connectors import budget
from connectors.exceptions import SmsBudgetExceeded
from connectors.models import SmsBudget, SmsMessage
from console.audit.models import AuditEntry
from tests.signin_experience.conftest import app, phone_experience  # noqa: F401 (fixtures)
from tests.signin_experience.test_phone_flows import send_code

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def no_cooldown(phone_experience):
    phone_experience.code_policy = dict(phone_experience.code_policy, resendCooldownSeconds=0, perIpLimit=1000)
    phone_experience.save()
    return phone_experience


@pytest.fixture
def published():
    """The delivery tasks published to the broker (nothing is delivered: these tests are about refusing)."""
    from connectors.tasks import deliver_sms

    with mock.patch.object(deliver_sms, "apply_async") as apply_async:
        yield apply_async


def test_the_n_plus_first_code_of_the_day_is_refused_and_nothing_is_queued(client, tenant, app, no_cooldown,
                                                                           published):
    SmsBudget.objects.create(tenant=tenant, daily_limit=3)
    for n in range(3):
        assert send_code(client, tenant, app, f"+86138001380{n:02d}").status_code == 302

    refused = send_code(client, tenant, app, "+8613800138099")

    assert refused.status_code == 429 and refused["X-Postern-Error"] == "code.sms_budget_exceeded"
    assert "unavailable until tomorrow" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 86400
    assert SmsMessage.objects.filter(tenant=tenant).count() == 3 and published.call_count == 3
    assert budget.sms_budget_usage(tenant).sent == 3 and budget.sms_budget_usage(tenant).refused == 1


def test_a_country_cap_refuses_that_country_only(client, tenant, app, no_cooldown, published):
    SmsBudget.objects.create(tenant=tenant, daily_limit=100, country_daily_limits={"CN": 1, "GB": 5})
    assert send_code(client, tenant, app, "+8613800138000").status_code == 302

    refused = send_code(client, tenant, app, "+8613800138001")

    assert refused.status_code == 429 and refused["X-Postern-Error"] == "code.sms_country_budget_exceeded"
    assert SmsMessage.objects.filter(tenant=tenant).count() == 1 and published.call_count == 1
    budget.sms_budget_consume(tenant=tenant, phone_e164="+447400123456")  # another country: its own cap
    usage = budget.sms_budget_usage(tenant)
    assert (usage.sent, usage.by_country, usage.countries_at_cap) == (2, {"CN": 1, "GB": 1}, ["CN"])


def test_the_default_budget_is_1000_a_day(tenant):
    assert budget.sms_budget_for(tenant).daily_limit == 1000


def test_an_unknown_number_that_gets_no_code_is_refused_alike(client, tenant, app, no_cooldown, published):
    no_cooldown.sign_in_mode = "SignIn"  # registration closed: an unknown number is answered but sent nothing
    no_cooldown.save()
    SmsBudget.objects.create(tenant=tenant, daily_limit=0)

    refused = send_code(client, tenant, app, "+8613800138000")

    assert refused.status_code == 429 and refused["X-Postern-Error"] == "code.sms_budget_exceeded"
    assert published.call_count == 0


def test_the_budget_is_per_utc_day(tenant, tencent_connector, published):
    from connectors.services import sms_send

    SmsBudget.objects.create(tenant=tenant, daily_limit=1)
    late = datetime(2026, 3, 1, 23, 59, 30, tzinfo=dt_timezone.utc)
    with mock.patch("django.utils.timezone.now", return_value=late):
        sms_send(tenant=tenant, phone_e164="+8613800138000", usage_type="SignIn", code="123456",
                 valid_until=late + timedelta(minutes=5))
        with pytest.raises(SmsBudgetExceeded) as refused:
            sms_send(tenant=tenant, phone_e164="+8613800138001", usage_type="SignIn", code="123456",
                     valid_until=late + timedelta(minutes=5))
    assert refused.value.retry_after == 30
    next_day = late + timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=next_day):
        sms_send(tenant=tenant, phone_e164="+8613800138001", usage_type="SignIn", code="123456",
                 valid_until=next_day + timedelta(minutes=5))
    assert published.call_count == 2


def test_the_admin_sets_the_budget_audited_and_sees_the_banner(admin_client, tenant, published):
    url = reverse("connectors:sms_budget", args=[tenant.id])
    assert admin_client.get(url).status_code == 200

    saved = admin_client.post(url, {"daily_limit": "2", "country_daily_limits": "gb 5\nUS=7"})

    assert saved.status_code == 302
    stored = SmsBudget.objects.get(tenant=tenant)
    assert stored.daily_limit == 2 and stored.country_daily_limits == {"GB": 5, "US": 7}
    entry = AuditEntry.objects.get(tenant=tenant, action="sms_budget.update")
    assert entry.changes["daily_limit"] == [1000, 2]
    bad = admin_client.post(url, {"daily_limit": "-1", "country_daily_limits": "XX 5"})
    assert bad.status_code == 400 and SmsBudget.objects.get(tenant=tenant).daily_limit == 2

    pages = [reverse("connectors:message_list", args=[tenant.id]),
             reverse("connectors:message_dashboard", args=[tenant.id]),
             reverse("connectors:list", args=[tenant.id]), reverse("users:list", args=[tenant.id])]
    assert all('id="sms-budget-banner"' not in admin_client.get(page).content.decode() for page in pages)
    for n in range(2):
        budget.sms_budget_consume(tenant=tenant, phone_e164=f"+86138001380{n:02d}")
    with pytest.raises(SmsBudgetExceeded):
        budget.sms_budget_consume(tenant=tenant, phone_e164="+8613800138099")
    for page in pages:
        body = admin_client.get(page).content.decode()
        assert 'id="sms-budget-banner"' in body, page
        assert re.search(r"Daily SMS budget reached: 2 of 2", body) and "Codes refused today: 1." in body


def test_the_counter_never_passes_the_limit_under_concurrency(tenant):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    SmsBudget.objects.create(tenant=tenant, daily_limit=25)

    def one(n):
        try:
            budget.sms_budget_consume(tenant=tenant, phone_e164=f"+861380013{n:04d}")
            return True
        except SmsBudgetExceeded:
            return False
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        accepted = sum(pool.map(one, range(60)))
    assert accepted == 25 and budget.sms_budget_usage(tenant).sent == 25


_CONSUMER = """
import django, sys
django.setup()
from connectors.budget import sms_budget_consume
from connectors.exceptions import SmsBudgetExceeded
from console.tenants.models import Tenant
tenant = Tenant.objects.get(pk=sys.argv[1])
accepted = 0
for n in range(int(sys.argv[2])):
    try:
        sms_budget_consume(tenant=tenant, phone_e164=f"+861380013{n:04d}")
        accepted += 1
    except SmsBudgetExceeded:
        pass
print(accepted)
"""


def test_separate_processes_share_one_counter(tenant, settings):
    """Every web process and worker counts in the same Redis: two processes, one budget."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connections

    from tests.fixtures_services import database_url

    SmsBudget.objects.create(tenant=tenant, daily_limit=70)
    env = {**os.environ, "DATABASE_URL": database_url(connections["default"].settings_dict),
           "REDIS_URL": settings.REDIS_URL or "", "POSTERN_DATA_DIR": str(Path(settings.DATA_DIR).resolve()),
           "DJANGO_SETTINGS_MODULE": "console.settings", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    processes = [subprocess.Popen([sys.executable, "-c", _CONSUMER, tenant.pk, "60"], env=env,
                                  stdout=subprocess.PIPE, text=True) for _ in range(2)]
    accepted = [int(process.communicate(timeout=120)[0].strip().splitlines()[-1]) for process in processes]

    assert sum(accepted) == 70 and all(count > 0 for count in accepted)
    usage = budget.sms_budget_usage(tenant)
    assert (usage.sent, usage.refused) == (70, 50)
