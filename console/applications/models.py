"""Applications: django-oauth-toolkit's Application swapped in with a tenant and Logto's app types."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AbstractApplication

from console import ids
from console.applications import redirect_uris, secret_hashing


class ClientSecretField(models.CharField):
    """The primary secret as kept at rest (console.applications.secret_hashing): a new value is stored as its
    checksum, a value already kept (a checksum, or a password hash from before) as it is."""

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value and model_instance.hash_client_secret and not secret_hashing.is_stored_form(value):
            value = secret_hashing.stored_form(value)
            setattr(model_instance, self.attname, value)
        return value


class Application(AbstractApplication):
    class AppType(models.TextChoices):
        NATIVE = redirect_uris.NATIVE, _("Native")
        SPA = redirect_uris.SPA, _("Single page app")
        TRADITIONAL = redirect_uris.TRADITIONAL, _("Traditional web")
        M2M = redirect_uris.M2M, _("Machine-to-machine")

    class ManagementApiAccess(models.TextChoices):
        NONE = "", _("No access")
        ALL = "all", _("Full access (read and write)")
        READ = "read", _("Read-only")

    PUBLIC_TYPES = (AppType.NATIVE, AppType.SPA)
    DESCRIPTION_MAX_LENGTH = 2000

    client_id = models.CharField(max_length=100, unique=True, default=ids.app_id, db_index=True)
    client_secret = ClientSecretField(max_length=255, blank=True, default=generate_client_secret, db_index=True,
                                      help_text=_("Client secret for authentication"),
                                      verbose_name=_("client secret"))
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="applications")
    app_type = models.CharField(max_length=16, choices=AppType.choices)
    framework = models.CharField(max_length=32, blank=True, default="")
    description = models.TextField(blank=True, default="")
    secret_last4 = models.CharField(max_length=4, blank=True, default="")
    refresh_token_ttl_days = models.PositiveIntegerField(default=14)
    # A code or refresh token presented again this soon after its first use is the app racing itself (two tabs,
    # a WebView and a background task): refused, nothing revoked. Later, reuse revokes what the first use issued.
    reuse_grace_seconds = models.PositiveIntegerField(default=10)
    # Machine-to-machine apps only: which Management API scope client credentials may ask for (Logto's `all`, or
    # Postern's read-only `read`); empty for no access.
    management_api_access = models.CharField(max_length=8, choices=ManagementApiAccess.choices, blank=True,
                                             default="")
    # The tenant's built-in app behind "Try it" on the sign-in experience page (one per tenant, made on demand by
    # application_live_preview_ensure); an ordinary app otherwise, listed and marked as built in.
    is_live_preview = models.BooleanField(default=False)

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        indexes = [models.Index(fields=["tenant", "-created"])]
        constraints = [models.UniqueConstraint(fields=["tenant"], condition=models.Q(is_live_preview=True),
                                               name="one_live_preview_app_per_tenant")]

    def __str__(self):
        return self.name or self.client_id

    @property
    def is_public(self):
        return self.app_type in self.PUBLIC_TYPES

    @property
    def redirect_uri_list(self):
        return self.redirect_uris.split()

    @property
    def post_logout_redirect_uri_list(self):
        return self.post_logout_redirect_uris.split()

    @property
    def allowed_origin_list(self):
        return self.allowed_origins.split()

    def redirect_uri_allowed(self, uri):
        return any(
            redirect_uris.redirect_uri_matches(registered, uri, self.app_type) for registered in self.redirect_uri_list
        )

    def post_logout_redirect_uri_allowed(self, uri):
        return uri in self.post_logout_redirect_uri_list

    def origin_allowed(self, origin):
        return origin in self.allowed_origin_list

    def clean(self):
        # DOT's own URI checks are replaced by redirect_uris, applied by the services.
        pass


class ApplicationSecret(models.Model):
    """A named extra client secret of a confidential app (Logto's application secrets, added through the
    Management API), accepted by client authentication beside the app's primary secret until it expires.

    Only a SHA-256 checksum of the value is kept (console.applications.secret_hashing), as for tokens and the
    primary secret: it lets client authentication find it with one indexed lookup. The value is shown once.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="named_secrets")
    name = models.CharField(max_length=256)
    checksum = models.CharField(max_length=64, unique=True)
    last4 = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "name"], name="unique_application_secret_name")]
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.name

    checksum_of = staticmethod(secret_hashing.checksum)
