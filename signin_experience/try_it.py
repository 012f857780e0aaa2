""""Try it": the tenant's REAL hosted sign-in, opened from the console through the built-in live-preview app.

The console plays the app's part, as Logto's live preview does: it sends the admin's browser to the tenant's
authorization endpoint with PKCE, state and nonce, and its callback page exchanges the code through the tenant's
own token engine (in process: the same oauthlib server and validator as `/oidc/token`), checks the ID token
against the tenant's published keys and shows its claims. What the flow needs between the two requests is kept in
the admin's session, per tenant.
"""
import base64
import hashlib
import json
import secrets
import time
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from jwcrypto import jwk, jwt
from jwcrypto.common import JWException

from console.applications.live_preview import application_live_preview_ensure
from console.oidc.keys import published_jwks_json
from console.oidc.grants import token_answer

SCOPES = "openid profile email phone"
# A started "Try it" can be finished for this long (the hosted page's own stash lasts an hour too).
PENDING_SECONDS = 3600


class TryItError(Exception):
    """Why the callback shows no claims; the message is for the admin."""


def _key(tenant):
    return f"postern.try_it.{tenant.pk}"


def try_it_start(request, tenant, *, redirect_uri, ui_locales=""):
    """The URL of the tenant's authorization endpoint for a new "Try it" (the live-preview app is made if
    missing), in `ui_locales` when given. `prompt=login`: the sign-in page shows even when this browser is
    already signed in to the tenant."""
    app = application_live_preview_ensure(tenant=tenant, redirect_uri=redirect_uri, acting_user=request.user)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    pending = {s: p for s, p in (request.session.get(_key(tenant)) or {}).items()
               if time.time() - p["at"] < PENDING_SECONDS}
    pending[state] = {"at": time.time(), "verifier": verifier, "nonce": nonce, "client_id": app.client_id,
                      "redirect_uri": redirect_uri}
    request.session[_key(tenant)] = dict(sorted(pending.items(), key=lambda item: item[1]["at"])[-5:])
    params = {"client_id": app.client_id, "redirect_uri": redirect_uri, "response_type": "code", "scope": SCOPES,
              "state": state, "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256",
              "prompt": "login"}
    if ui_locales:
        params["ui_locales"] = ui_locales
    return f"{tenant.issuer}/auth?{urlencode(params)}"


def try_it_finish(request, tenant, params):
    """The verified ID token's claims of the sign-in that came back to the callback; raises TryItError."""
    if params.get("error"):
        raise TryItError(_("The sign-in ended with an error: %(error)s %(description)s")
                         % {"error": params["error"], "description": params.get("error_description", "")})
    pending = (request.session.get(_key(tenant)) or {}).copy()
    flow = pending.pop(params.get("state", ""), None)
    if flow is None or time.time() - flow["at"] >= PENDING_SECONDS:
        raise TryItError(_("This page was not opened by a “Try it” of this browser, or it was already used. "
                           "Start again with “Try it”."))
    request.session[_key(tenant)] = pending
    if params.get("iss") and params["iss"] != tenant.issuer:
        raise TryItError(_("The answer came from another issuer."))
    status, tokens = token_answer(tenant, {"grant_type": "authorization_code", "code": params.get("code", ""),
                                           "redirect_uri": flow["redirect_uri"], "client_id": flow["client_id"],
                                           "code_verifier": flow["verifier"]})
    if status != 200 or "id_token" not in tokens:
        raise TryItError(_("The code exchange was refused: %(error)s") % {"error": tokens.get("error", status)})
    return _verified_claims(tenant, tokens["id_token"], client_id=flow["client_id"], nonce=flow["nonce"])


def _verified_claims(tenant, id_token, *, client_id, nonce):
    keys = jwk.JWKSet.from_json(published_jwks_json(tenant.pk))
    try:
        token = jwt.JWT(jwt=id_token, key=keys, algs=["RS256"],
                        check_claims={"iss": tenant.issuer, "aud": client_id, "exp": None})
    except (JWException, ValueError) as exc:
        raise TryItError(_("The ID token did not verify: %(reason)s") % {"reason": exc}) from None
    claims = json.loads(token.claims)
    if claims.get("nonce") != nonce:
        raise TryItError(_("The ID token's nonce is not the one this sign-in sent."))
    return claims


TIME_CLAIMS = ("exp", "iat", "auth_time", "updated_at")


def claim_rows(claims):
    """(claim, value as shown) pairs: times also as UTC dates, empty values as JSON's null."""
    rows = []
    for name, value in claims.items():
        shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
        if name in TIME_CLAIMS and isinstance(value, int):
            shown = f"{value} ({time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(value))})"
        rows.append((name, shown))
    return rows
