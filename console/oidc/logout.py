"""RP-initiated logout: end the tenant session; redirect only to an exactly registered post sign-out URI."""
from console.applications.models import Application
from console.oidc.provider import add_query
from console.oidc.sessions import tenant_session_end


def _client_from_hint(tenant, id_token_hint):
    import json

    from jwcrypto import jwk, jwt

    from console.oidc.keys import published_jwks_json

    try:
        keyset = jwk.JWKSet.from_json(published_jwks_json(tenant.pk))
        token = jwt.JWT(jwt=id_token_hint, key=keyset, check_claims={"iss": tenant.issuer})
        audience = json.loads(token.claims).get("aud")
    except Exception:  # noqa: BLE001 — any undecodable hint is simply ignored
        return None
    return audience if isinstance(audience, str) else None


def end_session(request, tenant, params):
    """End the session; return the URI to redirect to, or None for Postern's own "signed out" page."""
    tenant_session_end(request, tenant)
    client_id = params.get("client_id") or (
        _client_from_hint(tenant, params["id_token_hint"]) if params.get("id_token_hint") else None
    )
    target = params.get("post_logout_redirect_uri")
    if not client_id or not target:
        return None
    app = Application.objects.filter(tenant=tenant, client_id=client_id).only(
        "post_logout_redirect_uris", "tenant_id").first()
    if app is None or not app.post_logout_redirect_uri_allowed(target):
        return None
    return add_query(target, {"state": params["state"]}) if params.get("state") else target
