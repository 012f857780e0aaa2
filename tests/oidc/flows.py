"""Helpers that walk the authorization code flow with Django's test client (for refusal tests)."""
import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.conftest import PASSWORD


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(app, challenge, **extra):
    params = {
        "client_id": app.client_id, "redirect_uri": app.redirect_uri_list[0], "response_type": "code",
        "scope": "openid offline_access profile", "state": "st4te", "code_challenge": challenge,
        "code_challenge_method": "S256", "prompt": "consent",
    }
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def location_params(response):
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def sign_in(client, tenant, params, identifier="reader", password=PASSWORD):
    url = f"/t/{tenant.id}/sign-in?{urlencode(params)}"
    return client.post(url, {"identifier": identifier, "password": password})


def get_code(client, tenant, app, identifier="reader", **extra):
    verifier, challenge = pkce_pair()
    response = sign_in(client, tenant, authorize_params(app, challenge, **extra), identifier=identifier)
    assert response.status_code == 302, response.content.decode()[:500]
    return location_params(response)["code"], verifier


def exchange(client, tenant, app, code, verifier, **extra):
    data = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": app.redirect_uri_list[0], "client_id": app.client_id}
    data.update(extra)
    return client.post(f"/t/{tenant.id}/oidc/token", data)


def tokens_for(client, tenant, app, identifier="reader"):
    code, verifier = get_code(client, tenant, app, identifier=identifier)
    response = exchange(client, tenant, app, code, verifier)
    assert response.status_code == 200, response.content
    return response.json()
