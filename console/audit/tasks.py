"""Beat jobs of the audit app."""
from celery import shared_task
from django.db import close_old_connections

from console.audit.services import activity_expire


@shared_task(name="audit.expire_activity", ignore_result=True)
def expire_activity():
    close_old_connections()
    activity_expire()
