"""The token engine's rules, one test each, through HTTP on the suite's database (PostgreSQL, and SQLite in
`make test`'s second run): the same engine `make run` serves."""
import base64
import hashlib
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from console.oidc import grants, reuse
from console.oidc.models import RedeemedCode
from tests.oidc.flows import authorize_params, exchange, get_code, location_params, pkce_pair, sign_in, tokens_for
from tests.oidc.test_provider import _verify

pytestmark = pytest.mark.django_db


def _refresh(client, tenant, app, refresh_token):
    return client.post(f"/t/{tenant.id}/oidc/token", {
        "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": app.client_id})


def _me(client, tenant, access_token):
    return client.get(f"/t/{tenant.id}/oidc/me", HTTP_AUTHORIZATION=f"Bearer {access_token}").status_code


def test_a_code_without_its_verifier_gets_no_tokens(client, setup):
    tenant, app, *_ = setup
    code, _verifier = get_code(client, tenant, app)
    response = client.post(f"/t/{tenant.id}/oidc/token", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri_list[0],
        "client_id": app.client_id})
    assert response.status_code == 400 and response.json()["error"] in ("invalid_request", "invalid_grant")
    assert not AccessToken.objects.exists()


def test_a_code_whose_user_was_suspended_gets_no_tokens(client, setup):
    tenant, app, user, _ = setup
    code, verifier = get_code(client, tenant, app)
    user.is_suspended = True
    user.save()
    assert exchange(client, tenant, app, code, verifier).json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_a_code_of_another_app_of_the_tenant_is_refused(client, setup, make_app):
    tenant, app, _user, owner = setup
    other = make_app(tenant, owner, name="Other")
    code, verifier = get_code(client, tenant, app)
    response = exchange(client, tenant, other, code, verifier, redirect_uri=app.redirect_uri_list[0])
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert exchange(client, tenant, app, code, verifier).status_code == 200


def test_a_code_reused_after_the_grace_revokes_what_its_first_exchange_issued(client, setup):
    tenant, app, *_ = setup
    app.reuse_grace_seconds = 0
    app.save()
    code, verifier = get_code(client, tenant, app)
    first = exchange(client, tenant, app, code, verifier).json()
    assert _me(client, tenant, first["access_token"]) == 200
    assert exchange(client, tenant, app, code, verifier).json()["error"] == "invalid_grant"
    assert _me(client, tenant, first["access_token"]) == 401
    assert _refresh(client, tenant, app, first["refresh_token"]).status_code == 400


def test_each_rotation_is_valid_for_the_apps_full_refresh_ttl(client, setup):
    """Sliding: the family may be older than the app's refresh TTL; the newest rotation counts from its own issue."""
    tenant, app, *_ = setup
    first = tokens_for(client, tenant, app)
    second = _refresh(client, tenant, app, first["refresh_token"]).json()
    RefreshToken.objects.filter(revoked__isnull=False).update(
        created=timezone.now() - timedelta(days=app.refresh_token_ttl_days, hours=1))
    assert _refresh(client, tenant, app, second["refresh_token"]).status_code == 200


def test_a_refresh_token_older_than_the_apps_refresh_ttl_is_refused(client, setup):
    tenant, app, *_ = setup
    tokens = tokens_for(client, tenant, app)
    RefreshToken.objects.update(created=timezone.now() - timedelta(days=3, minutes=1))
    app.refresh_token_ttl_days = 3
    app.save()
    assert _refresh(client, tenant, app, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    app.refresh_token_ttl_days = 4  # the app's own TTL, not a global one
    app.save()
    assert _refresh(client, tenant, app, tokens["refresh_token"]).status_code == 200


def test_a_refresh_token_idle_past_the_refresh_lifetime_is_refused(client, setup, settings):
    tenant, app, *_ = setup
    tokens = tokens_for(client, tenant, app)
    lifetime = settings.OAUTH2_PROVIDER["REFRESH_TOKEN_EXPIRE_SECONDS"]
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=lifetime + 1))
    assert _refresh(client, tenant, app, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_refresh_rotates_the_token_and_drops_the_old_access_token(client, setup):
    tenant, app, *_ = setup
    first = tokens_for(client, tenant, app)
    second = _refresh(client, tenant, app, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    assert _me(client, tenant, first["access_token"]) == 401 and _me(client, tenant, second["access_token"]) == 200
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 1


def test_a_refresh_that_read_its_token_before_a_concurrent_rotation_gets_nothing(client, setup, monkeypatch):
    """The interleaving the parallel-refresh tests meet only by chance, forced: a refresh read its token while it was
    live, and writes after another request rotated it. The claim on the refresh token's row decides; asked without
    offline_access, it has no successor whose unique access token could collide instead."""
    tenant, app, *_ = setup
    tokens = tokens_for(client, tenant, app)
    read_while_live = grants._REFRESH_TOKEN.first(reuse.token_checksum(tokens["refresh_token"]))
    winner = _refresh(client, tenant, app, tokens["refresh_token"]).json()
    monkeypatch.setattr(grants._REFRESH_TOKEN, "first", lambda _checksum: read_while_live)
    late = client.post(f"/t/{tenant.id}/oidc/token", {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": app.client_id,
        "scope": "openid profile"})
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    monkeypatch.undo()
    assert _me(client, tenant, winner["access_token"]) == 200
    assert _refresh(client, tenant, app, winner["refresh_token"]).status_code == 200


def test_a_refresh_for_a_suspended_user_is_refused_and_keeps_nothing_alive(client, setup):
    tenant, app, user, _ = setup
    tokens = tokens_for(client, tenant, app)
    user.is_suspended = True
    user.save()
    assert _refresh(client, tenant, app, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert _me(client, tenant, tokens["access_token"]) == 401


def test_a_revoked_refresh_token_is_refused(client, setup):
    tenant, app, *_ = setup
    tokens = tokens_for(client, tenant, app)
    assert client.post(f"/t/{tenant.id}/oidc/token/revocation", {
        "token": tokens["refresh_token"], "client_id": app.client_id}).status_code == 200
    assert _refresh(client, tenant, app, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_the_id_token_auth_time_is_the_sessions_sign_in(client, setup):
    tenant, app, user, _ = setup
    tokens_for(client, tenant, app)  # signs in: a tenant session
    session = client.session
    key = f"postern.tenant.{tenant.pk}"
    session[key]["auth_time"] -= 300  # signed in five minutes ago, in this browser
    session.save()
    signed_in_at = session[key]["auth_time"]
    verifier, challenge = pkce_pair()
    silent = client.get(f"/t/{tenant.id}/oidc/auth?{urlencode(authorize_params(app, challenge, prompt='none'))}")
    body = exchange(client, tenant, app, location_params(silent)["code"], verifier).json()
    claims = _verify(body["id_token"], client.get(f"/t/{tenant.id}/oidc/jwks").json(), tenant.issuer)
    assert claims["auth_time"] == signed_in_at


def _signed_in_five_minutes_ago(client, tenant, app):
    """Tokens from a silent sign-in on a tenant session that signed in five minutes ago, and that sign-in time."""
    tokens_for(client, tenant, app)
    session = client.session
    key = f"postern.tenant.{tenant.pk}"
    session[key]["auth_time"] -= 300
    session.save()
    verifier, challenge = pkce_pair()
    silent = client.get(f"/t/{tenant.id}/oidc/auth?{urlencode(authorize_params(app, challenge, prompt='none'))}")
    return exchange(client, tenant, app, location_params(silent)["code"], verifier).json(), session[key]["auth_time"]


def test_a_refreshed_id_token_keeps_the_original_sign_in_time(client, setup):
    """OpenID Connect Core §12.2: auth_time is the original authentication's, not the refresh's (nor last_login,
    which django-oauth-toolkit would take), however many rotations later."""
    tenant, app, *_ = setup
    tokens, signed_in_at = _signed_in_five_minutes_ago(client, tenant, app)
    for _ in range(2):
        tokens = _refresh(client, tenant, app, tokens["refresh_token"]).json()
        claims = _verify(tokens["id_token"], client.get(f"/t/{tenant.id}/oidc/jwks").json(), tenant.issuer)
        assert claims["auth_time"] == signed_in_at


def test_a_refresh_family_with_no_recorded_sign_in_gets_no_auth_time(client, setup):
    """A family whose exchange record is gone (started before Postern kept the sign-in time): no auth_time rather
    than a wrong one."""
    tenant, app, *_ = setup
    tokens, _signed_in_at = _signed_in_five_minutes_ago(client, tenant, app)
    RedeemedCode.objects.all().delete()
    refreshed = _refresh(client, tenant, app, tokens["refresh_token"]).json()
    claims = _verify(refreshed["id_token"], client.get(f"/t/{tenant.id}/oidc/jwks").json(), tenant.issuer)
    assert "auth_time" not in claims and claims["sub"]


def test_a_code_without_offline_access_reused_after_the_grace_revokes_its_access_token(client, setup):
    tenant, app, *_ = setup
    app.reuse_grace_seconds = 0
    app.save()
    code, verifier = get_code(client, tenant, app, scope="openid profile")
    first = exchange(client, tenant, app, code, verifier).json()
    assert "refresh_token" not in first and _me(client, tenant, first["access_token"]) == 200
    assert exchange(client, tenant, app, code, verifier).json()["error"] == "invalid_grant"
    assert _me(client, tenant, first["access_token"]) == 401


def test_a_verifier_shorter_than_rfc_7636_allows_gets_no_tokens(client, setup):
    tenant, app, *_ = setup
    verifier = "too-short"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    response = sign_in(client, tenant, authorize_params(app, challenge))
    refused = exchange(client, tenant, app, location_params(response)["code"], verifier)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert "43 to 128" in refused.json()["error_description"]
    assert not AccessToken.objects.exists()


def test_a_verifier_for_a_code_issued_without_a_challenge_is_refused(client, setup, make_app):
    """RFC 9700 §2.1.1: a confidential app's code asked for without PKCE is not exchanged with a verifier (the
    downgrade an attacker who injected a stolen code would try); without one it is."""
    tenant, _app, _user, owner = setup
    web = make_app(tenant, owner, framework="django", name="Web", redirect_uris=["https://app.example/cb"],
                   post_logout_redirect_uris=[])
    codes = []
    for _ in range(2):
        response = sign_in(client, tenant, authorize_params(web, None, code_challenge_method=None))
        assert response.status_code == 302 and "code" in location_params(response), response.content.decode()[:300]
        codes.append(location_params(response)["code"])
    data = {"grant_type": "authorization_code", "redirect_uri": "https://app.example/cb", "client_id": web.client_id,
            "client_secret": web.plaintext_secret}
    with_verifier = client.post(f"/t/{tenant.id}/oidc/token", {**data, "code": codes[0],
                                                               "code_verifier": pkce_pair()[0]})
    assert with_verifier.status_code == 400 and with_verifier.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()
    assert client.post(f"/t/{tenant.id}/oidc/token", {**data, "code": codes[1]}).status_code == 200


def test_a_code_exchanged_with_another_or_no_redirect_uri_gets_no_tokens(client, setup):
    """RFC 6749 §4.1.3: the redirect_uri of the token request must be the authorization request's."""
    tenant, app, *_ = setup
    code, verifier = get_code(client, tenant, app)
    for redirect_uri in ("com.example.app://elsewhere", ""):
        refused = exchange(client, tenant, app, code, verifier, redirect_uri=redirect_uri)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant", redirect_uri
    assert not AccessToken.objects.exists()
    assert exchange(client, tenant, app, code, verifier).status_code == 200


def test_a_refresh_token_presented_by_another_app_of_the_tenant_is_refused(client, setup, make_app):
    tenant, app, _user, owner = setup
    other = make_app(tenant, owner, name="Other", redirect_uris=["com.example.other://callback"])
    tokens = tokens_for(client, tenant, app)
    assert _refresh(client, tenant, other, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert _refresh(client, tenant, app, tokens["refresh_token"]).status_code == 200


def test_a_web_app_may_not_use_client_credentials(client, setup, make_app):
    tenant, _app, _user, owner = setup
    web = make_app(tenant, owner, framework="django", name="Web", redirect_uris=["https://app.example/cb"],
                   post_logout_redirect_uris=[])
    response = client.post(f"/t/{tenant.id}/oidc/token", {"grant_type": "client_credentials",
                                                           "client_id": web.client_id,
                                                           "client_secret": web.plaintext_secret})
    assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"
    assert not AccessToken.objects.exists()


def test_a_refresh_may_narrow_the_scopes_but_not_widen_them(client, setup):
    tenant, app, *_ = setup
    tokens = tokens_for(client, tenant, app)
    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": app.client_id}
    wider = client.post(f"/t/{tenant.id}/oidc/token", {**data, "scope": "openid offline_access profile email"})
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    narrower = client.post(f"/t/{tenant.id}/oidc/token", {**data, "scope": "openid offline_access"})
    assert narrower.status_code == 200 and narrower.json()["scope"] == "openid offline_access"
    claims = _verify(narrower.json()["id_token"], client.get(f"/t/{tenant.id}/oidc/jwks").json(), tenant.issuer)
    assert "username" not in claims and claims["sub"]


def test_a_token_request_naming_a_parameter_twice_is_invalid_request(client, setup):
    """RFC 6749 §3.2: parameters must not be included more than once (which of two codes or client ids would count?)."""
    tenant, app, *_ = setup
    code, verifier = get_code(client, tenant, app)
    data = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": app.redirect_uri_list[0], "client_id": app.client_id}
    for name in ("code", "client_id"):
        twice = client.post(f"/t/{tenant.id}/oidc/token", {**data, name: [data[name], data[name]]})
        assert twice.status_code == 400 and twice.json()["error"] == "invalid_request", name
        assert f"Duplicate {name}" in twice.json()["error_description"]
    assert not AccessToken.objects.exists()
    assert client.post(f"/t/{tenant.id}/oidc/token", data).status_code == 200
