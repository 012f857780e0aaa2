"""RP-initiated logout: without a valid id_token_hint a confirmation form (CSRF-protected) ends the session,
never a bare GET; with one the session ends at once."""
import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.oidc.flows import authorize_params, pkce_pair, tokens_for

pytestmark = pytest.mark.django_db

SIGN_OUT_URI = "com.example.app://callback/sign-out"


@pytest.fixture
def signed_in(settings, make_admin, make_tenant, make_app, make_end_user):
    """A browser signed in on a tenant (CSRF enforced as a real browser meets it) and its tokens."""
    settings.PUBLIC_URL = "http://testserver"
    owner = make_admin("owner")
    tenant = make_tenant(owner, name="A")
    app = make_app(tenant, owner)
    make_end_user(tenant, username="reader")
    signing_in = Client()
    tokens = tokens_for(signing_in, tenant, app)
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = signing_in.cookies
    assert _still_signed_in(browser, tenant, app)
    return tenant, app, browser, tokens


def _still_signed_in(browser, tenant, app):
    response = browser.get(f"/t/{tenant.id}/oidc/auth?{urlencode(authorize_params(app, pkce_pair()[1]))}")
    assert response.status_code == 302
    return "code=" in response["Location"] and "/sign-in?" not in response["Location"]


def _end_url(tenant, **params):
    return f"/t/{tenant.id}/oidc/session/end?{urlencode(params)}"


def _hidden_fields(body):
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body))


def test_a_bare_get_shows_the_confirmation_and_leaves_the_session(signed_in):
    tenant, app, browser, _tokens = signed_in
    response = browser.get(_end_url(tenant, client_id=app.client_id, post_logout_redirect_uri=SIGN_OUT_URI,
                                    state="s1"))
    body = response.content.decode()
    assert response.status_code == 200
    assert f'action="/t/{tenant.id}/oidc/session/end/confirm"' in body and 'method="post"' in body
    assert "/static/postern/logout-confirm.js" in body and "<button" in body
    fields = _hidden_fields(body)
    assert fields["client_id"] == app.client_id and fields["post_logout_redirect_uri"] == SIGN_OUT_URI
    assert fields["state"] == "s1" and fields["csrfmiddlewaretoken"]
    assert _still_signed_in(browser, tenant, app)


def test_a_cross_site_post_without_hint_or_csrf_token_leaves_the_session(signed_in):
    tenant, app, browser, _tokens = signed_in
    assert browser.post(f"/t/{tenant.id}/oidc/session/end", {"client_id": app.client_id}).status_code == 200
    forged = browser.post(f"/t/{tenant.id}/oidc/session/end/confirm",
                          {"client_id": app.client_id, "post_logout_redirect_uri": SIGN_OUT_URI})
    assert forged.status_code == 403
    assert _still_signed_in(browser, tenant, app)


def test_the_confirmed_form_ends_the_session_at_the_post_logout_uri_with_state(signed_in):
    tenant, app, browser, _tokens = signed_in
    page = browser.get(_end_url(tenant, client_id=app.client_id, post_logout_redirect_uri=SIGN_OUT_URI,
                                state="s1"))
    confirmed = browser.post(f"/t/{tenant.id}/oidc/session/end/confirm", _hidden_fields(page.content.decode()))
    assert confirmed.status_code == 302 and confirmed["Location"] == f"{SIGN_OUT_URI}?state=s1"
    assert not _still_signed_in(browser, tenant, app)


def test_a_valid_id_token_hint_ends_the_session_at_once(signed_in):
    tenant, app, browser, tokens = signed_in
    response = browser.get(_end_url(tenant, id_token_hint=tokens["id_token"], post_logout_redirect_uri=SIGN_OUT_URI))
    assert response.status_code == 302 and response["Location"] == SIGN_OUT_URI
    assert not _still_signed_in(browser, tenant, app)


def test_a_forged_id_token_hint_only_gets_the_confirmation(signed_in):
    tenant, app, browser, tokens = signed_in
    header, payload, signature = tokens["id_token"].split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    response = browser.get(_end_url(tenant, id_token_hint=forged, post_logout_redirect_uri=SIGN_OUT_URI))
    assert response.status_code == 200 and "id_token_hint" not in _hidden_fields(response.content.decode())
    assert _still_signed_in(browser, tenant, app)
