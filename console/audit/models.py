"""The audit log (who changed what in a tenant, never secret values) and the end-user activity log (who signed
in, signed up or reset a password on the hosted pages, from where, and whether it worked)."""
from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # A change made through the Management API: the machine-to-machine app that made it (actor is then empty).
    actor_application = models.ForeignKey("applications.Application", null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=32)
    # The target's public id where it has one (a user's uid, an app's client ID), so the record still names it
    # the way the API does once the target is deleted; otherwise its primary key.
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=200, blank=True, default="")
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"])]


class ActivityEntry(models.Model):
    """One end-user interaction on a hosted page, keyed as Logto keys its logs (`Interaction.SignIn.Submit`)."""

    class Result(models.TextChoices):
        SUCCESS = "Success"
        ERROR = "Error"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="activity_entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    # Kept apart from the foreign key so the record still names the person after the account is deleted.
    user_uid = models.CharField(max_length=32, blank=True, default="")
    application = models.ForeignKey("applications.Application", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    application_client_id = models.CharField(max_length=100, blank=True, default="")
    key = models.CharField(max_length=128)
    method = models.CharField(max_length=32, blank=True, default="")
    result = models.CharField(max_length=8, choices=Result.choices, default=Result.SUCCESS)
    error_code = models.CharField(max_length=64, blank=True, default="")
    ip = models.CharField(max_length=45, blank=True, default="")
    user_agent = models.CharField(max_length=512, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="activity_tenant_time"),
            models.Index(fields=["tenant", "user_uid", "-created_at"], name="activity_tenant_user_time"),
        ]

    @property
    def succeeded(self):
        return self.result == self.Result.SUCCESS
