"""The delivery pipeline: a row per event and hook, written in the emitter's transaction and published after commit;
a worker claims it, POSTs the stored bytes, records the attempt and retries what is transient; beat's sweeper
publishes what is due and takes back what a lost worker held. At least once: a receiver drops a duplicate by its
`logto-delivery-id`.

The schedule, the receiver's timeout and the circuit breaker are settings (README "Webhooks").
"""
import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from console import redis_outage
from webhooks import payloads, selectors, transport
from webhooks.models import Hook, HookAttempt, HookDelivery

logger = logging.getLogger(__name__)

# A receiver's Retry-After is honoured up to this; beyond it the schedule's delay stands in.
RETRY_AFTER_CAP_SECONDS = 3600
# A retry this soon is published at once with a countdown (well under the broker's visibility timeout); a later
# one is left to the sweeper, which publishes it when it is due.
COUNTDOWN_MAX_SECONDS = 20
SWEEP_BATCH = 500
_QUEUE_ERRORS = (OperationalError, RedisError, OSError)
Status = HookDelivery.Status


def attempt_limit():
    """Attempts per delivery: the first, then one per entry of the retry schedule."""
    return len(settings.WEBHOOK_RETRY_SCHEDULE) + 1


def task_time_limits():
    """(soft, hard) seconds for one attempt: requests waits up to the timeout to connect and again to read."""
    soft = 2 * settings.WEBHOOK_TIMEOUT + 2
    return soft, soft + 3


def stale_after_seconds():
    """A delivery published or claimed this long ago and still not finished was lost (a killed worker, a broker
    that dropped the message): the sweeper publishes it again."""
    return task_time_limits()[1] + 5


def retry_delay(attempts_made, retry_after=None):
    """Seconds before the next attempt after `attempts_made` attempts: the schedule's entry, or longer when the
    receiver's Retry-After asks for it."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    delay = schedule[min(attempts_made, len(schedule)) - 1]
    if retry_after is not None:
        delay = max(delay, min(retry_after, RETRY_AFTER_CAP_SECONDS))
    return delay


# --- Writing deliveries (in the emitter's process and transaction) -----------------------------------------------


def deliveries_create(*, tenant, hook_ids, event, payload):
    """One QUEUED row per hook, the bytes it will be sent stored on it; published once the transaction commits."""
    now = timezone.now()
    rows = HookDelivery.objects.bulk_create([
        HookDelivery(tenant=tenant, hook_id=hook_id, event=event, body=payloads.body_for(payload, hook_id),
                     attempt_limit=attempt_limit(), next_attempt_at=now, enqueued_at=now)
        for hook_id in hook_ids])
    transaction.on_commit(partial(publish, [row.pk for row in rows]))
    return rows


def publish(delivery_pks, countdown=None):
    """One task for these deliveries (their ids only): an event for ten hooks costs its emitter one publish, and
    the worker fans it out. A broker that is down costs nothing but time: the rows stay QUEUED and the sweeper
    publishes them once it is back."""
    from webhooks.tasks import deliver_webhook, deliver_webhooks

    if not delivery_pks:
        return
    try:
        if settings.REDIS_URL:
            redis_outage.check()
        if len(delivery_pks) == 1:
            deliver_webhook.apply_async(args=[delivery_pks[0]], countdown=countdown, retry=False)
        else:
            deliver_webhooks.apply_async(args=[list(delivery_pks)], countdown=countdown, retry=False)
    except _QUEUE_ERRORS as exc:
        logger.warning("%s webhook deliveries not published (%s); the sweeper will publish them", len(delivery_pks),
                       exc)
        HookDelivery.objects.filter(pk__in=delivery_pks, status=Status.QUEUED).update(enqueued_at=None)


def publish_each(delivery_pks):
    """A task per delivery, so that no receiver waits behind another's."""
    for pk in delivery_pks:
        publish([pk])


# --- One attempt (in the worker) ------------------------------------------------------------------------------------


def delivery_attempt(*, delivery):
    """Claim the QUEUED row (a duplicated or early task claims nothing), POST its bytes, record what came back."""
    now = timezone.now()
    if delivery.status != Status.QUEUED or delivery.next_attempt_at > now + timedelta(seconds=1):
        return
    claimed = HookDelivery.objects.filter(pk=delivery.pk, status=Status.QUEUED, attempts=delivery.attempts).update(
        status=Status.DELIVERING, claimed_at=now, attempts=delivery.attempts + 1, held=False)
    if not claimed:
        return
    delivery.attempts += 1
    hook = delivery.hook
    if not hook.enabled:
        _finish(delivery, Status.FAILED, last_error="The hook was disabled or deleted before this was sent.")
        return
    paused_until = _breaker_holds(hook, now)
    if paused_until is not None:
        # Not an attempt: the receiver is left alone until the cool-down is over, then probed.
        HookDelivery.objects.filter(pk=delivery.pk, status=Status.DELIVERING).update(
            status=Status.QUEUED, attempts=delivery.attempts - 1, held=True, next_attempt_at=paused_until,
            enqueued_at=None)
        return
    try:
        key = selectors.signing_key(hook)
    except ValueError:
        _record(delivery, hook, now, transport.Outcome(None, "", 0, "invalid", "The signing key cannot be decrypted "
                                                                                 "with POSTERN_ENCRYPTION_KEY."))
        return
    body = bytes(delivery.body)
    outcome = transport.post(hook.url, body, payloads.request_headers(hook.headers, delivery.delivery_id, key, body))
    _record(delivery, hook, now, outcome)


def _retryable(outcome):
    if outcome.status_code is None:
        return outcome.error_kind in ("timeout", "network")
    return outcome.status_code in (408, 429) or outcome.status_code >= 500


def describe_failure(outcome):
    if outcome.status_code is None:
        return outcome.error
    if 300 <= outcome.status_code < 400:
        return f"HTTP {outcome.status_code}: redirects are not followed; use the final URL."
    return f"HTTP {outcome.status_code}"


def _record(delivery, hook, started_at, outcome):
    now = timezone.now()
    retry_in = None
    if outcome.succeeded:
        _breaker_success(hook, now)
    else:
        _breaker_failure(hook, now)
        if _retryable(outcome) and delivery.attempts < delivery.attempt_limit:
            retry_in = retry_delay(delivery.attempts, outcome.retry_after)
    HookAttempt.objects.create(
        delivery=delivery, hook=hook, number=delivery.attempts, url=hook.url[:2048],
        result=HookAttempt.Result.SUCCESS if outcome.succeeded else HookAttempt.Result.ERROR,
        status_code=outcome.status_code, response_head=outcome.response_head,
        error="" if outcome.succeeded else describe_failure(outcome)[:300], latency_ms=outcome.latency_ms,
        retry_in=retry_in, started_at=started_at)
    last = {"last_status_code": outcome.status_code,
            "last_error": "" if outcome.succeeded else describe_failure(outcome)[:300]}
    if outcome.succeeded:
        _finish(delivery, Status.SUCCEEDED, **last)
    elif retry_in is None:
        _finish(delivery, Status.FAILED, **last)
    else:
        due = now + timedelta(seconds=retry_in)
        soon = retry_in <= COUNTDOWN_MAX_SECONDS
        HookDelivery.objects.filter(pk=delivery.pk, status=Status.DELIVERING).update(
            status=Status.QUEUED, next_attempt_at=due, enqueued_at=due if soon else None, **last)
        logger.info("Webhook %s to hook %s: %s; attempt %s in %.0f s", delivery.delivery_id, hook.pk,
                    last["last_error"], delivery.attempts + 1, retry_in)
        if soon:
            publish([delivery.pk], countdown=retry_in)


def _finish(delivery, status, **fields):
    HookDelivery.objects.filter(pk=delivery.pk, status=Status.DELIVERING).update(
        status=status, finished_at=timezone.now(), **fields)


# --- The circuit breaker, per hook --------------------------------------------------------------------------------


def _breaker_holds(hook, now):
    """None when the delivery may go; else until when it must wait. Once the cool-down is over, the first
    delivery to ask probes the receiver and the others wait one more cool-down (or until the probe succeeds)."""
    threshold = settings.WEBHOOK_BREAKER_FAILURES
    if threshold <= 0 or hook.consecutive_failures < threshold:
        return None
    if hook.paused_until is not None and hook.paused_until > now:
        return hook.paused_until
    next_pause = now + timedelta(seconds=settings.WEBHOOK_BREAKER_COOLDOWN_SECONDS)
    probing = Hook.objects.filter(pk=hook.pk, paused_until=hook.paused_until).update(paused_until=next_pause)
    return None if probing else next_pause


def _breaker_success(hook, now):
    if hook.consecutive_failures or hook.paused_until:
        breaker_close(hook, now=now)


def breaker_close(hook, now=None):
    """Close the breaker: a delivery (a probe or a test event) succeeded, or an admin resumed the hook. What it
    held is due at once (the sweeper publishes it)."""
    now = now or timezone.now()
    with transaction.atomic():
        Hook.objects.filter(pk=hook.pk).update(consecutive_failures=0, paused_until=None)
        HookDelivery.objects.filter(hook=hook, status=Status.QUEUED, held=True).update(
            held=False, next_attempt_at=now, enqueued_at=None)
    hook.consecutive_failures, hook.paused_until = 0, None


def _breaker_failure(hook, now):
    Hook.objects.filter(pk=hook.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    threshold = settings.WEBHOOK_BREAKER_FAILURES
    if threshold > 0:
        opened = Hook.objects.filter(pk=hook.pk, consecutive_failures__gte=threshold).filter(
            Q(paused_until__isnull=True) | Q(paused_until__lte=now)).update(
            paused_until=now + timedelta(seconds=settings.WEBHOOK_BREAKER_COOLDOWN_SECONDS))
        if opened:
            logger.warning("Webhook hook %s paused for %.0f s after %s failed attempts in a row", hook.pk,
                           settings.WEBHOOK_BREAKER_COOLDOWN_SECONDS, threshold)


# --- Beat: what is due, and what a lost worker held -------------------------------------------------------------


def deliveries_sweep(*, now=None):
    """Take back deliveries a lost worker left DELIVERING (the attempt is counted), and publish the QUEUED ones
    that are due and have no task in flight. Returns (taken back, published)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=stale_after_seconds())
    taken_back = 0
    lost = HookDelivery.objects.filter(status=Status.DELIVERING, claimed_at__lt=stale).select_related("hook")
    for delivery in lost[:SWEEP_BATCH]:
        last_error = "The worker stopped before the receiver's answer was recorded."
        exhausted = delivery.attempts >= delivery.attempt_limit
        changes = ({"status": Status.FAILED, "finished_at": now} if exhausted else
                   {"status": Status.QUEUED, "next_attempt_at": now, "enqueued_at": None})
        if HookDelivery.objects.filter(pk=delivery.pk, status=Status.DELIVERING,
                                       claimed_at=delivery.claimed_at).update(last_error=last_error, **changes):
            HookAttempt.objects.create(delivery=delivery, hook=delivery.hook, number=delivery.attempts,
                                       url=delivery.hook.url, result=HookAttempt.Result.ERROR, error=last_error,
                                       started_at=delivery.claimed_at)
            taken_back += 1
    due = HookDelivery.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
    pks = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    if pks:
        HookDelivery.objects.filter(pk__in=pks).update(enqueued_at=now)
        publish_each(pks)
    return taken_back, len(pks)


def delivery_interrupted(*, delivery):
    """The task ran out of time mid-attempt (a prefork pool's soft limit): the attempt is counted and retried."""
    _record(delivery, delivery.hook, delivery.claimed_at or timezone.now(),
            transport.Outcome(None, "", 0, "timeout", "The attempt ran out of time."))
