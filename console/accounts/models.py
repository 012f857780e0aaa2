"""People: console admins (no tenant) and end users (each belongs to exactly one tenant)."""
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q

from console import ids


class UserManager(BaseUserManager):
    def create_admin(self, *, username, password):
        user = self.model(username=username, is_console_admin=True)
        user.set_password(password)
        user.save()
        return user


class User(AbstractBaseUser):
    """One table for admins and end users, so OAuth tokens can point at either through AUTH_USER_MODEL.

    `uid` is the OIDC `sub`: random, stable and never reused. Identifiers are unique per tenant, so the
    same phone number in two tenants belongs to two people.
    """

    uid = models.CharField(max_length=32, unique=True, default=ids.user_id, editable=False)
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="users"
    )
    is_console_admin = models.BooleanField(default=False)
    username = models.CharField(max_length=128, null=True, blank=True)
    email = models.EmailField(max_length=254, null=True, blank=True)
    phone = models.CharField(max_length=20, null=True, blank=True, help_text="E.164")
    email_verified = models.BooleanField(default=False)
    phone_verified = models.BooleanField(default=False)
    name = models.CharField(max_length=128, blank=True, default="")
    picture = models.URLField(max_length=2048, blank=True, default="")
    is_suspended = models.BooleanField(default=False)
    # Bumped to end every tenant session of this user at once (console.oidc.sessions checks it on each read).
    session_epoch = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    USERNAME_FIELD = "uid"
    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["username"], condition=Q(tenant__isnull=True), name="unique_admin_username"
            ),
            models.UniqueConstraint(fields=["tenant", "username"], name="unique_tenant_username"),
            models.UniqueConstraint(fields=["tenant", "email"], name="unique_tenant_email"),
            models.UniqueConstraint(fields=["tenant", "phone"], name="unique_tenant_phone"),
            models.CheckConstraint(
                condition=Q(is_console_admin=False) | Q(tenant__isnull=True), name="admins_have_no_tenant"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "-created_at"])]

    @property
    def is_active(self):
        return not self.is_suspended

    @property
    def display_identifier(self):
        return self.username or self.email or self.phone or self.uid

    def __str__(self):
        return self.display_identifier
