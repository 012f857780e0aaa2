"""The SMS budget banner on a tenant's console pages: read only when a page draws it."""
from django.utils.functional import SimpleLazyObject

from connectors import budget
from console.tenant_cache import CACHE_UNREACHABLE


def sms_budget(request):
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    if tenant is None or not (user and user.is_authenticated and getattr(user, "is_console_admin", False)):
        return {}
    return {"sms_budget_banner": SimpleLazyObject(lambda: _banner(tenant))}


def _banner(tenant):
    try:
        usage = budget.sms_budget_usage(tenant)
    except CACHE_UNREACHABLE:  # the page must not fail because Redis is down; the counters are unknown then
        return None
    return usage if usage.alert else None
