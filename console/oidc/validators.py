"""django-oauth-toolkit's validator, bound to one tenant: its apps, its issuer, its keys, its users."""
from datetime import timedelta

from django.utils import timezone
from oauth2_provider.oauth2_validators import OAuth2Validator

from console.oidc.claims import claims_for


class TenantValidator(OAuth2Validator):
    def __init__(self, tenant=None):
        super().__init__()
        self.tenant = tenant

    # Clients: only the tenant's own apps exist at its issuer.
    def _load_application(self, client_id, request):
        client = super()._load_application(client_id, request)
        if client is None or self.tenant is None or client.tenant_id != self.tenant.pk:
            request.client = None
            return None
        return client

    def _extract_basic_auth(self, request):
        # django-oauth-toolkit base64-decodes this text as is, and a non-ASCII byte in the header raised ValueError
        # (a 500): such a header carries no Basic credentials, so the client is simply not authenticated.
        auth_string = super()._extract_basic_auth(request)
        return auth_string if auth_string is None or auth_string.isascii() else None

    def is_pkce_required(self, client_id, request):
        client = request.client or self._load_application(client_id, request)
        return bool(client and client.is_public)

    # Users: suspended users get nothing, whatever they hold.
    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        return super().validate_code(client_id, code, client, request, *args, **kwargs) and self._user_ok(request)

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        # Sliding lifetime: each rotation issues a token valid for the app's full refresh TTL.
        issued = request.refresh_token_instance.created
        return self._user_ok(request) and issued + timedelta(days=client.refresh_token_ttl_days) > timezone.now()

    @staticmethod
    def _user_ok(request):
        user = getattr(request, "user", None)
        return user is None or (not user.is_suspended)

    def save_bearer_token(self, token, request, *args, **kwargs):
        # Refresh tokens only when offline_access was granted (the OIDC rule the Logto SDKs rely on).
        if "offline_access" not in (request.scopes or []):
            token.pop("refresh_token", None)
        return super().save_bearer_token(token, request, *args, **kwargs)

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

    def get_userinfo_claims(self, request):
        return claims_for(request.user, request.scopes)

    def get_discovery_claims(self, request):
        from console.oidc.claims import SUPPORTED_CLAIMS

        return SUPPORTED_CLAIMS
