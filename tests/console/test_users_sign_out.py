"""An admin's password reset (box ticked) and a suspension end the end user's SSO sessions and tokens."""
import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from console.audit.models import AuditEntry
from tests.oidc.flows import authorize_params, pkce_pair, sign_in, tokens_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(settings, tenant, admin, make_app, make_end_user):
    """An end user signed in on their own browser, holding an access and a refresh token."""
    settings.PUBLIC_URL = "http://testserver"
    app = make_app(tenant, admin)
    user = make_end_user(tenant, username="reader")
    browser = Client()
    tokens = tokens_for(browser, tenant, app)
    assert _sso_skips_sign_in(browser, tenant, app)
    return app, user, browser, tokens


def _refresh(tenant, app, refresh_token):
    return Client().post(f"/t/{tenant.id}/oidc/token", {
        "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": app.client_id})


def _userinfo(tenant, access_token):
    return Client().get(f"/t/{tenant.id}/oidc/me", HTTP_AUTHORIZATION=f"Bearer {access_token}")


def _sso_skips_sign_in(browser, tenant, app):
    response = browser.get(f"/t/{tenant.id}/oidc/auth?{urlencode(authorize_params(app, pkce_pair()[1]))}")
    assert response.status_code == 302
    return "code=" in response["Location"] and "/sign-in?" not in response["Location"]


def _reset(admin_client, tenant, user, **data):
    return admin_client.post(reverse("users:password_reset", args=[tenant.id, user.uid]), data)


def test_the_reset_form_offers_sign_out_everywhere_ticked(admin_client, tenant, make_end_user):
    user = make_end_user(tenant, username="bob")
    body = admin_client.get(reverse("users:detail", args=[tenant.id, user.uid])).content.decode()
    checkbox = re.search(r'<input type="checkbox" name="sign_out_everywhere"[^>]*>', body).group(0)
    assert checkbox.endswith(" checked>")


def test_reset_with_the_box_ticked_ends_sessions_and_tokens(admin_client, tenant, signed_in):
    app, user, browser, tokens = signed_in
    assert _reset(admin_client, tenant, user, sign_out_everywhere="on").status_code == 302
    assert _userinfo(tenant, tokens["access_token"]).status_code == 401
    refused = _refresh(tenant, app, tokens["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert not _sso_skips_sign_in(browser, tenant, app)
    entry = AuditEntry.objects.get(action="user.password_reset")
    assert entry.changes["signed_out_everywhere"] is True and entry.changes["password"] == "(reset)"


def test_reset_with_the_box_unticked_keeps_sessions_and_tokens(admin_client, tenant, signed_in):
    app, user, browser, tokens = signed_in
    assert _reset(admin_client, tenant, user).status_code == 302
    assert _refresh(tenant, app, tokens["refresh_token"]).status_code == 200
    assert _sso_skips_sign_in(browser, tenant, app)
    assert AuditEntry.objects.get(action="user.password_reset").changes["signed_out_everywhere"] is False


def test_suspension_ends_sessions_and_tokens_even_after_reactivation(admin_client, tenant, signed_in):
    app, user, browser, tokens = signed_in
    for suspended in ("1", "0"):
        admin_client.post(reverse("users:suspend", args=[tenant.id, user.uid]), {"suspended": suspended})
    assert _userinfo(tenant, tokens["access_token"]).status_code == 401
    refused = _refresh(tenant, app, tokens["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert not _sso_skips_sign_in(browser, tenant, app)
    assert AuditEntry.objects.get(action="user.suspend").changes == {"signed_out_everywhere": True}


def test_the_new_password_signs_in_afresh(admin_client, tenant, signed_in):
    app, user, browser, _tokens = signed_in
    _reset(admin_client, tenant, user, sign_out_everywhere="on")
    page = admin_client.get(reverse("users:detail", args=[tenant.id, user.uid])).content.decode()
    new_password = re.search(r'class="secret">([0-9A-Za-z]{16})<', page).group(1)
    response = sign_in(browser, tenant, authorize_params(app, pkce_pair()[1]), password=new_password)
    assert response.status_code == 302 and "code=" in response["Location"]
    assert _sso_skips_sign_in(browser, tenant, app)
