"""Access tokens: opaque ones for users (looked up by checksum at userinfo), and RFC 9068 JWTs for an API resource
(the Management API), signed with the tenant's key so a resource server can check them on its own.
"""
import json
import time
import uuid

from jwcrypto import jwk, jws, jwt
from jwcrypto.common import JWException

from console import ids
from console.oidc.keys import published_jwks_json, signed_jwt

JWT_ACCESS_TOKEN_TYPE = "at+jwt"


def access_token_for(client, scopes, expires_in, *, resource=None):
    """A new access token of `client` for `scopes`: opaque, or a JWT for `resource` (the token endpoint decided
    that the app may have one)."""
    if resource is None:
        return ids.bearer_token()
    now = int(time.time())
    claims = {
        "iss": client.tenant.issuer,
        "aud": resource,
        "sub": client.client_id,
        "client_id": client.client_id,
        "scope": " ".join(scopes),
        "iat": now,
        "exp": now + int(expires_in),
        "jti": uuid.uuid4().hex,
    }
    return signed_jwt(client.tenant_id, claims, typ=JWT_ACCESS_TOKEN_TYPE)


def verified_jwt_claims(tenant, raw, *, audiences):
    """The claims of a JWT access token signed by one of the tenant's published keys, of type at+jwt, issued by
    its issuer for one of `audiences` and unexpired; None otherwise."""
    if raw.count(".") != 2 or len(raw) > 8192:
        return None
    try:
        header = json.loads(jws.base64url_decode(raw.split(".", 1)[0]))
        if header.get("typ") != JWT_ACCESS_TOKEN_TYPE or header.get("alg") != "RS256":
            return None
        keys = jwk.JWKSet.from_json(published_jwks_json(tenant.pk))
        key = keys.get_key(header.get("kid") or "")
        if key is None:
            return None
        token = jwt.JWT(jwt=raw, key=key, algs=["RS256"], check_claims={"iss": tenant.issuer, "exp": None})
        claims = json.loads(token.claims)
    except (JWException, ValueError, TypeError, UnicodeDecodeError):
        return None
    return claims if claims.get("aud") in audiences else None
