"""Reads on hooks and their deliveries; every read is scoped to one tenant (or one of its hooks)."""
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from console import crypto, tenant_cache
from webhooks import payloads
from webhooks.models import Hook, HookAttempt, HookDelivery

RECENT_WINDOW = timedelta(days=1)


def hooks_for_tenant(tenant):
    return Hook.objects.filter(tenant=tenant).order_by("created_at", "id")


def hook_for_tenant(tenant, hook_id) -> Hook:
    """The tenant's hook, or 404 (also for another tenant's hook)."""
    return get_object_or_404(Hook, tenant=tenant, pk=hook_id)


def subscribed_hook_ids(tenant, event):
    """The enabled hooks of the tenant that subscribe to `event`; read on every event (a sign-in included), so the
    tenant's subscriptions are cached and dropped whenever a hook changes (webhooks.apps)."""
    subscriptions = tenant_cache.read("webhook-subscriptions", tenant.pk, lambda: [
        (hook_id, tuple(events)) for hook_id, events in
        Hook.objects.filter(tenant=tenant, enabled=True).order_by("created_at", "id").values_list("id", "events")])
    return [hook_id for hook_id, events in subscriptions if event in events]


def signing_key(hook) -> str:
    return crypto.decrypt(hook.signing_key_encrypted)


def breaker(hook, now=None):
    """The hook's circuit breaker, for the console: open (paused until when) or closed, and the failure count."""
    now = now or timezone.now()
    threshold = settings.WEBHOOK_BREAKER_FAILURES
    tripped = threshold > 0 and hook.consecutive_failures >= threshold
    return {"open": tripped, "paused_until": hook.paused_until if tripped else None,
            "waiting": tripped and hook.paused_until is not None and hook.paused_until > now,
            "failures": hook.consecutive_failures, "threshold": threshold}


def deliveries_for_hook(hook):
    return HookDelivery.objects.filter(hook=hook).order_by("-created_at", "-id")


def deliveries_with_last_attempt(hook):
    """The hook's deliveries, newest first, each with its last attempt's latency (`last_latency_ms`)."""
    last = HookAttempt.objects.filter(delivery=OuterRef("pk")).order_by("-number", "-id")
    return deliveries_for_hook(hook).annotate(last_latency_ms=Subquery(last.values("latency_ms")[:1]))


def request_headers_shown(hook, delivery):
    """The headers the next attempt of `delivery` carries, for the console: custom header values masked (they are
    often credentials), the signature as computed with the current key."""
    body = bytes(delivery.body)
    shown = {"user-agent": payloads.USER_AGENT, "content-type": "application/json"}
    shown.update({name: crypto.mask(value) for name, value in (hook.headers or {}).items()})
    try:
        shown[payloads.SIGNATURE_HEADER] = payloads.signature(signing_key(hook), body)
    except ValueError:
        shown[payloads.SIGNATURE_HEADER] = "?"
    shown[payloads.DELIVERY_ID_HEADER] = delivery.delivery_id
    return shown


def delivery_for_hook(hook, delivery_id) -> HookDelivery:
    return get_object_or_404(HookDelivery, hook=hook, delivery_id=delivery_id)


def attempts_for_delivery(delivery):
    return HookAttempt.objects.filter(delivery=delivery).order_by("number", "id")


def recent_attempts(hook, *, start=None, end=None, event=None):
    """Logto's recent logs of a hook: its attempts of the last day (or within `start`..`end`), newest first."""
    attempts = HookAttempt.objects.filter(hook=hook).select_related("delivery")
    if start is None and end is None:
        start = timezone.now() - RECENT_WINDOW
    if start is not None:
        attempts = attempts.filter(started_at__gte=start)
    if end is not None:
        attempts = attempts.filter(started_at__lte=end)
    if event:
        attempts = attempts.filter(delivery__event=event)
    return attempts.order_by("-started_at", "-id")


def execution_stats(hook):
    """Logto's executionStats: requests made to the hook in the last day and how many succeeded."""
    counts = HookAttempt.objects.filter(hook=hook, started_at__gte=timezone.now() - RECENT_WINDOW).aggregate(
        requestCount=Count("id"), successCount=Count("id", filter=Q(result=HookAttempt.Result.SUCCESS)))
    return {"successCount": counts["successCount"], "requestCount": counts["requestCount"]}
