"""Turns console.events into deliveries: one row per enabled hook of the tenant subscribed to the event, written
in the emitter's transaction (both commit or neither does), published after commit. The flow that emitted the
event only writes rows: no receiver is called from it."""
import logging

from django.core.cache import cache

from console import events, tenant_cache
from webhooks import catalogue, delivery, payloads, selectors

logger = logging.getLogger(__name__)

# A person hammering "Send code" is refused every time; their receiver hears it once per number and limit a minute.
RATE_LIMITED_REPEAT_SECONDS = 60


def on_event(sender, *, event, tenant, **details):
    if event not in catalogue.EVENTS:
        return
    hook_ids = selectors.subscribed_hook_ids(tenant, event)
    if not hook_ids or not _worth_telling(event, tenant, details):
        return
    try:
        payload = payloads.event_payload(event, details)
    except Exception:
        # A bug here must not cost the person their sign-in or the admin their change; it is logged loudly.
        logger.exception("Webhook payload for %s in tenant %s could not be built; not delivered", event, tenant.pk)
        return
    delivery.deliveries_create(tenant=tenant, hook_ids=hook_ids, event=event, payload=payload)


def _worth_telling(event, tenant, details):
    if event != events.MESSAGE_RATE_LIMITED:
        return True
    key = f"webhook-rate-limited:{tenant.pk}:{details['recipient']}:{details['limit']}"
    try:
        return cache.add(key, 1, RATE_LIMITED_REPEAT_SECONDS)
    except tenant_cache.CACHE_UNREACHABLE:
        return False
