"""Management API tokens: RFC 9068 JWTs for the tenant's Management API resource, and every refusal."""
import base64
import json

import pytest

from console.applications.services import application_secret_rotate, application_update
from tests.management_api.conftest import management_token

pytestmark = pytest.mark.django_db


def _jwt_parts(token):
    header, claims, _sig = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(header), decode(claims)


def test_client_credentials_for_the_management_api_give_a_signed_at_jwt(mapi):
    header, claims = _jwt_parts(mapi.token)
    assert header["typ"] == "at+jwt" and header["alg"] == "RS256" and header["kid"]
    assert claims["iss"] == mapi.tenant.issuer
    assert claims["aud"] == mapi.tenant.management_api_indicator
    assert claims["sub"] == claims["client_id"] == mapi.app.client_id
    assert claims["scope"] == "all" and claims["exp"] > claims["iat"] and claims["jti"]
    status, body, response = mapi.call("GET", "/applications")
    assert status == 200 and response["Total-Number"] == "1" and body[0]["id"] == mapi.app.client_id


def test_logtos_oss_default_indicator_is_an_alias(client, mapi):
    token = management_token(client, mapi.tenant, mapi.app, mapi.secret, resource="https://default.logto.app/api")
    assert _jwt_parts(token)[1]["aud"] == "https://default.logto.app/api"
    assert mapi.call("GET", "/applications", token=token)[0] == 200


def test_a_read_only_app_asking_for_all_gets_read_and_cannot_write(client, make_management_api):
    api = make_management_api(access="read")
    response = client.post(f"/t/{api.tenant.pk}/oidc/token", {
        "grant_type": "client_credentials", "client_id": api.app.client_id, "client_secret": api.secret,
        "resource": api.tenant.management_api_indicator, "scope": "all"})
    assert response.json()["scope"] == "read"
    assert api.call("GET", "/applications")[0] == 200
    status, body, _ = api.call("POST", "/applications", {"name": "x", "type": "MachineToMachine"})
    assert status == 403 and body["code"] == "auth.forbidden"


def test_refusals_answer_401_or_403(client, make_management_api, make_app):
    api = make_management_api()
    other = make_management_api()
    # No token at all.
    status, body, response = api.call("GET", "/applications", token="")
    assert status == 401 and body["code"] == "auth.authorization_header_missing"
    # A token without `resource`: opaque, not for this API.
    plain = client.post(f"/t/{api.tenant.pk}/oidc/token", {
        "grant_type": "client_credentials", "client_id": api.app.client_id, "client_secret": api.secret})
    assert plain.status_code == 200
    assert api.call("GET", "/applications", token=plain.json()["access_token"])[0] == 401
    # Tenant B's token at tenant A.
    assert api.call("GET", "/applications", token=other.token)[0] == 401
    # Garbage.
    assert api.call("GET", "/applications", token="a.b.c")[0] == 401


def test_an_app_without_access_gets_no_token_and_loses_access_when_withdrawn(client, make_management_api):
    api = make_management_api()
    application_update(application=api.app, acting_user=api.owner, name=api.app.name, description="",
                       redirect_uris=[], post_logout_redirect_uris=[], allowed_origins=[],
                       refresh_token_ttl_days=None, management_api_access="")
    status, body, _ = api.call("GET", "/applications")
    assert status == 403 and body["code"] == "auth.forbidden"
    response = client.post(f"/t/{api.tenant.pk}/oidc/token", {
        "grant_type": "client_credentials", "client_id": api.app.client_id, "client_secret": api.secret,
        "resource": api.tenant.management_api_indicator, "scope": "all"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_target"


def test_rotating_the_secret_ends_the_old_tokens_and_the_old_secret(client, mapi):
    application_secret_rotate(application=mapi.app, acting_user=mapi.owner)
    assert mapi.call("GET", "/applications")[0] == 401
    response = client.post(f"/t/{mapi.tenant.pk}/oidc/token", {
        "grant_type": "client_credentials", "client_id": mapi.app.client_id, "client_secret": mapi.secret,
        "resource": mapi.tenant.management_api_indicator, "scope": "all"})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_user_tokens_name_no_resource(client, mapi):
    response = client.post(f"/t/{mapi.tenant.pk}/oidc/token", {
        "grant_type": "authorization_code", "code": "x", "resource": mapi.tenant.management_api_indicator})
    assert response.status_code == 400 and response.json()["error"] == "invalid_target"


def test_an_unknown_scope_is_refused(client, mapi):
    response = client.post(f"/t/{mapi.tenant.pk}/oidc/token", {
        "grant_type": "client_credentials", "client_id": mapi.app.client_id, "client_secret": mapi.secret,
        "resource": mapi.tenant.management_api_indicator, "scope": "all openid"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"
