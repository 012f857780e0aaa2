"""Per-tenant signing keys. Private keys are encrypted at rest; retired keys stay published until expiry."""
from django.db import models


class SigningKey(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="signing_keys")
    kid = models.CharField(max_length=64, unique=True)
    alg = models.CharField(max_length=8, default="RS256")
    private_key_encrypted = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    # Published in the JWKS until this moment (tokens it signed have expired by then).
    publish_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "retired_at"])]


class RedeemedCode(models.Model):
    """An authorization code's exchange: inserting it is the claim that makes a code single-use (its checksum is
    unique), it names what the exchange issued so a second exchange can revoke those (RFC 6749 §4.1.2), and it
    keeps the sign-in time for the ID tokens its refresh family is issued later (OpenID Connect Core §12.2).
    Only the code's SHA-256 is stored. Kept until the code would have expired and its refresh family is gone
    (console.oidc.tasks)."""
    code_checksum = models.CharField(max_length=64, unique=True)
    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE, related_name="+")
    redeemed_at = models.DateTimeField()
    expires = models.DateTimeField(db_index=True)
    # Not foreign keys: the tokens may be gone (rotated, revoked) long before this row.
    access_token_checksum = models.CharField(max_length=64, blank=True)
    token_family = models.UUIDField(null=True, db_index=True)
    auth_time = models.DateTimeField(null=True)
