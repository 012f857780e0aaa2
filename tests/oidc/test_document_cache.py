"""The discovery document as `make run` serves it: console.wsgi.application, with its short replay cache."""
import json

import pytest
from django.core.cache import cache

from console import wsgi
from console.oidc import document_cache
from tests.oidc.flows import wsgi_call

pytestmark = pytest.mark.django_db


def call(path, method="GET", **headers):
    return wsgi_call(wsgi.application, path, method, **headers)


@pytest.fixture
def tenant(settings, make_admin, make_tenant, make_app):
    settings.PUBLIC_URL = "http://testserver"
    owner = make_admin("owner")
    tenant = make_tenant(owner, name="A")
    make_app(tenant, owner, allowed_origins=["capacitor://localhost"])
    return tenant


def test_a_replayed_discovery_document_is_what_django_answered(tenant, monkeypatch):
    path = f"/t/{tenant.id}/oidc/.well-known/openid-configuration"
    status, headers, body = call(path)
    assert status == 200 and json.loads(body)["issuer"] == f"http://testserver/t/{tenant.id}/oidc"
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Content-Type"] == "application/json"
    # Replayed from process memory: the tenant row could be gone and the answer would be the same for SECONDS.
    tenant_id = tenant.id
    tenant.delete()
    cache.clear()
    assert call(path) == (status, headers, body)
    # ... and no longer once they have passed.
    monkeypatch.setattr(document_cache, "SECONDS", 0)
    wsgi.application._entries.clear()
    assert call(f"/t/{tenant_id}/oidc/.well-known/openid-configuration")[0] == 404


def test_each_origin_gets_its_own_cors_answer(tenant):
    path = f"/t/{tenant.id}/oidc/.well-known/openid-configuration"
    allowed = call(path, origin="capacitor://localhost")
    assert allowed[1]["Access-Control-Allow-Origin"] == "capacitor://localhost"
    assert "Access-Control-Allow-Origin" not in call(path, origin="https://evil.example")[1]
    assert "Access-Control-Allow-Origin" not in call(path)[1]
    assert call(path, origin="capacitor://localhost")[1]["Access-Control-Allow-Origin"] == "capacitor://localhost"


def test_other_methods_and_errors_are_not_replayed(tenant):
    path = f"/t/{tenant.id}/oidc/.well-known/openid-configuration"
    assert call(path, method="POST")[0] == 405
    assert call(path)[0] == 200
    assert call(path, method="POST")[0] == 405
    assert not any(key[0].startswith("/t/zzzzzz/") for key in wsgi.application._entries)
    assert call("/t/zzzzzz/oidc/.well-known/openid-configuration")[0] == 404
    assert not any(key[0].startswith("/t/zzzzzz/") for key in wsgi.application._entries)
