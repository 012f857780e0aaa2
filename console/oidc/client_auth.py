"""Who the client of a token, revocation or introspection request is (RFC 6749 §2.3): the one rule.

HTTP Basic first (RFC 6749 §2.3.1: the id and secret form-encoded inside it), else `client_id` and
`client_secret` in the form, else, for a public app where the endpoint allows one, `client_id` alone. The app must
be the tenant's own (the gate). A confidential app authenticates with its primary secret (kept as its checksum,
console.applications.secret_hashing; one kept as a password hash from before is checked as such once, then kept
as its checksum) or with one of its named secrets that has not expired (the Management API's application secrets).
"""
import base64
import binascii
from urllib.parse import unquote_plus

from console.applications import secret_hashing
from console.applications.models import Application
from console.applications.selectors import named_secret_accepts
from console.applications.services import application_secret_rehash
from console.oidc import gate


def basic_credentials(authorization):
    """(client_id, secret) of an `Authorization: Basic …` header; None without one; ValueError for a Basic header
    that carries no credentials (not ASCII, not base64, not UTF-8, no colon)."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip().encode("ascii"), validate=True).decode()
    except (UnicodeError, binascii.Error):
        raise ValueError("malformed Basic credentials") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise ValueError("malformed Basic credentials")
    return unquote_plus(client_id), unquote_plus(secret)


def secret_accepts(app, secret):
    """Whether `secret` is the app's primary secret or one of its live named secrets."""
    if not secret:
        return False
    matched, rehash = secret_hashing.check(secret, app.client_secret)
    if rehash:
        application_secret_rehash(stored=app.client_secret, secret=secret)
    if matched:
        return True
    return app.client_type == Application.CLIENT_CONFIDENTIAL and named_secret_accepts(app, secret)


def client_authenticate(tenant, authorization, client_id, client_secret, *, public_allowed, known_app=None):
    """The tenant's app the request authenticates as, or None. `known_app`: an app already read with what the
    request presents (a code's or refresh token's), used when it is the one named, instead of a second read."""
    try:
        basic = basic_credentials(authorization or "")
    except ValueError:
        return None
    if basic is not None:
        if client_id and client_id != basic[0]:
            return None
        client_id, client_secret = basic
    if not client_id:
        return None
    if known_app is not None and known_app.client_id == client_id:
        app = known_app
    else:
        app = gate.app_at(tenant, client_id)
    if app is None or not gate.app_belongs(tenant, app) or not app.is_usable(None):
        return None
    if client_secret:
        return app if secret_accepts(app, client_secret) else None
    return app if public_allowed and app.client_type == Application.CLIENT_PUBLIC else None
