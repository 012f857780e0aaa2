"""Every public /t/<tenant>/ URL refuses tenant A's app, code, token or session at tenant B, and changes nothing.

The URL conf is walked: a new tenant URL fails this test until it has a request below that carries A's things."""
import base64
import re
from urllib.parse import urlencode

import pytest
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken

from console.accounts.models import User
from console.applications.models import Application
from console.audit.models import AuditEntry
from tests.oidc.flows import authorize_params, get_code, pkce_pair, tokens_for
from tests.urlconf import routes

pytestmark = pytest.mark.django_db
TENANT_PREFIX = "t/<str:tenant_id>/"


@pytest.fixture
def a(settings, make_admin, make_tenant, make_app, make_end_user, client):
    settings.PUBLIC_URL = "http://testserver"
    owner = make_admin("owner-a")
    tenant = make_tenant(owner, name="A")
    app = make_app(tenant, owner)
    web = make_app(tenant, owner, framework="django", name="Web", redirect_uris=["https://web.example/cb"],
                   post_logout_redirect_uris=["https://web.example/out"])
    make_end_user(tenant, username="reader")
    provisioning = make_app(tenant, owner, framework="m2m", name="Provisioning", redirect_uris=None,
                            post_logout_redirect_uris=None, management_api_access="all")
    api_token = client.post(f"/t/{tenant.id}/oidc/token", {
        "grant_type": "client_credentials", "client_id": provisioning.client_id,
        "client_secret": provisioning.plaintext_secret, "resource": tenant.management_api_indicator,
        "scope": "all"}).json()["access_token"]
    end_user = User.objects.get(tenant=tenant, username="reader")
    tokens = tokens_for(client, tenant, app)  # also leaves a tenant A session in `client`
    code, verifier = get_code(client, tenant, app)
    _verifier, challenge = pkce_pair()
    stash = client.get(f"/t/{tenant.id}/oidc/auth?" + urlencode(authorize_params(app, challenge, prompt="login")))
    stash_id = stash["Location"].split("authz=")[1]
    return {"tenant": tenant, "app": app, "web": web, "tokens": tokens, "code": code, "verifier": verifier,
            "stash_id": stash_id, "api_token": api_token, "end_user": end_user,
            "basic": "Basic " + base64.b64encode(f"{web.client_id}:{web.plaintext_secret}".encode()).decode()}


def _requests(a):
    """route -> [(method, query or form, headers)] carrying tenant A's things."""
    app, tokens = a["app"], a["tokens"]
    hosted = [("get", {"authz": a["stash_id"]}, {}),
              ("post", {"authz": a["stash_id"], "identifier": "reader", "password": "x"}, {})]
    return {
        "oidc/.well-known/openid-configuration": [("get", {}, {})],
        "oidc/jwks": [("get", {}, {})],
        "oidc/auth": [("get", authorize_params(app, pkce_pair()[1]), {}),
                 ("get", authorize_params(app, pkce_pair()[1], prompt="none"), {})],
        "oidc/token": [("post", {"grant_type": "authorization_code", "code": a["code"], "code_verifier": a["verifier"],
                            "redirect_uri": app.redirect_uri_list[0], "client_id": app.client_id}, {}),
                  ("post", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                            "client_id": app.client_id}, {}),
                  ("post", {"grant_type": "client_credentials"}, {"HTTP_AUTHORIZATION": a["basic"]})],
        "oidc/me": [("get", {}, {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"})],
        "oidc/token/revocation": [("post", {"token": tokens["refresh_token"], "client_id": app.client_id}, {}),
                             ("post", {"token": tokens["access_token"], "client_id": app.client_id}, {})],
        "oidc/token/introspection": [("post", {"token": tokens["access_token"]}, {"HTTP_AUTHORIZATION": a["basic"]})],
        "oidc/session/end": [("get", {"id_token_hint": tokens["id_token"], "client_id": app.client_id,
                                 "post_logout_redirect_uri": "com.example.app://callback/sign-out"}, {})],
        "oidc/session/end/confirm": [("post", {"client_id": app.client_id,
                                          "post_logout_redirect_uri": "com.example.app://callback/sign-out"}, {})],
        "sign-in": hosted, "sign-in/code": hosted, "sign-in/verify": hosted, "sign-in/resend": hosted,
        "sign-in/password": hosted, "register": hosted, "forgot-password": hosted,
    }


def _api_requests(a, route):
    """A Management API route: every method with tenant A's Management API token, its path naming A's objects."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {a['api_token']}", "content_type": "application/json"}
    return [(method, {}, headers) for method in ("get", "post", "patch", "delete")]


def _api_url(a, tenant, route):
    ids = {"id": a["app"].client_id, "applicationId": a["app"].client_id, "userId": a["end_user"].uid}
    return f"/t/{tenant.id}/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), "default")), route)


def _snapshot(client, a):
    return (sorted(Grant.objects.values_list("code", flat=True)),
            sorted(AccessToken.objects.values_list("token_checksum", flat=True)),
            sorted(RefreshToken.objects.values_list("token_checksum", "revoked")),
            IDToken.objects.count(), client.session.get(f"postern.tenant.{a['tenant'].pk}"),
            sorted(Application.objects.values_list("client_id", "name", "client_secret")),
            sorted(User.objects.values_list("uid", "username", "is_suspended", "password")),
            AuditEntry.objects.count())


def _refused(response):
    if response.status_code in (400, 401, 403, 404, 405):
        return True
    if response.status_code == 204:  # B's own health check
        return not response.content
    if response.status_code == 302:  # to B's own pages, or an error for the app; never a code or A's URIs
        location = response["Location"]
        return "code=" not in location and "sign-out" not in location
    if response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        return (body.get("active") is False or "error" in body or "issuer" in body or "keys" in body or body == {}
                or body.get("servers") == [{"url": f"http://testserver/t/{response.wsgi_request.path.split('/')[2]}"}])
    return response.status_code == 200 and b"reader" not in response.content  # B's own pages


def test_every_tenant_url_refuses_another_tenants_things(client, a, make_admin, make_tenant):
    b = make_tenant(make_admin("owner-b"), name="B")
    requests_by_route = _requests(a)
    before = _snapshot(client, a)
    checked = 0
    for route, name in ((route.path.removeprefix(TENANT_PREFIX), route.name) for route in routes(TENANT_PREFIX)):
        if route.startswith("api/"):
            requests_by_route[route] = _api_requests(a, route)
        assert route in requests_by_route, f"/t/<tenant>/{route} ({name}): add a request carrying A's things"
        for method, data, headers in requests_by_route[route]:
            url = _api_url(a, b, route) if route.startswith("api/") else f"/t/{b.id}/{route}"
            if route.startswith("api/"):
                response = getattr(client, method)(url, **headers)
            elif method == "get":
                response = client.get(f"{url}?{urlencode(data)}", **headers)
            else:
                response = client.post(url, data, **headers)
            assert response.status_code < 500, f"{method.upper()} {url}: {response.status_code}"
            assert _refused(response), f"{method.upper()} {url} answered {response.status_code}: " \
                                       f"{response.content[:300]!r} {response.get('Location')}"
            assert _snapshot(client, a) == before, f"{method.upper()} {url} changed tenant A's state"
            checked += 1
    assert checked >= 20
    # and all of it still works at A
    assert client.get(f"/t/{a['tenant'].id}/oidc/me",
                      HTTP_AUTHORIZATION=f"Bearer {a['tokens']['access_token']}").status_code == 200
