"""Celery tasks of the OIDC provider."""
import logging

from celery import shared_task
from django.db import close_old_connections

from console.oidc import cleanup

logger = logging.getLogger(__name__)


@shared_task(name="oidc.clear_expired_tokens", ignore_result=True, soft_time_limit=240, time_limit=270)
def clear_expired_tokens() -> None:
    """Beat: expired codes and tokens, and the exchange records nothing needs any more (cleanup)."""
    close_old_connections()  # a connection that died or aged out since the last task is replaced, not used
    records = cleanup.expired_tokens_clear()
    if records:
        logger.info("Deleted %s exchanged-code records whose code and refresh family are gone", records)
