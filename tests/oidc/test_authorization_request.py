"""The authorization request over HTTP: prompt, max_age and response_mode per OpenID Connect Core §3.1.2.1, and
one validation of the request per sign-in (the hosted pages read the stashed request)."""
import base64
import json
from urllib.parse import urlencode

import pytest
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import AuthorizationCodeGrant

from tests.conftest import PASSWORD
from tests.oidc.flows import authorize_params, exchange, location_params, pkce_pair

pytestmark = pytest.mark.django_db


def authorize(client, tenant, app, challenge=None, **extra):
    params = authorize_params(app, challenge or pkce_pair()[1], **extra)
    return client.get(f"/t/{tenant.id}/oidc/auth?{urlencode(params)}")


def sign_in_through(client, page_url, identifier="reader", password=PASSWORD):
    return client.post(page_url, {"identifier": identifier, "password": password})


def signed_in(client, tenant, app):
    """A browser with a session at the tenant (signed in through /auth and the hosted page)."""
    page = authorize(client, tenant, app)
    assert page.status_code == 302 and "/sign-in?" in page["Location"]
    done = sign_in_through(client, page["Location"])
    assert done.status_code == 302 and "code" in location_params(done), done.content[:300]


def id_token_claims(client, tenant, app, response, verifier):
    tokens = exchange(client, tenant, app, location_params(response)["code"], verifier).json()
    payload = tokens["id_token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_the_request_is_validated_once_per_sign_in(client, setup, monkeypatch):
    tenant, app, *_ = setup
    calls = []
    validate = AuthorizationCodeGrant.validate_authorization_request
    monkeypatch.setattr(AuthorizationCodeGrant, "validate_authorization_request",
                        lambda self, request: calls.append(1) or validate(self, request))
    page = authorize(client, tenant, app)
    assert client.get(page["Location"]).status_code == 200
    assert client.get(page["Location"]).status_code == 200  # a reload
    assert sign_in_through(client, page["Location"], password="wrong").status_code == 400
    done = sign_in_through(client, page["Location"])
    assert done.status_code == 302 and "code" in location_params(done)
    assert len(calls) == 1


def refusal(response):
    assert response.status_code == 302, response.content[:300]
    assert response["Location"].startswith("com.example.app://callback?") and "#" not in response["Location"]
    params = location_params(response)
    assert params["state"] == "st4te"
    return params["error"]


@pytest.mark.parametrize("prompt", ["bogus", "login bogus", "none login", "none consent", "none select_account"])
@pytest.mark.parametrize("scope", ["openid offline_access profile", "profile"])
def test_unknown_prompt_values_and_none_with_others_are_invalid_requests(client, setup, prompt, scope):
    tenant, app, *_ = setup
    assert refusal(authorize(client, tenant, app, prompt=prompt, scope=scope)) == "invalid_request"


def test_prompt_none_signs_in_silently_only_with_a_session(client, setup):
    tenant, app, *_ = setup
    assert refusal(authorize(client, tenant, app, prompt="none")) == "login_required"
    signed_in(client, tenant, app)
    silent = authorize(client, tenant, app, prompt="none")
    assert silent.status_code == 302 and "code" in location_params(silent)


@pytest.mark.parametrize("prompt", ["login", "select_account", "consent login"])
def test_prompt_login_and_select_account_show_the_sign_in_page_despite_a_session(client, setup, prompt):
    tenant, app, *_ = setup
    signed_in(client, tenant, app)
    page = authorize(client, tenant, app, prompt=prompt)
    assert page.status_code == 302 and page["Location"].startswith(f"/t/{tenant.id}/sign-in?authz=")
    done = sign_in_through(client, page["Location"])
    assert done.status_code == 302 and "code" in location_params(done)


def test_prompt_consent_with_a_session_issues_a_code(client, setup):
    tenant, app, *_ = setup
    signed_in(client, tenant, app)
    sso = authorize(client, tenant, app, prompt="consent")
    assert sso.status_code == 302 and "code" in location_params(sso)


def age_session(client, tenant, seconds):
    session = client.session
    session[f"postern.tenant.{tenant.pk}"]["auth_time"] -= seconds
    session.save()


def test_max_age_0_re_authenticates_and_the_id_token_says_when(client, setup):
    tenant, app, *_ = setup
    signed_in(client, tenant, app)
    verifier, challenge = pkce_pair()
    page = authorize(client, tenant, app, challenge, max_age="0")
    assert page.status_code == 302 and page["Location"].startswith(f"/t/{tenant.id}/sign-in?authz=")
    age_session(client, tenant, 60)
    done = sign_in_through(client, page["Location"])
    session_time = client.session[f"postern.tenant.{tenant.pk}"]["auth_time"]
    # the session stores whole seconds, the ID token takes last_login: the same sign-in, within a second
    assert abs(id_token_claims(client, tenant, app, done, verifier)["auth_time"] - session_time) <= 1


def test_max_age_re_authenticates_an_older_session_only(client, setup):
    tenant, app, *_ = setup
    signed_in(client, tenant, app)
    age_session(client, tenant, 100)
    verifier, challenge = pkce_pair()
    fresh_enough = authorize(client, tenant, app, challenge, max_age="300")
    assert fresh_enough.status_code == 302 and "code" in location_params(fresh_enough)
    assert "auth_time" in id_token_claims(client, tenant, app, fresh_enough, verifier)
    too_old = authorize(client, tenant, app, max_age="60")
    assert too_old["Location"].startswith(f"/t/{tenant.id}/sign-in?authz=")
    assert refusal(authorize(client, tenant, app, max_age="60", prompt="none")) == "login_required"


@pytest.mark.parametrize("max_age", ["", "-1", "soon", "1.5", "١"])
def test_max_age_must_be_a_non_negative_integer(client, setup, max_age):
    tenant, app, *_ = setup
    assert refusal(authorize(client, tenant, app, max_age=max_age)) == "invalid_request"


@pytest.mark.parametrize("mode", ["fragment", "form_post", "bogus"])
def test_only_the_response_modes_discovery_lists_are_answered(client, setup, mode):
    tenant, app, *_ = setup
    discovery = client.get(f"/t/{tenant.id}/oidc/.well-known/openid-configuration").json()
    assert discovery["response_modes_supported"] == ["query"]
    assert discovery["prompt_values_supported"] == ["none", "login", "consent", "select_account"]
    assert refusal(authorize(client, tenant, app, response_mode=mode)) == "invalid_request"
    page = authorize(client, tenant, app, response_mode="query")
    assert page["Location"].startswith(f"/t/{tenant.id}/sign-in?authz=")


@pytest.mark.parametrize("response_type", ["code id_token", "token", "id_token"])
def test_only_the_code_response_type_is_answered(client, setup, response_type):
    tenant, app, *_ = setup
    assert refusal(authorize(client, tenant, app, response_type=response_type)) == "unauthorized_client"  # django-oauth-toolkit's answer


def test_a_short_code_challenge_is_refused(client, setup):
    tenant, app, *_ = setup
    assert refusal(authorize(client, tenant, app, challenge="short")) == "invalid_request"


@pytest.mark.parametrize("path", ["sign-in", "sign-in/verify", "sign-in/password", "register", "forgot-password"])
def test_an_unknown_stash_id_shows_start_again_not_an_error(client, setup, path):
    tenant, *_ = setup
    for response in (client.get(f"/t/{tenant.id}/{path}?authz=nope"),
                     client.post(f"/t/{tenant.id}/{path}?authz=nope", {"identifier": "reader"})):
        assert response.status_code == 400
        assert "Start signing in again from the app" in response.content.decode()
    in_chinese = client.get(f"/t/{tenant.id}/{path}?authz=nope", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "本次登录已过期" in in_chinese.content.decode()


def test_a_stash_is_the_tenants_own_and_expires(client, setup, make_admin, make_tenant, monkeypatch):
    tenant, app, *_ = setup
    stash = authorize(client, tenant, app)["Location"].split("?")[1]
    other = make_tenant(make_admin("other"), name="B")
    assert client.get(f"/t/{other.id}/sign-in?{stash}").status_code == 400
    assert client.get(f"/t/{tenant.id}/sign-in?{stash}").status_code == 200
    monkeypatch.setattr("console.oidc.pending.PENDING_TTL_SECONDS", 0)
    assert client.get(f"/t/{tenant.id}/sign-in?{stash}").status_code == 400


def test_a_stash_of_a_deleted_app_shows_start_again(client, setup):
    tenant, app, *_ = setup
    page = authorize(client, tenant, app)["Location"]
    app.delete()
    response = sign_in_through(client, page)
    assert response.status_code == 400 and "Start signing in again" in response.content.decode()


def test_hosted_pages_survive_reload_and_back_after_the_sign_in(client, setup):
    tenant, app, *_ = setup
    page = authorize(client, tenant, app, ui_locales="zh-CN")["Location"]
    body = client.get(page).content.decode()
    assert f"authz={page.split('authz=')[1]}" in body  # the page's own links and forms carry the stash id
    assert sign_in_through(client, page).status_code == 302
    back = client.get(page)
    assert back.status_code == 200 and back["Content-Language"] == "zh-hans"
