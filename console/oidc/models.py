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
