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
    """An authorization code already exchanged, and what its exchange issued: a second exchange of it revokes
    those (RFC 6749 §4.1.2). Kept until the code would have expired; only its SHA-256 is stored."""
    code_checksum = models.CharField(max_length=64, unique=True)
    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE, related_name="+")
    redeemed_at = models.DateTimeField()
    expires = models.DateTimeField(db_index=True)
    # Not foreign keys: the tokens may be gone (rotated, revoked) long before this row.
    access_token_id = models.BigIntegerField(null=True)
    token_family = models.UUIDField(null=True)
