"""Celery tasks of the webhook pipeline: they take a row id and call the pipeline (webhooks.delivery)."""
import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import close_old_connections

from webhooks import delivery
from webhooks.models import HookDelivery

logger = logging.getLogger(__name__)

SOFT_TIME_LIMIT, HARD_TIME_LIMIT = delivery.task_time_limits()


@shared_task(name="webhooks.deliver", acks_late=True, ignore_result=True,
             soft_time_limit=SOFT_TIME_LIMIT, time_limit=HARD_TIME_LIMIT)
def deliver_webhook(delivery_pk: int) -> None:
    close_old_connections()  # a connection that died or aged out since the last task is replaced, not used
    _deliver(delivery_pk)


@shared_task(name="webhooks.deliver_many", acks_late=True, ignore_result=True,
             soft_time_limit=SOFT_TIME_LIMIT, time_limit=HARD_TIME_LIMIT)
def deliver_webhooks(delivery_pks: list[int]) -> None:
    """An event's deliveries to several hooks: each but the first gets a task of its own, this one sends the first."""
    close_old_connections()
    delivery.publish_each(delivery_pks[1:])
    _deliver(delivery_pks[0])


def _deliver(delivery_pk):
    row = HookDelivery.objects.select_related("hook").filter(pk=delivery_pk).first()
    if row is None:
        logger.info("Discarding webhook task %s: the delivery no longer exists (its hook was deleted)", delivery_pk)
        return
    try:
        delivery.delivery_attempt(delivery=row)
    except SoftTimeLimitExceeded:
        delivery.delivery_interrupted(delivery=row)


@shared_task(name="webhooks.sweep_deliveries", ignore_result=True, soft_time_limit=30, time_limit=40)
def sweep_deliveries() -> None:
    close_old_connections()
    taken_back, published = delivery.deliveries_sweep()
    if taken_back:
        logger.warning("Took back %s webhook deliveries a lost worker held; they will be sent again", taken_back)
    if published:
        logger.info("Published %s due webhook deliveries", published)
