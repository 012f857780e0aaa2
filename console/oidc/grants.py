"""The token endpoint: every grant Postern issues tokens for (authorization_code, refresh_token, client_credentials),
answered here and nowhere else, on SQLite and PostgreSQL alike.

Postern owns its token endpoint (as authentik's token view does) instead of handing it to oauthlib: oauthlib asks
its validator one question at a time, so a grant cost a dozen calls into django-oauth-toolkit, four reads of what
one read gives and its own token writes. Here a grant is one read (the code or refresh token with its user and
app), the rules in order, then the writes in one transaction. The rules themselves live in the modules both this
endpoint and the authorization endpoint ask: `gate` (tenant, app, user), `client_auth` (who the client is),
`reuse` (a code or refresh token presented again), `resources` (RFC 8707), `pkce`. django-oauth-toolkit's models
are kept, and its scopes backend decides which scopes exist.

Errors are RFC 6749 §5.2's: a JSON body with `error` and `error_description`, 400 (401 for `invalid_client`).
"""
import json
import time
import uuid
from datetime import timedelta

from django.db import IntegrityError
from django.db.models import Exists, F
from django.http import HttpResponse
from django.utils import timezone
from oauth2_provider.models import (get_access_token_model, get_grant_model, get_refresh_token_model,
                                    refresh_token_expire_timedelta, set_token_value)
from oauth2_provider.oauth2_validators import GRANT_TYPE_MAPPING
from oauth2_provider.scopes import get_scopes_backend
from oauth2_provider.settings import oauth2_settings

from console.compiled_query import ClaimLost, CompiledQuery, WriteBatch
from console.ids import bearer_token
from console.oidc import client_auth, gate, keys, pkce, resources, reuse
from console.oidc.access_tokens import access_token_for
from console.oidc.claims import claims_for

AccessToken = get_access_token_model()
Grant = get_grant_model()
RefreshToken = get_refresh_token_model()

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")

# Where the sign-in time travels from the tenant session to the ID token: a key of the Grant's stored `claims`
# (django-oauth-toolkit's JSON column for the OIDC claims request), taken out again when the code is read.
AUTH_TIME_KEY = "postern_auth_time"

# The two reads every code exchange and refresh starts with, compiled once (console.compiled_query): a code's grant
# with its user, app and whether it was exchanged already; a refresh token with its access token, user, app and
# its family's sign-in time. Several refresh token rows may share a checksum (a rotated one and a live one): the
# live row first, else the latest.
# The columns the engine never reads are left out (each timestamp costs a parse per row); one read after all is
# loaded then.
_UNREAD = ("user__password", "user__last_login", "user__created_at", "application__created", "application__updated")
_GRANT = CompiledQuery(lambda code, checksum: Grant.objects.filter(code=code).select_related("user", "application")
                       .annotate(redeemed=Exists(reuse.redemption_of_checksum(checksum)))
                       .defer("created", "updated", *_UNREAD))
_REFRESH_TOKEN = CompiledQuery(lambda checksum: RefreshToken.objects.filter(token_checksum=checksum)
                               .select_related("access_token", "user", "application")
                               .annotate(auth_time=reuse.family_auth_time())
                               .order_by(F("revoked").desc(nulls_first=True))
                               .defer("token", "updated", "access_token__token", "access_token__id_token",
                                      "access_token__source_refresh_token", "access_token__created",
                                      "access_token__updated", *_UNREAD))


class TokenError(Exception):
    def __init__(self, error, description, status=400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def _invalid_grant(description="The grant is invalid, expired, revoked or was issued to another client."):
    return TokenError("invalid_grant", description)


def _json(body, status=200):
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def token_response(tenant, request):
    """The token endpoint's answer to `request` (a POST) at `tenant`'s issuer."""
    status, body = token_answer(tenant, request.POST, authorization=request.META.get("HTTP_AUTHORIZATION", ""),
                                query_resources=request.GET.getlist("resource"))
    response = _json(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = f'Basic realm="{tenant.issuer}"'
    return response


def token_answer(tenant, params, *, authorization="", query_resources=()):
    """(status, body) for a token request with the form `params` (a QueryDict, or a dict of one value each) and
    the `Authorization` header `authorization`; also for a request Postern makes of itself (the console's Try it)."""
    try:
        form = _form(params)
        return 200, _grant(tenant, form, authorization, list(query_resources))
    except TokenError as exc:
        return exc.status, {"error": exc.error, "error_description": exc.description}


def _form(params):
    """The form's parameters, one value each (RFC 6749 §3.2: none may appear twice; `resource` may, RFC 8707)."""
    form = {}
    lists = params.lists() if hasattr(params, "lists") else ((key, [value]) for key, value in params.items())
    for key, values in lists:
        if key == "resource":
            form[key] = list(values)
        elif len(values) > 1:
            raise TokenError("invalid_request", f"Duplicate {key} parameter.")
        else:
            form[key] = values[0]
    form.setdefault("resource", [])
    return form


def _grant(tenant, form, authorization, query_resources):
    grant_type = form.get("grant_type")
    if grant_type not in GRANT_TYPES:
        raise TokenError("unsupported_grant_type", "The grant type is not supported at this endpoint.")
    refusal = resources.resource_refusal(tenant, form["resource"] + query_resources, grant_type=grant_type)
    if refusal:
        raise TokenError(resources.INVALID_TARGET, refusal)
    if grant_type == "authorization_code":
        return _exchange_code(tenant, authorization, form)
    if grant_type == "refresh_token":
        return _refresh(tenant, authorization, form)
    return _client_credentials(tenant, authorization, form)


def _required(form, name):
    value = form.get(name)
    if not value:
        raise TokenError("invalid_request", f"Missing {name} parameter.")
    return value


def _client(tenant, authorization, form, grant_type, presented=None):
    """The authenticated client (console.oidc.client_auth), allowed this grant type."""
    client = client_auth.client_authenticate(tenant, authorization,
                                             form.get("client_id"), form.get("client_secret"),
                                             public_allowed=grant_type != "client_credentials",
                                             known_app=presented.application if presented else None)
    if client is None:
        raise TokenError("invalid_client", "Client authentication failed.", status=401)
    if not client.allows_grant_type(*GRANT_TYPE_MAPPING[grant_type]):
        raise TokenError("unauthorized_client", "This application may not use this grant type.")
    return client


def _exchange_code(tenant, authorization, form):
    code = _required(form, "code")
    grant = _GRANT.first(code, reuse.code_checksum(code))
    client = _client(tenant, authorization, form, "authorization_code", presented=grant)
    if grant is None or grant.redeemed or grant.application_id != client.pk:
        reuse.code_reused(code, client)
        raise _invalid_grant()
    if grant.is_expired() or not gate.user_ok(grant.user):
        raise _invalid_grant()
    refusal = pkce.verifier_refusal(grant.code_challenge, form.get("code_verifier"), required=client.is_public)
    if refusal:
        raise TokenError(*refusal)
    if not grant.redirect_uri_allowed(form.get("redirect_uri", "")):
        raise TokenError("invalid_grant", "The redirect_uri does not match the one the code was issued for.")
    claims = json.loads(grant.claims) if grant.claims else {}
    auth_time = claims.pop(AUTH_TIME_KEY, None)
    scopes = grant.scope.split(" ")
    tokens = _minted(tenant, client, grant.user, scopes, auth_time=auth_time, nonce=grant.nonce or None)
    family = uuid.uuid4() if "refresh_token" in tokens else None
    batch = WriteBatch()
    # The claim: only the request whose record of the code's exchange the database takes gets tokens; a concurrent
    # one an invalid_grant that revokes nothing (it raced the winner, it did not replay the code).
    batch.insert(reuse.redemption_record(grant, access_token=tokens["access_token"], token_family=family,
                                         auth_time=auth_time, now=timezone.now()))
    _add_tokens(batch, client, grant.user, scopes, tokens, family=family)
    _written(batch)
    return tokens


def _refresh(tenant, authorization, form):
    raw = _required(form, "refresh_token")
    found = _REFRESH_TOKEN.first(reuse.token_checksum(raw))
    client = _client(tenant, authorization, form, "refresh_token", presented=found)
    if found is None or found.application_id != client.pk:
        raise _invalid_grant()
    now = timezone.now()
    if found.revoked is not None:
        # Rotated (or revoked): a repeat within the app's reuse grace is refused and nothing else happens;
        # otherwise the reuse of a stolen token revokes its family.
        reuse.refresh_token_reused(found, client, now=now)
        raise _invalid_grant()
    previous = found.access_token
    if previous is None:
        raise _invalid_grant()  # an orphan: its access token was revoked out of band, nothing is left to refresh
    # Sliding lifetime: REFRESH_TOKEN_EXPIRE_SECONDS after its access token expires, and each rotation valid for
    # the app's own refresh TTL from when it was issued.
    expire_delta = refresh_token_expire_timedelta()
    if expire_delta and previous.expires + expire_delta <= now:
        raise _invalid_grant()
    if found.created + timedelta(days=client.refresh_token_ttl_days) <= now:
        raise _invalid_grant()
    if not gate.user_ok(found.user):
        raise _invalid_grant()
    granted = previous.scope.split()
    scopes = form["scope"].split() if form.get("scope") else granted
    if not set(scopes) <= set(granted):
        raise TokenError("invalid_scope", "A refresh may narrow the granted scopes, never widen them.")
    # The refreshed ID token's auth_time is the original sign-in's (OpenID Connect Core §12.2).
    auth_time = int(found.auth_time.timestamp()) if found.auth_time else None
    tokens = _minted(tenant, client, found.user, scopes, auth_time=auth_time)
    batch = WriteBatch()
    # The claim and RefreshToken.revoke() in one conditional UPDATE: its row lock makes a concurrent rotation wait,
    # then find the token revoked (or the successor it wrote holding the access token: IntegrityError). The old
    # access token's row is issued again to the successor, so the old value stops working at once; it is gone when
    # a sign-out, a revocation or a family sweep came first, which revoke the refresh token too.
    batch.update(RefreshToken, found.pk, {"revoked": now, "updated": now, "access_token_id": None},
                 unless_set=("revoked",), claim=True)
    _add_tokens(batch, client, found.user, scopes, tokens, family=found.token_family, rotated=found,
                reissue_access_token_id=found.access_token_id)
    _written(batch)
    return tokens


def _client_credentials(tenant, authorization, form):
    client = _client(tenant, authorization, form, "client_credentials")
    requested = form.get("scope", "").split()
    resource = form["resource"][0] if form["resource"] else None
    if resource is not None:
        try:
            scopes = resources.management_scopes(client, requested)
        except resources.ScopeRefusal as exc:
            raise TokenError(exc.error, exc.description) from None
    else:
        scopes = requested or get_scopes_backend().get_default_scopes(application=client, request=None)
        available = get_scopes_backend().get_available_scopes(application=client, request=None)
        if not set(scopes) <= set(available):
            raise TokenError("invalid_scope", "An unknown scope was asked for.")
    tokens = {"access_token": access_token_for(client, scopes, oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS,
                                               resource=resource),
              "expires_in": oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS, "token_type": "Bearer",
              "scope": " ".join(scopes)}
    batch = WriteBatch()
    _add_tokens(batch, client, None, scopes, tokens, family=None, resource=[resource] if resource else [])
    _written(batch)
    return tokens


def _minted(tenant, client, user, scopes, *, auth_time, nonce=None):
    """The response body for a user's grant: an access token, a refresh token with offline_access (the OIDC rule
    the Logto SDKs rely on), an ID token with openid."""
    tokens = {"access_token": bearer_token(), "expires_in": oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS,
              "token_type": "Bearer", "scope": " ".join(scopes)}
    if "offline_access" in scopes:
        tokens["refresh_token"] = bearer_token()
    if "openid" in scopes:
        tokens["id_token"] = _id_token(tenant, client, user, scopes, tokens["access_token"], auth_time=auth_time,
                                       nonce=nonce)
    return tokens


def _id_token(tenant, client, user, scopes, access_token, *, auth_time, nonce):
    """Signed with the tenant's key and not stored: a JWT nothing looks up (logout checks its signature;
    oidc-provider keeps none either). `auth_time` is the tenant session's sign-in, carried by the code, then by its
    exchange's record for the refresh family; a family with no known sign-in time gets none rather than a wrong one."""
    now = int(time.time())
    claims = {"aud": client.client_id, "iat": now, "at_hash": pkce.at_hash(access_token),
              **claims_for(user, scopes), "iss": tenant.issuer,
              "exp": now + oauth2_settings.ID_TOKEN_EXPIRE_SECONDS, "jti": str(uuid.uuid4())}
    if nonce:
        claims["nonce"] = nonce
    if auth_time is not None:
        claims["auth_time"] = int(auth_time)
    return keys.signed_jwt(tenant.pk, claims)


def _add_tokens(batch, client, user, scopes, tokens, *, family, rotated=None, reissue_access_token_id=None,
                resource=()):
    """Add the writes of the access token (over the row `reissue_access_token_id` for a rotation) and the refresh
    token to `batch`."""
    expires = timezone.now() + timedelta(seconds=tokens["expires_in"])
    access = AccessToken(user=user, scope=" ".join(scopes), expires=expires, application=client,
                         source_refresh_token=rotated, resource=list(resource))
    set_token_value(access, tokens["access_token"])
    if reissue_access_token_id is None:
        batch.insert(access)
        held = {"access_token_id": (AccessToken, "token_checksum", reuse.token_checksum(tokens["access_token"]))}
    else:
        batch.update(AccessToken, reissue_access_token_id,
                     {field.attname: field.pre_save(access, False) for field in _REISSUED_FIELDS}, claim=True)
        access.pk, held = reissue_access_token_id, None
    if "refresh_token" in tokens:
        refresh = RefreshToken(user=user, application=client, access_token=access if held is None else None,
                               token_family=family, resource=list(resource))
        set_token_value(refresh, tokens["refresh_token"])
        batch.insert(refresh, links=held)


def _written(batch):
    """Run `batch` as one transaction, kept only if the database refused none of its statements and each of its
    claims changed its row (one lost to a concurrent request): otherwise nothing is, and it is an invalid_grant."""
    try:
        batch.run_whole()
    except (IntegrityError, ClaimLost):
        raise _invalid_grant() from None


# A rotation writes every column of the access token's row but `created`.
_REISSUED_FIELDS = [field for field in AccessToken._meta.concrete_fields
                    if not field.primary_key and field.name != "created"]
