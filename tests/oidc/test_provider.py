"""The provider's rules and refusals, over HTTP."""
import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from jwcrypto import jwk, jwt
from oauth2_provider.models import Grant

from console.oidc.keys import signing_key_rotate
from tests.oidc.flows import (
    authorize_params, exchange, get_code, location_params, pkce_pair, sign_in, tokens_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(settings, make_admin, make_tenant, make_app, make_end_user):
    settings.PUBLIC_URL = "http://testserver"
    owner = make_admin("owner")
    tenant = make_tenant(owner, name="A")
    app = make_app(tenant, owner, allowed_origins=["capacitor://localhost"])
    user = make_end_user(tenant, username="reader", phone="+8613800138000")
    return tenant, app, user, owner


def test_discovery_lists_every_endpoint_and_never_redirects(client, setup):
    tenant = setup[0]
    response = client.get(f"/t/{tenant.id}/oidc/.well-known/openid-configuration")
    doc = response.json()
    issuer = f"http://testserver/t/{tenant.id}/oidc"
    assert doc["issuer"] == issuer
    for key, path in [("authorization_endpoint", "/auth"), ("token_endpoint", "/token"), ("userinfo_endpoint", "/me"),
                      ("jwks_uri", "/jwks"), ("revocation_endpoint", "/token/revocation"),
                      ("introspection_endpoint", "/token/introspection"), ("end_session_endpoint", "/session/end")]:
        assert doc[key] == issuer + path
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert "RS256" in doc["id_token_signing_alg_values_supported"]
    assert client.get(f"/t/{tenant.id}/oidc/.well-known/openid-configuration/").status_code == 404
    assert client.get(f"/t/{tenant.id}/oidc/token").status_code == 405


def test_pkce_plain_is_refused(client, setup):
    tenant, app, *_ = setup
    params = authorize_params(app, "plainchallenge-plainchallenge-plainchallenge-123", code_challenge_method="plain")
    response = client.get(f"/t/{tenant.id}/oidc/auth?{urlencode(params)}")
    assert response.status_code == 302
    assert response["Location"].startswith("com.example.app://callback?")
    assert location_params(response)["error"] == "invalid_request"


def test_public_client_without_pkce_is_refused(client, setup):
    tenant, app, *_ = setup
    params = authorize_params(app, None, code_challenge_method=None)
    response = client.get(f"/t/{tenant.id}/oidc/auth?{urlencode(params)}")
    assert location_params(response)["error"] == "invalid_request"


def test_wrong_verifier_and_reused_code_are_refused(client, setup):
    tenant, app, *_ = setup
    code, verifier = get_code(client, tenant, app)
    bad = exchange(client, tenant, app, code, "x" * 50)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    code, verifier = get_code(client, tenant, app)
    assert exchange(client, tenant, app, code, verifier).status_code == 200
    again = exchange(client, tenant, app, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_expired_code_is_refused(client, setup):
    tenant, app, *_ = setup
    code, verifier = get_code(client, tenant, app)
    Grant.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert exchange(client, tenant, app, code, verifier).json()["error"] == "invalid_grant"


def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(client, setup):
    tenant, app, *_ = setup
    params = authorize_params(app, pkce_pair()[1], redirect_uri="https://evil.example/cb")
    response = client.get(f"/t/{tenant.id}/oidc/auth?{urlencode(params)}")
    assert response.status_code == 400 and "Location" not in response
    unknown = client.get(f"/t/{tenant.id}/oidc/auth?{urlencode(dict(params, client_id='nope'))}")
    assert unknown.status_code == 400 and "Location" not in unknown


def test_app_of_tenant_a_is_unknown_at_tenant_b(client, setup, make_tenant):
    tenant, app, user, owner = setup
    other = make_tenant(owner, name="B")
    params = authorize_params(app, pkce_pair()[1])
    response = client.get(f"/t/{other.id}/oidc/auth?{urlencode(params)}")
    assert response.status_code == 400 and "Location" not in response
    code, verifier = get_code(client, tenant, app)
    assert exchange(client, other, app, code, verifier).status_code in (400, 401)


def _verify(id_token, jwks_json, issuer):
    keyset = jwk.JWKSet.from_json(json.dumps(jwks_json))
    return json.loads(jwt.JWT(jwt=id_token, key=keyset, check_claims={"iss": issuer}).claims)


def test_id_token_verifies_with_own_jwks_only(client, setup, make_tenant):
    tenant, app, user, owner = setup
    other = make_tenant(owner, name="B")
    tokens = tokens_for(client, tenant, app)
    claims = _verify(tokens["id_token"], client.get(f"/t/{tenant.id}/oidc/jwks").json(), tenant.issuer)
    assert claims["sub"] == user.uid and claims["aud"] == app.client_id
    with pytest.raises(Exception):
        _verify(tokens["id_token"], client.get(f"/t/{other.id}/oidc/jwks").json(), tenant.issuer)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600 and "refresh_token" in tokens


def test_no_refresh_token_without_offline_access(client, setup):
    tenant, app, *_ = setup
    code, verifier = get_code(client, tenant, app, scope="openid profile")
    assert "refresh_token" not in exchange(client, tenant, app, code, verifier).json()


def test_rotated_refresh_token_reuse_revokes_the_family(client, setup):
    tenant, app, *_ = setup
    app.reuse_grace_seconds = 0  # reuse after the grace (within it: tests/oidc/test_parallel_grants.py)
    app.save()
    first = tokens_for(client, tenant, app)
    refresh = lambda token: client.post(f"/t/{tenant.id}/oidc/token", {
        "grant_type": "refresh_token", "refresh_token": token, "client_id": app.client_id})
    second = refresh(first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert refresh(first["refresh_token"]).status_code == 400  # reuse detected
    assert refresh(second["refresh_token"]).status_code == 400  # whole family revoked


def test_suspended_user_cannot_sign_in_and_loses_refresh(client, setup):
    tenant, app, user, _ = setup
    tokens = tokens_for(client, tenant, app)
    user.is_suspended = True
    user.save()
    refreshed = client.post(f"/t/{tenant.id}/oidc/token", {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": app.client_id})
    assert refreshed.status_code == 400
    me = client.get(f"/t/{tenant.id}/oidc/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert me.status_code == 401
    response = sign_in(client, tenant, authorize_params(app, pkce_pair()[1]))
    assert response.status_code == 400 and "incorrect" in response.content.decode()


def test_prompt_none_without_session_and_sso_with_one(client, setup, make_app, make_tenant):
    tenant, app, user, owner = setup
    params = authorize_params(app, pkce_pair()[1], prompt="none")
    response = client.get(f"/t/{tenant.id}/oidc/auth?{urlencode(params)}")
    assert location_params(response)["error"] == "login_required"
    get_code(client, tenant, app)  # signs in: the browser now has a session with the tenant
    second = make_app(tenant, owner, name="Second", redirect_uris=["com.example.second://cb"])
    sso = client.get(f"/t/{tenant.id}/oidc/auth?{urlencode(authorize_params(second, pkce_pair()[1]))}")
    assert sso.status_code == 302 and sso["Location"].startswith("com.example.second://cb?code=")
    assert location_params(sso)["iss"] == tenant.issuer and location_params(sso)["state"] == "st4te"
    forced = client.get(f"/t/{tenant.id}/oidc/auth?{urlencode(authorize_params(second, pkce_pair()[1], prompt='login'))}")
    assert f"/t/{tenant.id}/sign-in?" in forced["Location"]
    other = make_tenant(owner, name="B")
    other_app = make_app(other, owner, name="B app")
    elsewhere = client.get(f"/t/{other.id}/oidc/auth?{urlencode(authorize_params(other_app, pkce_pair()[1]))}")
    assert f"/t/{other.id}/sign-in?" in elsewhere["Location"]


def test_end_session_redirects_only_to_registered_uris(client, setup):
    tenant, app, *_ = setup
    get_code(client, tenant, app)
    confirm = f"/t/{tenant.id}/oidc/session/end/confirm"
    bad = client.post(confirm, {"client_id": app.client_id, "post_logout_redirect_uri": "https://evil.example"})
    assert bad.status_code == 200 and "signed out" in bad.content.decode()
    good = client.post(confirm, {"client_id": app.client_id,
                                 "post_logout_redirect_uri": "com.example.app://callback/sign-out"})
    assert good.status_code == 302 and good["Location"] == "com.example.app://callback/sign-out"


def test_cors_only_for_allowed_origins(client, setup):
    tenant = setup[0]
    ok = client.get(f"/t/{tenant.id}/oidc/jwks", HTTP_ORIGIN="capacitor://localhost")
    assert ok["Access-Control-Allow-Origin"] == "capacitor://localhost"
    denied = client.get(f"/t/{tenant.id}/oidc/jwks", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in denied
    preflight = client.options(f"/t/{tenant.id}/oidc/me", HTTP_ORIGIN="capacitor://localhost",
                               HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization")
    assert preflight.status_code == 204 and "Authorization" in preflight["Access-Control-Allow-Headers"]


def test_a_changed_origin_list_is_answered_at_once(client, setup):
    tenant, app, *_ = setup

    def allowed_origin():
        return client.get(f"/t/{tenant.id}/oidc/jwks", HTTP_ORIGIN="https://spa.example").get(
            "Access-Control-Allow-Origin")

    assert allowed_origin() is None
    app.allowed_origins = "capacitor://localhost https://spa.example"
    app.save()
    assert allowed_origin() == "https://spa.example"
    app.delete()
    assert allowed_origin() is None


def test_confidential_and_m2m_clients(client, setup, make_app):
    tenant, _, _, owner = setup
    web = make_app(tenant, owner, framework="django", name="Web", redirect_uris=["https://web.example/cb"],
                   post_logout_redirect_uris=[])
    code, verifier = get_code(client, tenant, web)
    no_secret = exchange(client, tenant, web, code, verifier)
    assert no_secret.status_code == 401 and no_secret.json()["error"] == "invalid_client"
    code, verifier = get_code(client, tenant, web)
    posted = exchange(client, tenant, web, code, verifier, client_secret=web.plaintext_secret)
    assert posted.status_code == 200 and "id_token" in posted.json()
    m2m = make_app(tenant, owner, framework="m2m", name="Robot", redirect_uris=None, post_logout_redirect_uris=None)
    import base64

    basic = base64.b64encode(f"{m2m.client_id}:{m2m.plaintext_secret}".encode()).decode()
    cc = client.post(f"/t/{tenant.id}/oidc/token", {"grant_type": "client_credentials"},
                     HTTP_AUTHORIZATION=f"Basic {basic}")
    assert cc.status_code == 200 and cc.json()["token_type"] == "Bearer"
    introspected = client.post(f"/t/{tenant.id}/oidc/token/introspection", {"token": cc.json()["access_token"]},
                               HTTP_AUTHORIZATION=f"Basic {basic}")
    assert introspected.json()["active"] is True


def test_key_rotation_keeps_previous_key_published(client, setup):
    tenant, app, *_ = setup
    old_token = tokens_for(client, tenant, app)["id_token"]
    signing_key_rotate(tenant=tenant)
    from django.core.cache import cache

    cache.clear()
    jwks = client.get(f"/t/{tenant.id}/oidc/jwks").json()
    assert len(jwks["keys"]) == 2
    _verify(old_token, jwks, tenant.issuer)
    new_token = tokens_for(client, tenant, app)["id_token"]
    assert jwt.JWT(jwt=new_token).token.jose_header["kid"] != jwt.JWT(jwt=old_token).token.jose_header["kid"]


def test_access_token_of_tenant_a_is_refused_at_tenant_b_userinfo(client, setup, make_tenant):
    tenant, app, user, owner = setup
    other = make_tenant(owner, name="B")
    tokens = tokens_for(client, tenant, app)
    own = client.get(f"/t/{tenant.id}/oidc/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert own.status_code == 200 and own.json()["sub"] == user.uid
    foreign = client.get(f"/t/{other.id}/oidc/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert foreign.status_code == 401 and foreign.json()["error"] == "invalid_token"


@pytest.mark.django_db(transaction=True)
def test_a_code_or_refresh_token_raced_by_two_requests_gives_tokens_once(setup):
    """Two clients sending the same code (or refresh token) at the same instant: exactly one gets tokens."""
    import threading

    from django.db import connections
    from django.test import Client
    from oauth2_provider.models import AccessToken

    tenant, app, *_ = setup

    def race(post):
        barrier, answers = threading.Barrier(2), []

        def one():
            barrier.wait()
            try:
                answers.append(post(Client()))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=one) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sorted(answer.status_code for answer in answers)

    for _ in range(5):
        code, verifier = get_code(Client(), tenant, app)
        assert race(lambda c: exchange(c, tenant, app, code, verifier)) == [200, 400]
    assert AccessToken.objects.filter(application=app).count() == 5

    refresh_token = tokens_for(Client(), tenant, app)["refresh_token"]
    statuses = race(lambda c: c.post(f"/t/{tenant.id}/oidc/token", {
        "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": app.client_id}))
    assert statuses == [200, 400]


def test_signed_in_apps_keep_working_while_redis_is_down(client, setup, own_redis):
    """The per-tenant reads behind every OIDC call (tenant, signing key, JWKS, CORS origins) fall back to the
    database: a Redis outage must not cut off apps whose users are signed in, nor refuse an admin's change."""
    from console import tenant_cache
    from console.tenants.models import Tenant

    tenant, app, user, _owner = setup
    tokens = tokens_for(client, tenant, app)
    own_redis.stop()
    tenant_cache._local.clear()  # as a process that has not read them yet

    refreshed = client.post(f"/t/{tenant.id}/oidc/token", {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": app.client_id},
        HTTP_ORIGIN="capacitor://localhost")
    assert refreshed.status_code == 200, refreshed.content
    assert refreshed["Access-Control-Allow-Origin"] == "capacitor://localhost"
    userinfo = client.get(f"/t/{tenant.id}/oidc/me", HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access_token']}")
    assert userinfo.status_code == 200 and userinfo.json()["sub"] == user.uid
    _verify(refreshed.json()["id_token"], client.get(f"/t/{tenant.id}/oidc/jwks").json(), tenant.issuer)
    assert client.get(f"/t/{tenant.id}/oidc/.well-known/openid-configuration").status_code == 200

    tenant.name = "Renamed while Redis is down"
    tenant.save()
    assert Tenant.objects.get(pk=tenant.pk).name == "Renamed while Redis is down"
