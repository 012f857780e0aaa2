"""Signing keys: create, rotate, load, publish."""
import functools
import json
import time
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


def _signing_cache_key(tenant_id):
    return f"oidc:signing-key:{tenant_id}"


# The active key's (kid, ciphertext) is also kept a few seconds in process memory: signing with the previous key
# for that long after a rotation is harmless, since a rotated key stays published for KEY_OVERLAP.
SIGNING_LOCAL_SECONDS = 10
_local_signing = {}


def _forget(tenant_id):
    """Drop the tenant's cached JWKS and current key now (this process sees the change at once) and again on
    commit (a reader that refilled the cache from the old rows meanwhile is overwritten)."""
    _local_signing.pop(tenant_id, None)
    keys = [_jwks_cache_key(tenant_id), _signing_cache_key(tenant_id)]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


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
    _forget(tenant.pk)
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
    """The tenant's active private key. Its (kid, ciphertext) is cached in the shared cache and dropped on
    create/rotate; a process that still signs with the previous key for a moment is fine, since a rotated key
    stays published for KEY_OVERLAP."""
    now = time.monotonic()
    hit = _local_signing.get(tenant_id)
    if hit is not None and hit[0] > now:
        return _load_private(*hit[1])
    cached = cache.get(_signing_cache_key(tenant_id))
    if cached is None:
        key = current_signing_key(tenant_id)
        cached = (key.kid, key.private_key_encrypted)
        cache.set(_signing_cache_key(tenant_id), cached, 300)
    if len(_local_signing) > 10_000:
        _local_signing.clear()
    _local_signing[tenant_id] = (now + SIGNING_LOCAL_SECONDS, tuple(cached))
    return _load_private(*cached)


def _published_keys(tenant_id):
    now = timezone.now()
    return [
        key.public_jwk
        for key in SigningKey.objects.filter(tenant_id=tenant_id).order_by("-created_at")
        if key.retired_at is None or (key.publish_until and key.publish_until > now)
    ]


def published_jwks_json(tenant_id):
    """The JWKS document, serialized; cached per tenant and dropped when a key is created or rotated."""
    cached = cache.get(_jwks_cache_key(tenant_id))
    if cached is None:
        cached = json.dumps({"keys": _published_keys(tenant_id)})
        # Short TTL so a retired key disappears on time without a scheduler.
        cache.set(_jwks_cache_key(tenant_id), cached, 60)
    return cached
