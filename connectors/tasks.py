"""Celery tasks of the SMS pipeline: they take a row id and call a service (see services.sms_deliver)."""
import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import close_old_connections

from connectors import selectors, services
from connectors.models import Connector, SmsMessage
from connectors.providers.tencent import request_timeout

logger = logging.getLogger(__name__)

# requests applies the timeout to connecting and again to reading, so one call can take twice the timeout.
# The limits are enforced by the prefork pool; the threads pool `make run` uses relies on the SDK's timeout.
SOFT_TIME_LIMIT = 2 * request_timeout() + 5
HARD_TIME_LIMIT = SOFT_TIME_LIMIT + 5
# A pull run makes up to RECEIPT_PULL_MAX_BATCHES provider calls.
RECEIPT_PULL_SOFT_TIME_LIMIT = 120


@shared_task(name="connectors.deliver_sms", acks_late=True, ignore_result=True,
             soft_time_limit=SOFT_TIME_LIMIT, time_limit=HARD_TIME_LIMIT)
def deliver_sms(message_id: int) -> None:
    close_old_connections()  # a connection that died or aged out since the last task is replaced, not used
    message = SmsMessage.objects.select_related("connector").filter(pk=message_id).first()
    if message is None:
        logger.warning("Discarding SMS task %s: the message no longer exists", message_id)
        return
    try:
        services.sms_deliver(message=message)
    except SoftTimeLimitExceeded:
        services.sms_deliver_timed_out(message=message)


@shared_task(name="connectors.sweep_stuck_sms", ignore_result=True, soft_time_limit=30, time_limit=40)
def sweep_stuck_sms() -> None:
    closed = services.sms_sweep_stuck(older_than=timedelta(seconds=2 * HARD_TIME_LIMIT))
    if closed:
        logger.warning("Closed %s SMS that nothing would finish (a lost worker, or a code that expired in the queue)",
                       closed)


@shared_task(name="connectors.pull_sms_receipts", ignore_result=True, soft_time_limit=30, time_limit=40)
def pull_sms_receipts() -> None:
    """Beat: one pull task per enabled connector with messages awaiting receipts (one query when none await)."""
    for connector_id in selectors.connectors_awaiting_receipts():
        pull_sms_receipts_for_connector.delay(connector_id)


@shared_task(name="connectors.pull_sms_receipts_for_connector", ignore_result=True,
             soft_time_limit=RECEIPT_PULL_SOFT_TIME_LIMIT, time_limit=RECEIPT_PULL_SOFT_TIME_LIMIT + 10)
def pull_sms_receipts_for_connector(connector_id: int) -> None:
    close_old_connections()
    connector = Connector.objects.filter(pk=connector_id, enabled=True).first()
    if connector is None:
        logger.info("Not pulling receipts for connector %s: it is gone or disabled", connector_id)
        return
    tally = services.sms_receipts_pull(connector=connector)
    if tally.applied or tally.unknown:
        logger.info("Connector %s: %s receipt(s) recorded, %s duplicate(s), %s unknown", connector_id,
                    tally.applied, tally.duplicates, tally.unknown)


@shared_task(name="connectors.expire_sms_receipts", ignore_result=True, soft_time_limit=60, time_limit=70)
def expire_sms_receipts() -> None:
    expired = services.sms_receipts_expire()
    if expired:
        logger.info("Marked %s SMS EXPIRED: no delivery receipt within the window", expired)
