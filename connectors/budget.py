"""Spend guards: a tenant's daily SMS budget and per-country caps, counted per UTC day in the shared cache (Redis)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone as dt_timezone

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from connectors.exceptions import SmsBudgetExceeded
from connectors.models import SmsBudget
from console import tenant_cache
from console.audit.services import audit_record
from console.phone import region_of

DEFAULT_DAILY_LIMIT = SmsBudget._meta.get_field("daily_limit").default
# The banner warns from this share of the day's budget on.
WARN_FRACTION = 0.8


def sms_budget_for(tenant) -> SmsBudget:
    """The tenant's budget (an unsaved default when it never set one); cached, dropped when the row changes."""
    budget = tenant_cache.read("sms-budget", tenant.pk, lambda: SmsBudget.objects.filter(tenant_id=tenant.pk).first())
    return budget or SmsBudget(tenant_id=tenant.pk, daily_limit=DEFAULT_DAILY_LIMIT, country_daily_limits={})


def sms_budget_consume(*, tenant, phone_e164: str, country: str = "") -> None:
    """Count one SMS against today's budget and the destination's cap, or raise SmsBudgetExceeded counting nothing.

    Called by sms_send before the row exists. The increments are atomic in Redis and shared by every web process
    and worker, so concurrent sends never pass the limit: each takes a number, and a number past the limit is
    handed back.
    """
    budget = sms_budget_for(tenant)
    country = country or region_of(phone_e164) or ""
    day = _today()
    counters = [(_key(tenant.pk, day), budget.daily_limit)]
    cap = budget.country_daily_limits.get(country) if country else None
    if cap is not None:
        counters.append((_key(tenant.pk, day, country), cap))
    counts = _incr([key for key, _limit in counters], _ttl(day))
    over = [key for (key, limit), count in zip(counters, counts) if count > limit]
    if over:
        for key, _limit in counters:
            cache.decr(key)
        _incr([_key(tenant.pk, day, "refused")], _ttl(day))
        by_country = counters[0][0] not in over
        raise SmsBudgetExceeded(country=country if by_country else "", retry_after=_seconds_to_midnight())


def sms_budget_check(*, tenant, phone_e164: str) -> None:
    """Raise SmsBudgetExceeded when a code to this number would be refused now; counts nothing (a sign-in page that
    sends no code must answer like one that does)."""
    budget = sms_budget_for(tenant)
    country = region_of(phone_e164) or ""
    usage = sms_budget_usage(tenant, budget=budget)
    if usage.sent >= budget.daily_limit:
        raise SmsBudgetExceeded(country="", retry_after=_seconds_to_midnight())
    if country in budget.country_daily_limits and usage.by_country.get(country, 0) >= budget.country_daily_limits[country]:
        raise SmsBudgetExceeded(country=country, retry_after=_seconds_to_midnight())


@dataclass(frozen=True)
class BudgetUsage:
    day: date
    sent: int
    limit: int
    refused: int
    by_country: dict[str, int] = field(default_factory=dict)
    caps: dict[str, int] = field(default_factory=dict)

    @property
    def exhausted(self) -> bool:
        return self.sent >= self.limit

    @property
    def near(self) -> bool:
        return not self.exhausted and self.sent >= self.limit * WARN_FRACTION

    @property
    def countries_at_cap(self) -> list[str]:
        return sorted(country for country, cap in self.caps.items() if self.by_country.get(country, 0) >= cap)

    @property
    def alert(self) -> bool:
        return self.exhausted or self.near or bool(self.countries_at_cap) or bool(self.refused)

    @property
    def country_rows(self) -> list[tuple[str, int, int]]:
        return [(country, self.by_country.get(country, 0), cap) for country, cap in sorted(self.caps.items())]


def sms_budget_usage(tenant, *, budget: SmsBudget | None = None) -> BudgetUsage:
    """Today's (UTC) counts: SMS accepted, refused, and per capped country; one cache round trip."""
    budget = budget or sms_budget_for(tenant)
    day = _today()
    caps = dict(budget.country_daily_limits)
    keys = {"": _key(tenant.pk, day), "refused": _key(tenant.pk, day, "refused")}
    keys.update({country: _key(tenant.pk, day, country) for country in caps})
    values = cache.get_many(list(keys.values()))
    count = {name: int(values.get(key) or 0) for name, key in keys.items()}
    return BudgetUsage(day=day, sent=count[""], limit=budget.daily_limit, refused=count["refused"],
                       by_country={country: count[country] for country in caps}, caps=caps)


def sms_budget_update(*, tenant, acting_user, daily_limit: int, country_daily_limits: dict[str, int]) -> SmsBudget:
    """Save the tenant's budget and caps; audited with the old and new values."""
    with transaction.atomic():
        budget, _created = SmsBudget.objects.select_for_update().get_or_create(tenant=tenant)
        before = {"daily_limit": budget.daily_limit, "country_daily_limits": budget.country_daily_limits}
        budget.daily_limit, budget.country_daily_limits = daily_limit, dict(sorted(country_daily_limits.items()))
        budget.save()
        after = {"daily_limit": budget.daily_limit, "country_daily_limits": budget.country_daily_limits}
        changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
        if changes:
            audit_record(tenant=tenant, actor=acting_user, action="sms_budget.update", target=budget, changes=changes)
    return budget


def _today() -> date:
    return timezone.now().astimezone(dt_timezone.utc).date()


def _seconds_to_midnight() -> int:
    now = timezone.now().astimezone(dt_timezone.utc)
    midnight = datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=dt_timezone.utc)
    return max(1, int((midnight - now).total_seconds()))


def _key(tenant_id, day: date, suffix: str = "") -> str:
    return f"sms-budget:{tenant_id}:{day.isoformat()}" + (f":{suffix}" if suffix else "")


def _ttl(day: date) -> int:
    # The counter outlives its day by an hour, so a process whose clock is a little behind still finds it.
    return _seconds_to_midnight() + 3600


def _incr(keys: list[str], ttl: int) -> list[int]:
    if hasattr(cache, "incr_all"):  # Redis: INCR + EXPIRE for all the keys in one round trip
        return cache.incr_all([(key, ttl) for key in keys])
    counts = []
    for key in keys:
        if cache.add(key, 1, ttl):
            counts.append(1)
        else:
            counts.append(cache.incr(key))
    return counts
