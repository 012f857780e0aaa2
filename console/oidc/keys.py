"""Signing keys: create, rotate, sign with, publish."""
import base64
import functools
import json
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from jwcrypto import jwk

from console import crypto, tenant_cache
from console.audit.services import audit_record
from console.oidc.models import SigningKey

# The longest-lived token a key signs: ID tokens (and access tokens) live an hour.
KEY_OVERLAP = timedelta(seconds=settings.OAUTH2_PROVIDER["ID_TOKEN_EXPIRE_SECONDS"] + 300)


# The active key's (kid, ciphertext) is also kept a few seconds in process memory: signing with the previous key
# for that long after a rotation is harmless, since a rotated key stays published for KEY_OVERLAP.
SIGNING_LOCAL_SECONDS = 10
# Short, so a retired key leaves the JWKS on time without a scheduler.
JWKS_TTL_SECONDS = 60


def _forget(tenant_id):
    tenant_cache.forget("jwks", tenant_id)
    tenant_cache.forget("signing-key", tenant_id)


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


def signing_key_for_new_tenant(sender, instance, created, raw=False, **kwargs):
    """post_save of Tenant (connected in this app's ready()): a new tenant's issuer signs with a key of its own from
    its first request. The tenants app does not know about keys."""
    if created and not raw:
        signing_key_create(tenant=instance)


@transaction.atomic
def tenant_signing_key_rotate(*, tenant, acting_user):
    """The console's Rotate signing key (tenant settings), audited."""
    key = signing_key_rotate(tenant=tenant)
    audit_record(tenant=tenant, actor=acting_user, action="signing_key.rotate", target=tenant,
                 changes={"kid": key.kid})
    return key


@transaction.atomic
def signing_key_rotate(*, tenant):
    now = timezone.now()
    SigningKey.objects.filter(tenant=tenant, retired_at__isnull=True).update(
        retired_at=now, publish_until=now + KEY_OVERLAP
    )
    return signing_key_create(tenant=tenant)


@functools.lru_cache(maxsize=256)
def _private_key(kid, encrypted):
    # Keyed by kid and ciphertext: a cache of an immutable row, not state.
    return jwk.JWK.from_json(crypto.decrypt(encrypted)).get_op_key("sign")


def current_signing_key(tenant_id):
    key = SigningKey.objects.filter(tenant_id=tenant_id, retired_at__isnull=True).first()
    if key is None:
        raise SigningKey.DoesNotExist(f"tenant {tenant_id} has no active signing key")
    return key


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed_jwt(tenant_id, claims, *, typ="JWT"):
    """`claims` as an RS256 JWT (RFC 7515 compact serialization) signed with the tenant's active key, from its
    cached (kid, ciphertext), dropped on create/rotate; the kid (the key's thumbprint) in the header.

    Signed with the key itself: jwcrypto's JWT object costs more than the RSA signature (it deep-copies its
    algorithm registry per token)."""
    kid, encrypted = tenant_cache.read("signing-key", tenant_id, lambda: _current_kid_and_ciphertext(tenant_id),
                                       local_seconds=SIGNING_LOCAL_SECONDS)
    header = json.dumps({"typ": typ, "alg": "RS256", "kid": kid}, separators=(",", ":"))
    payload = json.dumps(claims, separators=(",", ":"), default=str)
    signing_input = f"{_b64url(header.encode())}.{_b64url(payload.encode())}"
    signature = _private_key(kid, encrypted).sign(signing_input.encode("ascii"), padding.PKCS1v15(),
                                                  hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


def _current_kid_and_ciphertext(tenant_id):
    key = current_signing_key(tenant_id)
    return key.kid, key.private_key_encrypted


def _published_keys(tenant_id):
    now = timezone.now()
    return [
        key.public_jwk
        for key in SigningKey.objects.filter(tenant_id=tenant_id).order_by("-created_at")
        if key.retired_at is None or (key.publish_until and key.publish_until > now)
    ]


def published_jwks_json(tenant_id):
    """The JWKS document, serialized; cached per tenant and dropped when a key is created or rotated."""
    return tenant_cache.read("jwks", tenant_id, lambda: json.dumps({"keys": _published_keys(tenant_id)}),
                             ttl=JWKS_TTL_SECONDS)
