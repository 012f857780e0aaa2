"""django-oauth-toolkit's validator, bound to one tenant: its apps, its issuer, its keys, its users."""
from datetime import timedelta

from django.utils import timezone
from oauth2_provider.models import get_grant_model, get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from console.oidc import reuse
from console.oidc.claims import claims_for

Grant = get_grant_model()
RefreshToken = get_refresh_token_model()


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
        # Read once: the later questions (PKCE, redirect URI) are answered from this row, so a concurrent exchange
        # deleting it meanwhile costs this request an invalid_grant, not a Grant.DoesNotExist.
        request.grant = Grant.objects.filter(code=code, application=client).select_related("user").first()
        if request.grant is None:
            reuse.code_reused(code, client)
            return False
        return super().validate_code(client_id, code, client, request, *args, **kwargs) and self._user_ok(request)

    def get_code_challenge(self, code, request):
        return request.grant.code_challenge or None

    def get_code_challenge_method(self, code, request):
        return request.grant.code_challenge_method or None

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request, *args, **kwargs):
        return request.grant.redirect_uri_allowed(redirect_uri)

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        if reuse.refresh_token_repeated_within_grace(refresh_token, client):
            return False
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

    def _save_bearer_token(self, token, request, *args, **kwargs):
        # In the transaction that writes the tokens, claim what they are minted from: only the request that deletes
        # the code, or finds the refresh token still live under its row lock, gets tokens; the others an
        # invalid_grant that revokes nothing (they raced the winner, they did not replay it).
        if request.grant_type == "authorization_code":
            if not Grant.objects.filter(pk=request.grant.pk).delete()[0]:
                raise errors.InvalidGrantError(request=request)
        elif request.grant_type == "refresh_token":
            live = RefreshToken.objects.select_for_update().filter(pk=request.refresh_token_instance.pk,
                                                                    revoked__isnull=True)
            if not list(live.values_list("pk", flat=True)):
                raise errors.InvalidGrantError(request=request)
        super()._save_bearer_token(token, request, *args, **kwargs)
        if request.grant_type == "authorization_code":
            issued = request.issued_access_token
            record = reuse.redeemed_code(request.grant, now=timezone.now(),
                                         token_family=getattr(request, "issued_token_family", None))
            record.access_token_id = issued.pk
            record.save()

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        pass  # deleted by _save_bearer_token, with the tokens, in one transaction

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        request.issued_access_token = super()._create_access_token(expires, request, token, source_refresh_token)
        return request.issued_access_token

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous_refresh_token):
        created = super()._create_refresh_token(request, refresh_token_code, access_token, previous_refresh_token)
        request.issued_token_family = created.token_family
        return created

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
