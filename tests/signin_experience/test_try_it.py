""""Try it": the tenant's real hosted sign-in through its built-in live-preview app, ending on a console page that
exchanges the code (PKCE) and shows the ID token's claims."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from console.applications.models import Application
from console.audit.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(admin_client, settings):
    # The live-preview app is a Single page app: its redirect URI (this console page) is https or loopback http.
    settings.PUBLIC_URL = "http://localhost"
    admin_client.defaults["HTTP_HOST"] = "localhost"
    return admin_client


def try_it(console, tenant, **data):
    return console.post(reverse("signin_experience:try_it", args=[tenant.id]), data)


def sign_in_through(console, authorize_url, identifier="reader"):
    """The hosted page in the admin's own browser: /auth → sign-in page → the password → back to the console."""
    page = console.get(authorize_url)
    assert page.status_code == 302 and "/sign-in?authz=" in page["Location"], page
    back = console.post(page["Location"], {"identifier": identifier, "password": PASSWORD})
    assert back.status_code == 302, back.content.decode()[:600]
    return back["Location"]


def test_try_it_makes_the_live_preview_app_and_opens_the_real_sign_in(console, tenant, admin):
    response = try_it(console, tenant, ui_locales="zh-Hans")
    assert response.status_code == 302
    app = Application.objects.get(tenant=tenant, is_live_preview=True)
    assert app.app_type == Application.AppType.SPA and app.is_public
    callback = f"http://localhost/console/t/{tenant.id}/sign-in-experience/try-it/callback"
    assert app.redirect_uri_list == [callback]
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{tenant.issuer}/auth"
    params = {key: values[0] for key, values in parse_qs(target.query).items()}
    assert params["client_id"] == app.client_id and params["redirect_uri"] == callback
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert params["prompt"] == "login" and params["ui_locales"] == "zh-Hans" and params["nonce"]
    assert AuditEntry.objects.filter(tenant=tenant, action="application.create", actor=admin,
                                     target_label=app.name).count() == 1
    # A second "Try it" uses the same app; one deleted by the admin is made again.
    try_it(console, tenant)
    assert Application.objects.filter(tenant=tenant, is_live_preview=True).count() == 1
    app.delete()
    try_it(console, tenant)
    assert Application.objects.filter(tenant=tenant, is_live_preview=True).count() == 1


def test_try_it_ends_on_the_claims_of_who_signed_in(console, tenant, make_end_user):
    reader = make_end_user(tenant, username="reader", phone="+8613900139001")
    callback = sign_in_through(console, try_it(console, tenant)["Location"])
    assert callback.startswith(f"http://localhost/console/t/{tenant.id}/sign-in-experience/try-it/callback?code=")
    page = console.get(callback)
    body = page.content.decode()
    assert page.status_code == 200, body[:2000]
    assert page["Cache-Control"].startswith("max-age=0")
    sub = f'<dd data-claim-sub><a href="/console/t/{tenant.id}/users/{reader.uid}">{reader.uid}</a></dd>'
    assert sub in body
    assert "reader" in body and "+8613900139001" in body and tenant.issuer in body
    # The callback is used once: the same answer again shows why, without claims.
    again = console.get(callback)
    assert again.status_code == 400 and "data-claim-sub" not in again.content.decode()


def test_a_callback_this_browser_did_not_start_is_refused(console, tenant, admin, make_end_user):
    make_end_user(tenant, username="reader")
    callback = sign_in_through(console, try_it(console, tenant)["Location"])
    other = type(console)(HTTP_HOST="localhost")  # another browser of the same admin
    other.force_login(admin)
    answer = other.get(callback)
    assert answer.status_code == 400
    assert "Start again with “Try it”" in answer.content.decode()


def test_a_sign_in_that_ends_in_an_error_says_so(console, tenant):
    try_it(console, tenant)
    url = reverse("signin_experience:try_it_callback", args=[tenant.id])
    answer = console.get(url, {"error": "access_denied", "error_description": "no", "state": "x"})
    assert answer.status_code == 400 and "access_denied" in answer.content.decode()


def test_try_it_is_a_post(console, tenant):
    assert console.get(reverse("signin_experience:try_it", args=[tenant.id])).status_code == 405
    assert not Application.objects.filter(tenant=tenant).exists()


def test_a_console_address_the_uri_rules_refuse_is_explained(admin_client, tenant, settings):
    admin_client.defaults["HTTP_HOST"] = "testserver"  # http on a host that is not loopback
    response = admin_client.post(reverse("signin_experience:try_it", args=[tenant.id]), follow=True)
    assert "cannot use this console address as a redirect URI" in response.content.decode()
    assert not Application.objects.filter(tenant=tenant).exists()


def test_the_preview_app_is_listed_marked_and_is_not_a_getting_started_step(console, tenant):
    try_it(console, tenant)
    listing = console.get(reverse("applications:list", args=[tenant.id])).content.decode()
    assert "Live preview</a> <span class=\"tag\" data-live-preview" in listing and "Built-in preview app" in listing
    app = Application.objects.get(tenant=tenant, is_live_preview=True)
    detail = console.get(reverse("applications:detail", args=[tenant.id, app.client_id])).content.decode()
    assert "data-live-preview" in detail
    started = console.get(reverse("getting_started:index", args=[tenant.id])).content.decode()
    assert 'data-step="app_created" data-done="false"' in started
    assert f"http://localhost/t/{tenant.id}/sign-in" in started  # the hosted page's address, with copy


def test_an_id_token_for_another_nonce_is_refused(console, tenant, make_end_user):
    make_end_user(tenant, username="reader")
    authorize = try_it(console, tenant)["Location"]
    session = console.session
    key = f"postern.try_it.{tenant.pk}"
    session[key] = {state: dict(flow, nonce="not-the-one-sent") for state, flow in session[key].items()}
    session.save()
    answer = console.get(sign_in_through(console, authorize))
    assert answer.status_code == 400 and "nonce" in answer.content.decode()
    assert "data-claim-sub" not in answer.content.decode()


def test_a_callback_with_another_state_is_refused(console, tenant, make_end_user):
    make_end_user(tenant, username="reader")
    callback = sign_in_through(console, try_it(console, tenant)["Location"])
    forged = re.sub(r"state=[^&]+", "state=forged", callback)
    answer = console.get(forged)
    assert answer.status_code == 400 and "data-claim-sub" not in answer.content.decode()
    assert console.get(callback).status_code == 200  # the real one still works
