"""The hot paths of the token and userinfo endpoints, without oauthlib's per-request machinery.

Profiling (bench/, README "Performance") showed the token endpoint spending ~25 ms and ~25 SQL queries per
exchange or refresh: oauthlib asks the validator the same questions one by one (the Grant row is read 7 times,
the application 3 times, the signing key 3 times) and django-oauth-toolkit re-verifies the ID token it has just
signed to find its row again.

These functions serve only the common, fully valid case of a *public* client — authorization_code with PKCE S256
and refresh_token with rotation — and the userinfo call with a valid bearer token, with the same rules, the same
rows and the same response as the oauthlib path (django-oauth-toolkit's models, `TenantValidator`'s rules).
Everything else — any error, a confidential client, a duplicate or unusual parameter, a resource indicator, a
refresh token that was already rotated (reuse detection) — returns None *before anything is written*, and the
caller runs the full oauthlib path, which then produces the exact error and side effects it always did.

Two round trips per grant: one read (grant or refresh token joined with its application and user), then, after
the checks and the ID token signature, one statement that consumes the grant or rotates the refresh token and
inserts the new rows — all or nothing, and nothing at all if a concurrent request consumed it first.
"""
import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta

from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from jwcrypto import jwt
from oauth2_provider.models import (get_access_token_model, get_grant_model, get_id_token_model,
                                    get_refresh_token_model, refresh_token_expire_timedelta, set_token_value)
from oauth2_provider.settings import oauth2_settings

from console.accounts.models import User
from console.applications.models import Application
from console.ids import bearer_token
from console.oidc import reuse, rows
from console.oidc.claims import claims_for
from console.oidc.keys import current_signing_jwk

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()
IDToken = get_id_token_model()

_CODE_PARAMS = {"grant_type", "code", "redirect_uri", "client_id", "code_verifier"}
_REFRESH_PARAMS = {"grant_type", "refresh_token", "client_id"}


def _form(request, allowed):
    """The POSTed form as a dict, or None when oauthlib should look at it (extra/duplicate params, query, auth)."""
    if request.GET or "HTTP_AUTHORIZATION" in request.META:
        return None
    # django-oauth-toolkit reads request.POST whatever the encoding, so both form encodings are the same request.
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data") or request.FILES:
        return None
    post = request.POST
    if not set(post.keys()) <= allowed:
        return None
    form = {}
    for key, values in post.lists():
        if len(values) != 1 or not values[0]:
            return None
        form[key] = values[0]
    return form


def _public_app_ok(app, tenant, client_id):
    return (app.client_id == client_id and app.tenant_id == tenant.pk and app.is_public
            and app.client_type == Application.CLIENT_PUBLIC
            and app.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
            and app.algorithm == Application.RS256_ALGORITHM)


def _at_hash(access_token):
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def _id_token(tenant, app, user, scopes, access_token, nonce=None):
    """Sign the ID token exactly as django-oauth-toolkit's finalize_id_token does; return (jwt, jti, expires)."""
    claims = {"aud": app.client_id, "iat": int(time.time())}
    if nonce:
        claims["nonce"] = nonce
    claims["at_hash"] = _at_hash(access_token)
    claims.update(claims_for(user, scopes))
    now = timezone.now()
    expires = now + timedelta(seconds=oauth2_settings.ID_TOKEN_EXPIRE_SECONDS)
    auth_time = user.last_login or now
    jti = str(uuid.uuid4())
    claims.update(iss=tenant.issuer, exp=int(expires.timestamp()), auth_time=int(auth_time.timestamp()), jti=jti)
    key = current_signing_jwk(tenant.pk)
    token = jwt.JWT(header=json.dumps({"typ": "JWT", "alg": app.algorithm, "kid": key.thumbprint()}),
                    claims=json.dumps(claims, default=str))
    token.make_signed_token(key)
    return token.serialize(), jti, expires


_NEW_FAMILY = object()


def _issue(tenant, app, user, scopes, lead, lead_params, nonce=None, source_refresh_token_id=None,
           token_family=_NEW_FAMILY, redeemed=None):
    """Mint the tokens and write their rows in ONE statement, chained after `lead` — a CTE named `lead` that
    consumes the grant (DELETE … RETURNING) or rotates the refresh token (UPDATE … RETURNING) and yields one row
    only if it still could. Returns the response body, or None when the lead yielded nothing (a concurrent
    request got there first; nothing was written and oauthlib's path gives the exact answer). `redeemed`, a
    code's RedeemedCode, is written in the same statement with what the exchange issued."""
    access = bearer_token()
    scope = " ".join(scopes)
    body = {"access_token": access, "expires_in": oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS,
            "token_type": "Bearer", "scope": scope}
    ctes, params = [lead], list(lead_params)
    links = {}
    if "openid" in scopes:
        body["id_token"], jti, id_expires = _id_token(tenant, app, user, scopes, access, nonce)
        sql, values = rows.insert_step("new_id_token", IDToken(user=user, scope=scope, expires=id_expires, jti=jti,
                                                               application=app), "lead")
        ctes.append(sql)
        params += values
        links["id_token_id"] = "new_id_token"
    access_row = AccessToken(user=user, scope=scope, application=app, resource=[],
                             source_refresh_token_id=source_refresh_token_id,
                             expires=timezone.now() + timedelta(seconds=oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS))
    set_token_value(access_row, access)
    sql, values = rows.insert_step("new_access_token", access_row, "lead", links)
    ctes.append(sql)
    params += values
    if "offline_access" in scopes:
        body["refresh_token"] = bearer_token()
        refresh_row = RefreshToken(user=user, application=app, resource=[],
                                   token_family=uuid.uuid4() if token_family is _NEW_FAMILY else token_family)
        set_token_value(refresh_row, body["refresh_token"])
        sql, values = rows.insert_step("new_refresh_token", refresh_row, "lead",
                                       {"access_token_id": "new_access_token"})
        ctes.append(sql)
        params += values
        if redeemed is not None:
            redeemed.token_family = refresh_row.token_family
    if redeemed is not None:
        sql, values = rows.insert_step("redeemed", redeemed, "lead", {"access_token_id": "new_access_token"})
        ctes.append(sql)
        params += values
    written = rows.fetch_one(f"WITH {', '.join(ctes)} SELECT count(*) FROM new_access_token", params)
    return body if written[0] == 1 else None


def _token_response(body):
    response = HttpResponse(json.dumps(body), content_type="application/json")
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _pkce_ok(grant, verifier):
    if grant.code_challenge_method != "S256" or not grant.code_challenge:
        return False
    computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return hmac.compare_digest(computed.encode(), grant.code_challenge.encode())


def exchange_code(request, tenant):
    form = _form(request, _CODE_PARAMS)
    if form is None or form.get("grant_type") != "authorization_code" or _CODE_PARAMS - form.keys():
        return None
    grant, app, user = _grant(form["code"])
    if grant is None or grant.is_expired() or grant.resource:
        return None
    if not _public_app_ok(app, tenant, form["client_id"]) or user is None or user.is_suspended:
        return None
    if grant.redirect_uri != form["redirect_uri"] or not _pkce_ok(grant, form["code_verifier"]):
        return None
    # The code is single-use: only the request whose DELETE removes the row gets tokens.
    lead = f"lead AS (DELETE FROM {Grant._meta.db_table} WHERE id = %s RETURNING id)"
    body = _issue(tenant, app, user, grant.scope.split(" "), lead, [grant.pk], nonce=grant.nonce or None,
                  redeemed=reuse.redeemed_code(grant, now=timezone.now()))
    return body and _token_response(body)


def refresh(request, tenant):
    form = _form(request, _REFRESH_PARAMS)
    if form is None or form.get("grant_type") != "refresh_token" or _REFRESH_PARAMS - form.keys():
        return None
    checksum = hashlib.sha256(form["refresh_token"].encode()).hexdigest()
    old, app, user, previous, refreshed = _live_refresh_token(checksum)
    if old is None or old.resource:
        return None  # unknown, or already rotated: reuse detection is oauthlib's path
    if not _public_app_ok(app, tenant, form["client_id"]) or user is None or user.is_suspended:
        return None
    if previous is None or previous.resource or refreshed:
        return None
    now = timezone.now()
    expire_delta = refresh_token_expire_timedelta()
    if expire_delta and previous.expires + expire_delta <= now:
        return None
    if old.created + timedelta(days=app.refresh_token_ttl_days) <= now:
        return None
    # Rotate as RefreshToken.revoke() does — the old access token goes, the old refresh token is marked revoked
    # and kept for reuse detection — and chain the new pair (same family) on it, only if it is still live.
    table, access_table = RefreshToken._meta.db_table, AccessToken._meta.db_table
    lead = (f"live AS (SELECT id, access_token_id FROM {table} WHERE id = %s AND revoked IS NULL FOR UPDATE), "
            f"lead AS (UPDATE {table} r SET revoked = %s, access_token_id = NULL, updated = %s FROM live "
            f"WHERE r.id = live.id RETURNING live.access_token_id AS previous_id), "
            f"dropped AS (DELETE FROM {access_table} WHERE id IN (SELECT previous_id FROM lead))")
    body = _issue(tenant, app, user, previous.scope.strip().split(" "), lead, [old.pk, now, now],
                  source_refresh_token_id=old.pk, token_family=old.token_family)
    return body and _token_response(body)


def _grant(code):
    """The Grant of `code`, its application and user, in one statement."""
    row = rows.fetch_one(
        f"SELECT {rows.columns(Grant, 'g')}, {rows.columns(Application, 'a')}, {rows.columns(User, 'u')} "
        f"FROM {Grant._meta.db_table} g JOIN {Application._meta.db_table} a ON a.id = g.application_id "
        f"JOIN {User._meta.db_table} u ON u.id = g.user_id WHERE g.code = %s",
        [code])
    if row is None:
        return None, None, None
    grant = rows.instance(Grant, "g", row, 0)
    app = rows.instance(Application, "a", row, rows.width(Grant))
    user = rows.instance(User, "u", row, rows.width(Grant) + rows.width(Application))
    grant.application, grant.user = app, user
    return grant, app, user


def _live_refresh_token(checksum):
    """The live refresh token of `checksum` with its application, user and access token, and whether
    an access token was already minted from it, in one statement."""
    w_rt, w_app, w_user = rows.width(RefreshToken), rows.width(Application), rows.width(User)
    row = rows.fetch_one(
        f"SELECT {rows.columns(RefreshToken, 'r')}, {rows.columns(Application, 'a')}, {rows.columns(User, 'u')}, "
        f"{rows.columns(AccessToken, 't')}, (SELECT s.id FROM {AccessToken._meta.db_table} s "
        f"WHERE s.source_refresh_token_id = r.id) "
        f"FROM {RefreshToken._meta.db_table} r JOIN {Application._meta.db_table} a ON a.id = r.application_id "
        f"JOIN {User._meta.db_table} u ON u.id = r.user_id "
        f"LEFT JOIN {AccessToken._meta.db_table} t ON t.id = r.access_token_id "
        f"WHERE r.token_checksum = %s AND r.revoked IS NULL ORDER BY r.id LIMIT 1",
        [checksum])
    if row is None:
        return None, None, None, None, None
    old = rows.instance(RefreshToken, "r", row, 0)
    app = rows.instance(Application, "a", row, w_rt)
    user = rows.instance(User, "u", row, w_rt + w_app)
    previous = rows.instance(AccessToken, "t", row, w_rt + w_app + w_user)
    old.application, old.user, old.access_token = app, user, previous
    return old, app, user, previous, row[-1] is not None


def token(request, tenant):
    """The token response for the plain valid public-client case, or None (then oauthlib answers). PostgreSQL
    only: the write is one data-modifying CTE, which SQLite (the embedded default) does not have."""
    if connection.vendor != "postgresql":
        return None
    grant_type = request.POST.get("grant_type") if request.method == "POST" else None
    if grant_type == "authorization_code":
        return exchange_code(request, tenant)
    if grant_type == "refresh_token":
        return refresh(request, tenant)
    return None


def userinfo_access_token(request, tenant):
    """The valid access token of `Authorization: Bearer …` issued by this tenant, with the openid scope and an
    active user; None otherwise. This is the only userinfo path: the rules are few and all here."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer" or request.GET.get("access_token"):
        return None
    checksum = hashlib.sha256(parts[1].encode()).hexdigest()
    row = rows.fetch_one(
        f"SELECT {rows.columns(AccessToken, 't')}, {rows.columns(Application, 'a')}, {rows.columns(User, 'u')} "
        f"FROM {AccessToken._meta.db_table} t LEFT JOIN {Application._meta.db_table} a ON a.id = t.application_id "
        f"LEFT JOIN {User._meta.db_table} u ON u.id = t.user_id WHERE t.token_checksum = %s ORDER BY t.id LIMIT 1",
        [checksum])
    found = row and rows.instance(AccessToken, "t", row, 0)
    if found:
        found.application = rows.instance(Application, "a", row, rows.width(AccessToken))
        found.user = rows.instance(User, "u", row, rows.width(AccessToken) + rows.width(Application))
    if (found is None or found.resource or not found.is_valid(["openid"]) or found.user is None
            or found.user.is_suspended or found.application is None or found.application.tenant_id != tenant.pk):
        return None
    return found
