"""The tenant's endpoint opened in a browser, a hosted page without an app, and the hosted error page: readable,
in the visitor's language."""
from urllib.parse import urlencode

import pytest

from tests.oidc.flows import authorize_params, pkce_pair

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


def test_the_tenant_endpoint_says_what_it_is(client, tenant):
    response = client.get(f"/t/{tenant.id}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "The apps of Acme sign you in here" in body and f"<code>{tenant.endpoint}</code>" in body
    assert "Try it" not in body  # only for the tenant's admins
    assert response["Cache-Control"] == "no-store"


def test_the_tenant_endpoint_speaks_the_visitors_language(client, tenant):
    response = client.get(f"/t/{tenant.id}", **ZH)
    body = response.content.decode()
    assert response["Content-Language"] == "zh-hans" and "Acme 的应用在这里为你登录" in body


def test_the_tenants_admin_is_offered_try_it(admin_client, tenant, make_admin, make_tenant, client):
    body = admin_client.get(f"/t/{tenant.id}").content.decode()
    assert f'action="/console/t/{tenant.id}/sign-in-experience/try-it"' in body and "csrfmiddlewaretoken" in body
    stranger = make_admin("stranger")
    make_tenant(stranger, name="Elsewhere")
    client.force_login(stranger)
    assert "try-it" not in client.get(f"/t/{tenant.id}").content.decode()


def test_the_sign_in_page_without_an_app_is_the_same_readable_page(client, tenant):
    response = client.get(f"/t/{tenant.id}/sign-in", **ZH)
    body = response.content.decode()
    assert response.status_code == 200 and "data-front-door" in body
    assert "client_id" not in body and "要登录，请打开你想使用的应用" in body


def test_an_unknown_tenant_is_still_a_404(client, db):
    assert client.get("/t/nope").status_code == 404
    assert client.get("/t/nope/sign-in").status_code == 404


def test_a_mismatching_redirect_uri_is_explained_in_chinese_with_the_details_aside(client, tenant, admin, make_app):
    app = make_app(tenant, admin)
    query = urlencode(authorize_params(app, pkce_pair()[1], redirect_uri="com.example.other://cb"))
    for path in (f"/t/{tenant.id}/oidc/auth", f"/t/{tenant.id}/sign-in"):
        response = client.get(f"{path}?{query}", **ZH)
        body = response.content.decode()
        assert response.status_code == 400, path
        assert "此次登录无法继续" in body and "该应用要求返回一个它没有登记的地址" in body, path
        assert "<code>invalid_request: Mismatching redirect URI.</code>" in body, path


def test_the_error_page_follows_ui_locales(client, tenant, admin, make_app):
    app = make_app(tenant, admin)
    query = urlencode(authorize_params(app, pkce_pair()[1], redirect_uri="com.example.other://cb",
                                       ui_locales="zh-Hans"))
    assert "此次登录无法继续" in client.get(f"/t/{tenant.id}/sign-in?{query}").content.decode()


def test_every_page_names_the_favicon_and_favicon_ico_leads_to_it(client, admin, tenant):
    pages = [client.get(f"/t/{tenant.id}"), client.get("/console/sign-in")]
    client.force_login(admin)
    pages.append(client.get(f"/console/t/{tenant.id}/applications"))
    for page in pages:
        assert '<link rel="icon" href="/static/postern/favicon.svg" type="image/svg+xml">' in page.content.decode()
    ico = client.get("/favicon.ico")
    assert ico.status_code == 301 and ico["Location"] == "/static/postern/favicon.svg"
    svg = client.get("/static/postern/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in b"".join(svg.streaming_content)
