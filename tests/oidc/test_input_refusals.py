"""Input that used to answer 500 is refused with a 4xx and a machine-readable error (issue 10, seen 7)."""
import base64
from urllib.parse import urlencode

import pytest

from tests.oidc.flows import authorize_params, exchange, get_code, location_params, pkce_pair, sign_in

pytestmark = pytest.mark.django_db

NUL = "\x00"


# NUL bytes: PostgreSQL refuses them in text, so they must never reach a query.

def test_nul_in_the_authorization_request_is_a_400_page(client, setup):
    tenant, app, *_ = setup
    for params in (authorize_params(app, pkce_pair()[1], client_id=app.client_id + NUL),
                   authorize_params(app, pkce_pair()[1], state="st" + NUL)):
        for path in ("oidc/auth", "sign-in"):
            response = client.get(f"/t/{tenant.id}/{path}?{urlencode(params)}")
            assert response.status_code == 400 and "Location" not in response
            assert "NUL" in response.content.decode()


def test_nul_in_the_hosted_sign_in_form_is_a_400(client, setup):
    tenant, app, *_ = setup
    params = authorize_params(app, pkce_pair()[1])
    assert sign_in(client, tenant, params, identifier="reader" + NUL).status_code == 400


def test_nul_at_token_revocation_and_introspection_is_invalid_request(client, setup):
    tenant, app, *_ = setup
    code, verifier = get_code(client, tenant, app)
    for response in (exchange(client, tenant, app, code + NUL, verifier),
                     exchange(client, tenant, app, code, verifier, client_id=app.client_id + NUL),
                     client.post(f"/t/{tenant.id}/oidc/token/revocation", {"token": NUL, "client_id": app.client_id}),
                     client.post(f"/t/{tenant.id}/oidc/token/introspection", {"token": NUL}),
                     client.get(f"/t/{tenant.id}/oidc/me?access_token=%00")):
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
    # The code was never looked up with the NUL: it still works.
    assert exchange(client, tenant, app, code, verifier).status_code == 200


def test_nul_at_session_end_is_a_400(client, setup):
    tenant, app, *_ = setup
    response = client.get(f"/t/{tenant.id}/oidc/session/end?client_id=%00&post_logout_redirect_uri=x")
    assert response.status_code == 400


def test_nul_in_the_path_cookies_or_basic_credentials_is_a_400(client, setup):
    tenant, app, *_ = setup
    response = client.get(f"/t/{tenant.id}%00/oidc/jwks")
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert client.get(f"/t/{tenant.id}%00/sign-in").status_code == 400
    basic = base64.b64encode(f"{app.client_id}%00:secret".encode()).decode()
    response = client.post(f"/t/{tenant.id}/oidc/token", {"grant_type": "client_credentials"},
                           HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    client.cookies["sessionid"] = "abcdefgh\x00"
    assert client.get("/console/").status_code == 400


def test_a_body_that_is_not_a_form_is_not_read_as_one(client, setup):
    tenant, *_ = setup
    response = client.post(f"/t/{tenant.id}/oidc/token", "grant_type=x%00", content_type="text/plain")
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


def test_nul_in_console_list_filters_is_a_400(admin_client, tenant):
    for url in (f"/console/t/{tenant.id}/users?q=a%00b", f"/console/t/{tenant.id}/audit?actor=%00",
                f"/console/t/{tenant.id}/messages?phone=%00", "/console/switch?tenant=%00"):
        assert admin_client.get(url).status_code == 400, url


# Grant types, resource indicators.

def test_an_unsupported_grant_type_is_unsupported_grant_type(client, setup):
    tenant, app, *_ = setup
    for grant_type in ("urn:ietf:params:oauth:grant-type:device_code", "password", "implicit", "nonsense"):
        response = client.post(f"/t/{tenant.id}/oidc/token", {"grant_type": grant_type, "client_id": app.client_id,
                                                               "device_code": "abc"})
        assert response.status_code == 400, grant_type
        assert response.json()["error"] == "unsupported_grant_type", grant_type


def test_a_resource_indicator_is_invalid_target_at_auth(client, setup):
    tenant, app, *_ = setup
    params = authorize_params(app, pkce_pair()[1], resource="https://api.example")
    for path in ("oidc/auth", "sign-in"):
        response = client.get(f"/t/{tenant.id}/{path}?{urlencode(params)}")
        assert response.status_code == 302 and response["Location"].startswith("com.example.app://callback?")
        assert location_params(response)["error"] == "invalid_target"
        assert location_params(response)["state"] == "st4te"
    # With a redirect URI that cannot be trusted, the error page instead.
    untrusted = dict(params, redirect_uri="https://evil.example/cb")
    response = client.get(f"/t/{tenant.id}/oidc/auth?{urlencode(untrusted)}")
    assert response.status_code == 400 and "Location" not in response


def test_a_resource_indicator_is_invalid_target_at_token(client, setup):
    tenant, app, *_ = setup
    code, verifier = get_code(client, tenant, app)
    response = exchange(client, tenant, app, code, verifier, resource="https://api.example")
    assert response.status_code == 400 and response.json()["error"] == "invalid_target"
    refresh = client.post(f"/t/{tenant.id}/oidc/token", {"grant_type": "refresh_token", "refresh_token": "x",
                                                         "client_id": app.client_id, "resource": "urn:x"})
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_target"


# Values longer than their columns: refused at /auth, before the sign-in page, never after the password.

@pytest.mark.parametrize("extra, problem", [
    ({"nonce": "n" * 256}, "nonce"),
    ({"code_challenge": "c" * 129}, "code_challenge"),
    ({"code_challenge": "c" * 42}, "code_challenge"),
    ({"code_challenge": "c" * 42 + "+"}, "code_challenge"),
    ({"code_challenge": "é" * 43}, "code_challenge"),
])
def test_an_oversized_nonce_or_malformed_challenge_is_refused_before_the_page(client, setup, extra, problem):
    tenant, app, *_ = setup
    params = authorize_params(app, pkce_pair()[1])
    params.update(extra)
    for path in ("oidc/auth", "sign-in"):
        response = client.get(f"/t/{tenant.id}/{path}?{urlencode(params)}")
        assert response.status_code == 302, path
        error = location_params(response)
        assert error["error"] == "invalid_request" and problem in error["error_description"]
    assert sign_in(client, tenant, params).status_code == 302
    assert "code" not in location_params(sign_in(client, tenant, params))


def test_a_nonce_of_255_and_challenges_of_43_and_128_still_sign_in(client, setup):
    tenant, app, *_ = setup
    assert get_code(client, tenant, app, nonce="n" * 255)
    for length in (43, 128):
        params = authorize_params(app, "A-._~" + "b" * (length - 5))
        response = sign_in(client, tenant, params)
        assert response.status_code == 302 and "code" in location_params(response)



def test_a_non_ascii_basic_authorization_header_is_invalid_client(client, setup, make_app):
    tenant, app, user, owner = setup
    web = make_app(tenant, owner, framework="django", name="Web", redirect_uris=["https://app.example/cb"],
                   post_logout_redirect_uris=[])
    for path, data in (("token", {"grant_type": "client_credentials"}), ("token/introspection", {"token": "x"})):
        response = client.post(f"/t/{tenant.id}/oidc/{path}", data, HTTP_AUTHORIZATION="Basic \x80é")
        assert response.status_code == 401 and response.json()["error"] == "invalid_client", path
    assert web.client_id  # the tenant has a confidential app the header could have named
