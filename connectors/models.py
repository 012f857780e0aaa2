"""Connectors (a tenant's configured provider, secrets encrypted) and the SMS message log, one row per SMS."""
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from connectors.providers.base import UsageType
from console.phone import mask_phone


class Connector(models.Model):
    class Kind(models.TextChoices):
        SMS = "sms", "SMS"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="connectors")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SMS)
    provider = models.CharField(max_length=32, help_text="Key of the provider in connectors.registry")
    name = models.CharField(max_length=128)
    config = models.JSONField(default=dict, help_text="The non-secret config fields")
    secrets_encrypted = models.TextField(blank=True, default="", help_text="Fernet token of the secret fields' JSON")
    enabled = models.BooleanField(default=False)
    # The unguessable part of this connector's delivery-receipt callback URL (Tencent's status push).
    receipt_token = models.CharField(max_length=64, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind"], condition=Q(enabled=True), name="one_enabled_connector_per_kind"
            ),
        ]

    def __str__(self):
        return self.name


class PipelineError(models.TextChoices):
    """Error classes of Postern's own pipeline, beside the provider's ErrorClass values."""

    QUEUE = "queue", _("Task queue unavailable")
    EXPIRED = "expired", _("Code expired before delivery")
    UNDELIVERABLE = "undeliverable", _("Connector gone or unreadable")
    UNKNOWN_OUTCOME = "unknown_outcome", _("Outcome unknown")


class SmsMessage(models.Model):
    """One SMS and its delivery: QUEUED → SENDING → SENT | FAILED (retries go SENDING → QUEUED)."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Queued")
        SENDING = "SENDING", _("Sending")
        SENT = "SENT", _("Sent")
        FAILED = "FAILED", _("Failed")

    class Delivery(models.TextChoices):
        """What the carrier reported about a SENT message (Tencent's receipts, pulled or pushed)."""

        UNKNOWN = "UNKNOWN", _("Awaiting receipt")
        DELIVERED = "DELIVERED", _("Delivered")
        UNDELIVERED = "UNDELIVERED", _("Undelivered")
        EXPIRED = "EXPIRED", _("No receipt")

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="sms_messages")
    connector = models.ForeignKey(Connector, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    # Kept on the row: a test send may use a connector that is not saved yet.
    provider = models.CharField(max_length=32)
    usage_type = models.CharField(max_length=20, choices=[(u.value, u.label) for u in UsageType])
    phone = models.CharField(max_length=20, help_text="E.164")
    template_code = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Attempts whose outcome is unknown (read timeout): the SMS may be out, so these are retried at most once.
    uncertain_attempts = models.PositiveSmallIntegerField(default=0)
    # Wiped to "" once the row is SENT or FAILED, so a stolen database holds no usable code or test credentials.
    code_encrypted = models.TextField(blank=True, default="")
    config_encrypted = models.TextField(blank=True, default="", help_text="Test sends only: the unsaved config")
    valid_until = models.DateTimeField(help_text="The code expires then; no attempt is made after it")
    is_test = models.BooleanField(default=False)
    provider_request_id = models.CharField(max_length=128, blank=True, default="")
    serial_no = models.CharField(max_length=128, blank=True, default="")
    fee = models.PositiveIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=128, blank=True, default="")
    error_class = models.CharField(max_length=32, blank=True, default="")
    error_message = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Routing: the destination's ISO country, which template list served it ("mainland" / "international") and
    # the template's locale ("" for the entry without one).
    country = models.CharField(max_length=2, blank=True, default="")
    route = models.CharField(max_length=16, blank=True, default="")
    template_locale = models.CharField(max_length=16, blank=True, default="")
    # Delivery receipt (meaningful once SENT): the carrier's report, its code and description, when the phone got
    # it (the carrier's time) and when Postern learnt it.
    delivery_status = models.CharField(max_length=12, choices=Delivery.choices, default=Delivery.UNKNOWN)
    delivery_code = models.CharField(max_length=64, blank=True, default="")
    delivery_description = models.CharField(max_length=255, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    receipt_received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="sms_tenant_created"),
            models.Index(fields=["tenant", "status"], name="sms_tenant_status"),
            # Receipts: SENT rows still awaiting theirs, per connector (the pull job, the expiry sweep, push lookup).
            models.Index(fields=["connector", "delivery_status", "finished_at"], name="sms_awaiting_receipt"),
            models.Index(fields=["serial_no"], name="sms_serial_no"),
            models.Index(fields=["tenant", "country", "-created_at"], name="sms_tenant_country_created"),
        ]

    def __str__(self):
        return f"SMS {self.id}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SENT, self.Status.FAILED)

    @property
    def time_to_receipt(self) -> timedelta | None:
        """From the provider accepting the SMS to its receipt: the phone's receipt time when delivered (the
        carrier's clock, so never below zero), else when Postern learnt the outcome."""
        reported = self.delivered_at or self.receipt_received_at
        if self.finished_at is None or reported is None:
            return None
        return max(reported - self.finished_at, timedelta(0))

    @property
    def time_to_receipt_display(self) -> str:
        delay = self.time_to_receipt
        if delay is None:
            return ""
        seconds = delay.total_seconds()
        if seconds < 60:
            return f"{seconds:.1f} s"
        if seconds < 3600:
            return f"{int(seconds // 60)} min {int(seconds % 60)} s"
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"


class SmsBudget(models.Model):
    """A tenant's spend guard: how many SMS a day it may send, in all and per destination country."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="sms_budget")
    daily_limit = models.PositiveIntegerField(default=1000)
    # {"GB": 50, "US": 20}: ISO country → SMS a day; a country not listed has no cap of its own.
    country_daily_limits = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"SMS budget of {self.tenant_id}"
