"""Webhooks: a tenant's hooks (Logto's shape), one delivery row per event and hook, one attempt row per POST."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from console import ids


def hook_id():
    return ids.random_id(21)


class Hook(models.Model):
    """Where to POST which events, signed with the hook's key; the breaker fields pause a receiver that keeps
    failing (webhooks.delivery)."""

    id = models.CharField(primary_key=True, max_length=21, default=hook_id, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="hooks")
    name = models.CharField(max_length=256, blank=True, default="")
    events = models.JSONField(default=list)
    # Logto's deprecated single `event`, kept as given so its API answers it back.
    legacy_event = models.CharField(max_length=64, null=True, blank=True)
    url = models.CharField(max_length=2048)
    headers = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    signing_key_encrypted = models.TextField()
    # Failed attempts in a row, any delivery; reset by a success. At the threshold the hook pauses until
    # `paused_until`, then one delivery probes the receiver.
    consecutive_failures = models.PositiveIntegerField(default=0)
    paused_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "created_at"], name="hook_tenant_created")]

    def __str__(self):
        return self.name or self.url


def delivery_id():
    return ids.random_id(21)


class HookDelivery(models.Model):
    """One event for one hook: QUEUED → DELIVERING → SUCCEEDED | FAILED (a retry goes back to QUEUED).

    The body is built once, when the event happens, and every attempt sends exactly these bytes (signed with the
    hook's key of the moment); `delivery_id` is the `logto-delivery-id` header, the same on every attempt.
    """

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Queued")
        DELIVERING = "DELIVERING", _("Delivering")
        SUCCEEDED = "SUCCEEDED", _("Succeeded")
        FAILED = "FAILED", _("Failed")

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    hook = models.ForeignKey(Hook, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.CharField(max_length=21, unique=True, default=delivery_id, editable=False)
    event = models.CharField(max_length=64)
    body = models.BinaryField()
    is_test = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Attempts allowed in all: the schedule's, plus a new round for each redelivery.
    attempt_limit = models.PositiveSmallIntegerField()
    next_attempt_at = models.DateTimeField()
    # When a task was last published for it (None: none is, the sweeper publishes one when it is due).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Waiting for the hook's breaker to close (no attempt is used up meanwhile).
    held = models.BooleanField(default=False)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["hook", "-created_at"], name="delivery_hook_created"),
            # The sweeper: rows due or stuck, oldest first.
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_due"),
        ]

    def __str__(self):
        return f"{self.event} {self.delivery_id}"

    @property
    def is_finished(self):
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


def log_id():
    return ids.random_id(21)


class HookAttempt(models.Model):
    """One POST of a delivery and what came back: Logto's hook log entry (`GET /api/hooks/{id}/recent-logs`)."""

    class Result(models.TextChoices):
        SUCCESS = "Success"
        ERROR = "Error"

    log_id = models.CharField(max_length=21, unique=True, default=log_id, editable=False)
    delivery = models.ForeignKey(HookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    hook = models.ForeignKey(Hook, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()
    url = models.CharField(max_length=2048)
    result = models.CharField(max_length=8, choices=Result.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # The first bytes of the receiver's answer, as text.
    response_head = models.TextField(blank=True, default="")
    error = models.CharField(max_length=300, blank=True, default="")
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    # Seconds until the next attempt, when one was scheduled.
    retry_in = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["hook", "-started_at"], name="attempt_hook_started")]
