"""Tenants and who may administer them."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from console import ids


class Tenant(models.Model):
    class Tag(models.TextChoices):
        DEVELOPMENT = "development", _("Development")
        PRODUCTION = "production", _("Production")

    id = models.CharField(primary_key=True, max_length=16, default=ids.tenant_id, editable=False)
    name = models.CharField(max_length=128)
    tag = models.CharField(max_length=16, choices=Tag.choices, default=Tag.DEVELOPMENT)
    default_country = models.CharField(
        max_length=2, default="CN", help_text="ISO 3166 region used for phone numbers typed without a country code"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.name} ({self.id})"

    @property
    def endpoint(self):
        return f"{settings.PUBLIC_URL}/t/{self.id}"

    @property
    def issuer(self):
        return f"{self.endpoint}/oidc"

    @property
    def management_api_indicator(self):
        """The tenant's Management API as an RFC 8707 resource (console.oidc.resources)."""
        return f"{self.endpoint}/api"


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.ADMIN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="unique_membership")]


class Invitation(models.Model):
    """An owner asks another console admin to join a tenant; the membership exists only once that admin accepts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    id = models.CharField(primary_key=True, max_length=21, default=ids.invitation_id, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    role = models.CharField(max_length=8, choices=Membership.Role.choices, default=Membership.Role.ADMIN)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "invitee"], condition=models.Q(status="pending"),
                                               name="one_pending_invitation")]
