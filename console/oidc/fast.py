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
"""
import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta

from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from jwcrypto import jwt
from oauth2_provider.models import (get_access_token_model, get_grant_model, get_id_token_model,
                                    get_refresh_token_model, refresh_token_expire_timedelta, set_token_value)
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import generate_token

from console.accounts.models import User
from console.applications.models import Application
from console.oidc import rows
from console.oidc.claims import claims_for
from console.oidc.keys import current_signing_jwk

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()
IDToken = get_id_token_model()

_CODE_PARAMS = {"grant_type", "code", "redirect_uri", "client_id", "code_verifier"}
_REFRESH_PARAMS = {"grant_type", "refresh_token", "client_id"}


class _Bail(Exception):
    """Not the plain valid case: undo (nothing was written) and let oauthlib answer."""


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


def _issue(tenant, app, user, scopes, nonce=None, source_refresh_token=None, token_family=_NEW_FAMILY):
    """Create the ID token, access token and (with offline_access) refresh token rows; return the response body."""
    access = generate_token()
    scope = " ".join(scopes)
    body = {"access_token": access, "expires_in": oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS,
            "token_type": "Bearer", "scope": scope}
    refresh = generate_token() if "offline_access" in scopes else None
    if refresh:
        body["refresh_token"] = refresh
    id_token = None
    if "openid" in scopes:
        body["id_token"], jti, id_expires = _id_token(tenant, app, user, scopes, access, nonce)
        id_token = rows.insert(IDToken(user=user, scope=scope, expires=id_expires, jti=jti, application=app))
    access_row = AccessToken(user=user, scope=scope, id_token=id_token, application=app,
                             source_refresh_token=source_refresh_token, resource=[],
                             expires=timezone.now() + timedelta(seconds=oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS))
    set_token_value(access_row, access)
    rows.insert(access_row)
    if refresh:
        refresh_row = RefreshToken(user=user, application=app, access_token=access_row, resource=[],
                                   token_family=uuid.uuid4() if token_family is _NEW_FAMILY else token_family)
        set_token_value(refresh_row, refresh)
        rows.insert(refresh_row)
    return body


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
    try:
        with transaction.atomic():
            grant, app, user = _grant_for_update(form["code"])
            if grant is None or grant.is_expired() or grant.resource:
                raise _Bail
            if not _public_app_ok(app, tenant, form["client_id"]) or user is None or user.is_suspended:
                raise _Bail
            if grant.redirect_uri != form["redirect_uri"] or not _pkce_ok(grant, form["code_verifier"]):
                raise _Bail
            scopes = grant.scope.split(" ")
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {Grant._meta.db_table} WHERE id = %s", [grant.pk])
            body = _issue(tenant, app, user, scopes, nonce=grant.nonce or None)
    except _Bail:
        return None
    return _token_response(body)


def refresh(request, tenant):
    form = _form(request, _REFRESH_PARAMS)
    if form is None or form.get("grant_type") != "refresh_token" or _REFRESH_PARAMS - form.keys():
        return None
    checksum = hashlib.sha256(form["refresh_token"].encode()).hexdigest()
    try:
        with transaction.atomic():
            old, app, user, previous, refreshed = _refresh_token_for_update(checksum)
            if old is None or old.resource:
                raise _Bail  # unknown, or already rotated: reuse detection is oauthlib's path
            if not _public_app_ok(app, tenant, form["client_id"]) or user is None or user.is_suspended:
                raise _Bail
            if previous is None or previous.resource or refreshed:
                raise _Bail
            now = timezone.now()
            expire_delta = refresh_token_expire_timedelta()
            if expire_delta and previous.expires + expire_delta <= now:
                raise _Bail
            if old.created + timedelta(days=app.refresh_token_ttl_days) <= now:
                raise _Bail
            scopes = previous.scope.strip().split(" ")  # oauthlib's scope_to_list
            # Rotate: what RefreshToken.revoke() does (the old access token goes, the old refresh token is
            # marked revoked and kept for reuse detection), then a new pair in the same family.
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {RefreshToken._meta.db_table} SET revoked = %s, access_token_id = NULL, "
                               "updated = %s WHERE id = %s", [now, now, old.pk])
                cursor.execute(f"DELETE FROM {AccessToken._meta.db_table} WHERE id = %s", [previous.pk])
            body = _issue(tenant, app, user, scopes, source_refresh_token=old, token_family=old.token_family)
    except _Bail:
        return None
    return _token_response(body)


def _grant_for_update(code):
    """The Grant of `code` (locked), its application and user, in one statement."""
    row = rows.fetch_one(
        f"SELECT {rows.columns(Grant, 'g')}, {rows.columns(Application, 'a')}, {rows.columns(User, 'u')} "
        f"FROM {Grant._meta.db_table} g JOIN {Application._meta.db_table} a ON a.id = g.application_id "
        f"JOIN {User._meta.db_table} u ON u.id = g.user_id WHERE g.code = %s FOR UPDATE OF g",
        [code])
    if row is None:
        return None, None, None
    grant = rows.instance(Grant, "g", row, 0)
    app = rows.instance(Application, "a", row, rows.width(Grant))
    user = rows.instance(User, "u", row, rows.width(Grant) + rows.width(Application))
    grant.application, grant.user = app, user
    return grant, app, user


def _refresh_token_for_update(checksum):
    """The live refresh token of `checksum` (locked) with its application, user and access token, and whether
    an access token was already minted from it, in one statement."""
    w_rt, w_app, w_user = rows.width(RefreshToken), rows.width(Application), rows.width(User)
    row = rows.fetch_one(
        f"SELECT {rows.columns(RefreshToken, 'r')}, {rows.columns(Application, 'a')}, {rows.columns(User, 'u')}, "
        f"{rows.columns(AccessToken, 't')}, (SELECT s.id FROM {AccessToken._meta.db_table} s "
        f"WHERE s.source_refresh_token_id = r.id) "
        f"FROM {RefreshToken._meta.db_table} r JOIN {Application._meta.db_table} a ON a.id = r.application_id "
        f"JOIN {User._meta.db_table} u ON u.id = r.user_id "
        f"LEFT JOIN {AccessToken._meta.db_table} t ON t.id = r.access_token_id "
        f"WHERE r.token_checksum = %s AND r.revoked IS NULL ORDER BY r.id LIMIT 1 FOR UPDATE OF r",
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
    """The token response for the plain valid public-client case, or None (then oauthlib answers)."""
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
