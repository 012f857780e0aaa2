"""RP-initiated logout: end the tenant session; redirect only to an exactly registered post sign-out URI.

Without a valid `id_token_hint` nothing shows the app asked, so a bare GET (an <img> on any page) must not end
the session: the browser is shown a confirmation form first (CSRF-protected; a script submits it at once, as
oidc-provider's logout page does, and a button does without JavaScript).
"""
import json

from jwcrypto import jwk, jwt

from console.oidc import gate
from console.oidc.keys import published_jwks_json
from console.oidc.provider import add_query
from console.oidc.sessions import tenant_session_end

# What the confirmation form carries over to the confirmed request; `id_token_hint` is not needed any more.
CONFIRM_FIELDS = ("client_id", "post_logout_redirect_uri", "state", "ui_locales")


def client_from_hint(tenant, id_token_hint):
    """The `aud` of an ID token this tenant signed, or None for a missing, foreign or undecodable hint."""
    if not id_token_hint:
        return None
    try:
        keyset = jwk.JWKSet.from_json(published_jwks_json(tenant.pk))
        token = jwt.JWT(jwt=id_token_hint, key=keyset, check_claims={"iss": tenant.issuer})
        audience = json.loads(token.claims).get("aud")
    except Exception:  # noqa: BLE001 — any undecodable hint is simply ignored
        return None
    return audience if isinstance(audience, str) else None


def logout_confirm_fields(params):
    return [(name, params[name]) for name in CONFIRM_FIELDS if params.get(name)]


def end_session(request, tenant, params, *, hinted_client_id=None):
    """End the session; return the URI to redirect to, or None for Postern's own "signed out" page."""
    tenant_session_end(request, tenant)
    client_id = params.get("client_id") or hinted_client_id
    target = params.get("post_logout_redirect_uri")
    if not client_id or not target:
        return None
    app = gate.app_at(tenant, client_id, "post_logout_redirect_uris", "tenant_id")
    if app is None or not app.post_logout_redirect_uri_allowed(target):
        return None
    return add_query(target, {"state": params["state"]}) if params.get("state") else target
