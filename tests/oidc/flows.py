"""Helpers that walk the authorization code flow with Django's test client (for refusal tests), and one that calls
a WSGI application as the web server does."""
import base64
import hashlib
import io
import secrets
from unittest import mock
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.util import setup_testing_defaults

from django.core import signals
from django.db import close_old_connections

from console.oidc import middleware

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


def wsgi_call(application, path, method="GET", body=b"", *, tidy_connections=False, **headers):
    """(status, headers, body) of `application` for this request. Unless `tidy_connections`, the request cycle
    leaves the database connections alone, as Django's test client has it do: the test's transaction is on one."""
    path, _, query = path.partition("?")
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "testserver",
               "HTTP_HOST": "testserver", "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    if body:
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    environ.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    if tidy_connections:
        return _answered(application, environ, start_response, answer)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        # The API lane tidies the connections itself, past the signals.
        with mock.patch.object(middleware, "close_old_connections", lambda: None):
            return _answered(application, environ, start_response, answer)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _answered(application, environ, start_response, answer):
    chunks = application(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return int(answer["status"].split()[0]), answer["headers"], body
