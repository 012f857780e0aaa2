"""Signing keys: create, rotate, load, publish."""
import functools
import json
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from jwcrypto import jwk

from console import crypto
from console.oidc.models import SigningKey

# The longest-lived token a key signs: ID tokens (and access tokens) live an hour.
KEY_OVERLAP = timedelta(seconds=settings.OAUTH2_PROVIDER["ID_TOKEN_EXPIRE_SECONDS"] + 300)


def _jwks_cache_key(tenant_id):
    return f"oidc:jwks:{tenant_id}"


def signing_key_create(*, tenant):
    key = jwk.JWK.generate(kty="RSA", size=2048)
    kid = key.thumbprint()
    public = json.loads(key.export_public())
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    created = SigningKey.objects.create(
        tenant=tenant,
        kid=kid,
        alg="RS256",
        private_key_encrypted=crypto.encrypt(key.export_private()),
        public_jwk=public,
    )
    transaction.on_commit(lambda: cache.delete(_jwks_cache_key(tenant.pk)))
    return created


@transaction.atomic
def signing_key_rotate(*, tenant):
    now = timezone.now()
    SigningKey.objects.filter(tenant=tenant, retired_at__isnull=True).update(
        retired_at=now, publish_until=now + KEY_OVERLAP
    )
    return signing_key_create(tenant=tenant)


@functools.lru_cache(maxsize=256)
def _load_private(kid, encrypted):
    # Keyed by kid and ciphertext: a cache of an immutable row, not state.
    return jwk.JWK.from_json(crypto.decrypt(encrypted))


def current_signing_key(tenant_id):
    key = SigningKey.objects.filter(tenant_id=tenant_id, retired_at__isnull=True).first()
    if key is None:
        raise SigningKey.DoesNotExist(f"tenant {tenant_id} has no active signing key")
    return key


def current_signing_jwk(tenant_id):
    key = current_signing_key(tenant_id)
    loaded = _load_private(key.kid, key.private_key_encrypted)
    return loaded


def published_jwks(tenant_id):
    cached = cache.get(_jwks_cache_key(tenant_id))
    if cached is not None:
        return cached
    now = timezone.now()
    keys = [
        key.public_jwk
        for key in SigningKey.objects.filter(tenant_id=tenant_id).order_by("-created_at")
        if key.retired_at is None or (key.publish_until and key.publish_until > now)
    ]
    jwks = {"keys": keys}
    # Short TTL so a retired key disappears on time without a scheduler.
    cache.set(_jwks_cache_key(tenant_id), jwks, 60)
    return jwks
