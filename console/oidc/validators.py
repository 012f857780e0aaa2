"""django-oauth-toolkit's validator, bound to one tenant: the authorization endpoint's questions (which app, which
redirect URI, which scopes, whether PKCE is needed), the Grant it saves, and revocation. The token endpoint is
console.oidc.grants; both ask the same rule modules (gate, client_auth, pkce, resources).
"""
from jwcrypto import jwk
from oauth2_provider.oauth2_validators import OAuth2Validator

from console.oidc import client_auth, gate, keys
from console.oidc.claims import SUPPORTED_CLAIMS, claims_for
from console.oidc.grants import AUTH_TIME_KEY


class TenantValidator(OAuth2Validator):
    def __init__(self, tenant=None):
        super().__init__()
        self.tenant = tenant

    # Clients: only the tenant's own apps exist at its issuer (and django-oauth-toolkit's is_usable() holds).
    def _load_application(self, client_id, request):
        client = super()._load_application(client_id, request)
        if not gate.app_belongs(self.tenant, client):
            request.client = None
            return None
        return client

    def authenticate_client(self, request, *args, **kwargs):
        # Revocation (RFC 7009) authenticates its client by the token endpoint's rule.
        request.client = client_auth.client_authenticate(
            self.tenant, request.headers.get("HTTP_AUTHORIZATION", ""), getattr(request, "client_id", None),
            getattr(request, "client_secret", None), public_allowed=False)
        return request.client is not None

    def is_pkce_required(self, client_id, request):
        client = request.client or self._load_application(client_id, request)
        return bool(client and client.is_public)

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        auth_time = getattr(request, "auth_time", None)
        if auth_time is not None:
            request.claims = {**(request.claims or {}), AUTH_TIME_KEY: int(auth_time)}
        super().save_authorization_code(client_id, code, request, *args, **kwargs)

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
        # request.client came through the gate (_load_application): only the tenant's app's own tokens go.
        if gate.app_belongs(self.tenant, request.client):
            super().revoke_token(token, token_type_hint, request, *args, **kwargs)

    # prompt=none is decided by the authorization view, which knows the browser session.
    def validate_silent_login(self, request):
        return True

    def validate_silent_authorization(self, request):
        return True

    # Claims and issuer.
    def get_oidc_issuer_endpoint(self, request):
        return self.tenant.issuer

    def get_oidc_claims(self, token, token_handler, request):
        return claims_for(request.user, request.scopes)

    def _get_key_for_token(self, token):
        # The tenant's published keys, for django-oauth-toolkit's own ID token checks; an app carries no key of its own.
        return jwk.JWKSet.from_json(keys.published_jwks_json(self.tenant.pk))

    def get_userinfo_claims(self, request):
        return claims_for(request.user, request.scopes)

    def get_discovery_claims(self, request):
        return SUPPORTED_CLAIMS
