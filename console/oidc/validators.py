"""The token engine's one rulebook: django-oauth-toolkit's validator, bound to one tenant.

Every grant (authorization_code, refresh_token, client_credentials) and the authorization endpoint go through
oauthlib and this class, on SQLite and PostgreSQL alike. Where oauthlib asks the same question several times
the answer is read once per request (the grant, the client) and kept on the oauthlib request.
"""
import base64
import json
import uuid
from datetime import timedelta
from urllib.parse import unquote_plus

from django.db.models import Exists, F
from django.utils import timezone
from jwcrypto import jwk
from oauth2_provider.models import (get_access_token_model, get_grant_model, get_refresh_token_model,
                                    refresh_token_expire_timedelta)
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from console.applications import secret_hashing
from console.applications.selectors import named_secret_accepts
from console.applications.services import application_secret_rehash
from console.compiled_query import CompiledQuery
from console.oidc import gate, keys, resources, reuse
from console.oidc.claims import SUPPORTED_CLAIMS, claims_for

AccessToken = get_access_token_model()
Grant = get_grant_model()
RefreshToken = get_refresh_token_model()

# Where the sign-in time travels from the tenant session to the ID token: a key of the Grant's stored `claims`
# (django-oauth-toolkit's JSON column for the OIDC claims request), taken out again when the code is read.
AUTH_TIME_KEY = "postern_auth_time"

# The two reads every code exchange and refresh starts with, compiled once (console.compiled_query): a code's grant
# with its user, app and whether it was exchanged already; a refresh token with its access token, user, app and
# its family's sign-in time. Several refresh token rows may share a checksum (a rotated one and a live one): the
# live row first, else the latest.
_GRANT = CompiledQuery(lambda code, checksum: Grant.objects.filter(code=code).select_related("user", "application")
                       .annotate(redeemed=Exists(reuse.redemption_of_checksum(checksum))))
_REFRESH_TOKEN = CompiledQuery(lambda checksum: RefreshToken.objects.filter(token_checksum=checksum)
                               .select_related("access_token", "user", "application")
                               .annotate(auth_time=reuse.family_auth_time())
                               .order_by(F("revoked").desc(nulls_first=True)))


class TenantValidator(OAuth2Validator):
    def __init__(self, tenant=None):
        super().__init__()
        self.tenant = tenant

    # Clients: only the tenant's own apps exist at its issuer (and django-oauth-toolkit's is_usable() holds).
    def _load_application(self, client_id, request):
        if not request.client:
            # The code or refresh token presented is read with its app anyway: when it names this client_id, that
            # row is the client (django-oauth-toolkit then checks is_usable() and the secret on it as on its own).
            presented = self._presented(request)
            if presented is not None and presented.application.client_id == client_id:
                request.client = presented.application
        client = super()._load_application(client_id, request)
        if not gate.app_belongs(self.tenant, client):
            request.client = None
            return None
        return client

    def _extract_basic_auth(self, request):
        # django-oauth-toolkit base64-decodes this text as is, and a non-ASCII byte in the header raised ValueError
        # (a 500): such a header carries no Basic credentials, so the client is simply not authenticated.
        auth_string = super()._extract_basic_auth(request)
        return auth_string if auth_string is None or auth_string.isascii() else None

    def _check_secret(self, provided_secret, stored_secret):
        # The primary secret's checksum (console.applications.secret_hashing); one kept as a password hash from
        # before is checked as such once, then kept as its checksum.
        matched, rehash = secret_hashing.check(provided_secret, stored_secret)
        if rehash:
            application_secret_rehash(stored=stored_secret, secret=provided_secret)
        return matched

    def authenticate_client(self, request, *args, **kwargs):
        # A confidential app authenticates with its primary secret (django-oauth-toolkit checks that one) or with
        # one of its named secrets that has not expired (the Management API's application secrets).
        if super().authenticate_client(request, *args, **kwargs):
            return True
        for client_id, secret in self._presented_credentials(request):
            client = self._load_application(client_id, request)
            if (client is not None and client.client_type == client.CLIENT_CONFIDENTIAL
                    and named_secret_accepts(client, secret)):
                return True
        return False

    def _presented_credentials(self, request):
        """(client_id, client_secret) pairs of the request, HTTP Basic first, read as django-oauth-toolkit reads
        them."""
        pairs = []
        auth_string = self._extract_basic_auth(request)
        if auth_string:
            try:
                client_id, secret = map(unquote_plus, base64.b64decode(auth_string).decode().split(":", 1))
            except ValueError:  # not base64, not UTF-8, or no colon: no Basic credentials
                pass
            else:
                pairs.append((client_id, secret))
        if getattr(request, "client_id", None) and getattr(request, "client_secret", None):
            pairs.append((request.client_id, request.client_secret))
        return pairs

    def is_pkce_required(self, client_id, request):
        client = request.client or self._load_application(client_id, request)
        return bool(client and client.is_public)

    # Codes: read once, with the user, the app and whether the code was exchanged already, the first time oauthlib
    # asks (its dispatcher asks for the scopes before the client is authenticated); every later question is
    # answered from that row.
    @staticmethod
    def _grant(code, request):
        cached = getattr(request, "postern_grant", None)
        if cached is None or cached[0] != code:
            cached = (code, _GRANT.first(code, reuse.code_checksum(code)))
            request.postern_grant = cached
        return cached[1]

    @staticmethod
    def _refresh_token_row(refresh_token, request):
        cached = getattr(request, "postern_refresh_token", None)
        if cached is None or cached[0] != refresh_token:
            cached = (refresh_token, _REFRESH_TOKEN.first(reuse.token_checksum(refresh_token)))
            request.postern_refresh_token = cached
        return cached[1]

    def _presented(self, request):
        """The code's Grant or the refresh token a token request presents (read once), or None."""
        if request.grant_type == "authorization_code" and request.code:
            return self._grant(request.code, request)
        if request.grant_type == "refresh_token" and request.refresh_token:
            return self._refresh_token_row(request.refresh_token, request)
        return None

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request):
        grant = self._grant(code, request)
        return grant.scope.split(" ") if grant else []

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):
        grant = self._grant(code, request)
        return (grant.nonce or None) if grant else None

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        grant = self._grant(code, request)
        if grant is None or grant.redeemed or grant.application_id != client.pk:
            reuse.code_reused(code, client)
            return False
        if grant.is_expired() or not gate.user_ok(grant.user):
            return False
        grant.application = client
        request.grant = grant
        request.scopes, request.user = grant.scope.split(" "), grant.user
        if grant.nonce:
            request.nonce = grant.nonce
        claims = json.loads(grant.claims) if grant.claims else {}
        request.auth_time = claims.pop(AUTH_TIME_KEY, None)
        if claims:
            request.claims = claims
        return True

    def get_code_challenge(self, code, request):
        return request.grant.code_challenge or None

    def get_code_challenge_method(self, code, request):
        return request.grant.code_challenge_method or None

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request, *args, **kwargs):
        return request.grant.redirect_uri_allowed(redirect_uri)

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        auth_time = getattr(request, "auth_time", None)
        if auth_time is not None:
            request.claims = {**(request.claims or {}), AUTH_TIME_KEY: int(auth_time)}
        super().save_authorization_code(client_id, code, request, *args, **kwargs)

    # Refresh tokens: one read (the token with its access token, user and app), then every rule on that row.
    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        rt = self._refresh_token_row(refresh_token, request)
        if rt is None or rt.application_id != client.pk:
            return False
        now = timezone.now()
        if rt.revoked is not None:
            # Rotated (or revoked): a repeat within the app's reuse grace is refused and nothing else happens;
            # otherwise the reuse of a stolen token revokes its family.
            reuse.refresh_token_reused(rt, client, now=now)
            return False
        if rt.access_token is None:
            return False  # an orphan: its access token was revoked out of band, nothing is left to refresh
        # Sliding lifetime: django-oauth-toolkit's REFRESH_TOKEN_EXPIRE_SECONDS after its access token expires,
        # and each rotation valid for the app's own refresh TTL from when it was issued.
        expire_delta = refresh_token_expire_timedelta()
        if expire_delta and rt.access_token.expires + expire_delta <= now:
            return False
        if rt.created + timedelta(days=client.refresh_token_ttl_days) <= now:
            return False
        if not gate.user_ok(rt.user):
            return False
        request.user, request.refresh_token, request.refresh_token_instance = rt.user, refresh_token, rt
        # The refreshed ID token's auth_time is the original sign-in's (OpenID Connect Core §12.2).
        request.auth_time = int(rt.auth_time.timestamp()) if rt.auth_time else None
        return True

    # Scopes: a client-credentials request naming the Management API (the token view let only that resource
    # through) gets that API's scopes; every other request django-oauth-toolkit's scope list.
    @staticmethod
    def _api_resource(request):
        if request.grant_type != "client_credentials":
            return None
        named = [value for key, value in (request.decoded_body or []) if key == "resource"]
        return named[0] if named else None

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        resource = self._api_resource(request)
        if resource is None:
            return super().validate_scopes(client_id, scopes, client, request, *args, **kwargs)
        request.scopes = resources.management_scopes(client, scopes)
        # Read by console.oidc.access_tokens: this token is a JWT for that audience.
        request.postern_api_resource = resource
        return True

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        if self._api_resource(request) is not None:
            return []  # the app's own level (resources.management_scopes)
        return super().get_default_scopes(client_id, request, *args, **kwargs)

    def _check_and_set_request_resource(self, request):
        # Only a Management API token names a resource (decided above); /auth never stores one, and
        # django-oauth-toolkit would read the grant a third time to find that out.
        resource = getattr(request, "postern_api_resource", None)
        request.resource = [resource] if resource else []

    def save_bearer_token(self, token, request, *args, **kwargs):
        # Refresh tokens only when offline_access was granted (the OIDC rule the Logto SDKs rely on).
        if "offline_access" not in (request.scopes or []):
            token.pop("refresh_token", None)
        return super().save_bearer_token(token, request, *args, **kwargs)

    def _save_bearer_token(self, token, request, *args, **kwargs):
        # In the transaction that writes the tokens, claim what they are minted from: only the request that records
        # the code's exchange, or finds the refresh token still live under its row lock, gets tokens; the others an
        # invalid_grant that revokes nothing (they raced the winner, they did not replay it).
        if request.grant_type == "authorization_code":
            request.postern_token_family = uuid.uuid4() if token.get("refresh_token") else None
            if not reuse.code_redeem(request.grant, access_token=token["access_token"],
                                     token_family=request.postern_token_family,
                                     auth_time=getattr(request, "auth_time", None), now=timezone.now()):
                raise errors.InvalidGrantError(request=request)
        elif request.grant_type == "refresh_token" and self.rotate_refresh_token(request):
            self._claim_and_revoke_refresh_token(request)
        elif request.grant_type == "refresh_token":
            live = RefreshToken.objects.select_for_update().filter(pk=request.refresh_token_instance.pk,
                                                                    revoked__isnull=True)
            if not list(live.values_list("pk", flat=True)):
                raise errors.InvalidGrantError(request=request)
        super()._save_bearer_token(token, request, *args, **kwargs)

    @staticmethod
    def _claim_and_revoke_refresh_token(request):
        # The claim and RefreshToken.revoke() in one conditional UPDATE (its row lock is the claim: a concurrent
        # rotation waits for it, then finds the token revoked), which also lets go of the old access token; that
        # row is then issued again as the successor's access token (_create_access_token), so the old value stops
        # working as revoke()'s delete makes it. django-oauth-toolkit's rotation would lock and re-read the row
        # three more times (its own lock, the access token it may reuse, revoke()'s lock) in a savepoint, then
        # delete the old access token and insert a new one; rotated_from makes it mint the successor pair
        # directly, with this token as its source and in its family.
        rotated = request.refresh_token_instance
        now = timezone.now()
        claimed = RefreshToken.objects.filter(pk=rotated.pk, revoked__isnull=True).update(
            revoked=now, updated=now, access_token=None)
        if not claimed:
            raise errors.InvalidGrantError(request=request)
        request.postern_reissued_access_token_id = rotated.access_token_id
        rotated.revoked, rotated.access_token = now, None
        request.refresh_token_instance, request.rotated_from = None, rotated

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        pass  # the exchange's record (reuse.code_redeem) makes the code spent; expired grants go with the cleanup

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        # django-oauth-toolkit links the ID token row, found by verifying the JWT it has just signed (a signature
        # check and a query); ID tokens are not stored (finalize_id_token).
        access_token = AccessToken(user=request.user, scope=token["scope"], expires=expires,
                                   application=request.client,
                                   source_refresh_token=source_refresh_token or getattr(request, "rotated_from", None),
                                   resource=getattr(request, "resource", []))
        self._set_token_value(access_token, token["access_token"])
        reissued = getattr(request, "postern_reissued_access_token_id", None)
        if reissued is None:
            access_token.save()
        elif not self._reissue(access_token, reissued):
            # Deleted since the refresh token was read: a sign-out, a revocation or a family sweep, which revoke
            # the refresh token too.
            raise errors.InvalidGrantError(request=request)
        return access_token

    @staticmethod
    def _reissue(access_token, pk):
        """Write `access_token` over the row `pk` (every column but `created`, computed as Model.save computes
        them); False when that row is gone."""
        fields = [field for field in AccessToken._meta.concrete_fields
                  if not field.primary_key and field.name != "created"]
        values = {field.attname: field.pre_save(access_token, False) for field in fields}
        if not AccessToken.objects.filter(pk=pk).update(**values):
            return False
        access_token.pk, access_token._state.adding, access_token._state.db = pk, False, AccessToken.objects.db
        return True

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous_refresh_token):
        # A rotation stays in its family; a code's exchange starts the family its record (reuse.code_redeem) names.
        previous = previous_refresh_token or getattr(request, "rotated_from", None)
        refresh_token = RefreshToken(user=request.user, application=request.client, access_token=access_token,
                                     token_family=previous.token_family if previous else request.postern_token_family,
                                     resource=getattr(request, "resource", []))
        self._set_token_value(refresh_token, refresh_token_code)
        refresh_token.save()
        return refresh_token

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

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expires = super().get_id_token_dictionary(token, token_handler, request)
        # The sign-in time the tenant session recorded, carried by the code and then by its exchange's record for
        # the refresh family (django-oauth-toolkit takes last_login, which another browser's later sign-in moves).
        # A family started before the record kept it has no known sign-in time: no auth_time rather than a wrong one.
        auth_time = getattr(request, "auth_time", None)
        if auth_time is not None:
            claims["auth_time"] = int(auth_time)
        else:
            claims.pop("auth_time", None)
        return claims, expires

    def finalize_id_token(self, id_token, token, token_handler, request):
        # Signed with the tenant's key and not stored: a signed JWT nothing looks up (logout checks its signature;
        # oidc-provider keeps none either). django-oauth-toolkit inserts a row for each, in a transaction of its own,
        # and computes the key's thumbprint again for the kid.
        claims, _expires = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(**claims)
        if "nonce" not in id_token and request.nonce:  # oauthlib issue 746, as django-oauth-toolkit works around it
            id_token["nonce"] = request.nonce
        return keys.signed_jwt(self.tenant.pk, id_token)

    def _get_key_for_token(self, token):
        # The tenant's published keys, for django-oauth-toolkit's own ID token checks (Postern's endpoints verify
        # against the same JWKS); an app carries no key of its own.
        return jwk.JWKSet.from_json(keys.published_jwks_json(self.tenant.pk))

    def get_userinfo_claims(self, request):
        return claims_for(request.user, request.scopes)

    def get_discovery_claims(self, request):
        return SUPPORTED_CLAIMS
