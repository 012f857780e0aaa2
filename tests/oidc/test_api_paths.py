"""The OIDC API path list is console.oidc.urls' names: a route named there reaches the middleware's short path,
and the discovery replay cache reads the same URL conf."""
import pytest
from django.http import JsonResponse
from django.test import Client
from django.urls import URLResolver, clear_url_caches, get_resolver, path

from console.oidc import document_cache
from console.oidc import urls as oidc_urls

pytestmark = pytest.mark.django_db


def test_the_api_paths_are_the_named_routes_under_any_tenant():
    api = oidc_urls.path_regex(oidc_urls.API_URL_NAMES)
    for route in (".well-known/openid-configuration", "jwks", "token", "me", "token/revocation",
                  "token/introspection"):
        assert api.match(f"/t/abc123/oidc/{route}"), route
    for other in ("/t/abc123/oidc/auth", "/t/abc123/oidc/session/end", "/t/abc123/oidc/session/end/confirm",
                  "/t/abc123/oidc/token/", "/t/abc123/oidc/tokens", "/t/a/b/oidc/token", "/console/oidc/token",
                  "/t/abc123/oidc/token\n"):
        assert not api.match(other), other
    cacheable = oidc_urls.path_regex(oidc_urls.CACHEABLE_URL_NAMES)
    assert cacheable.match("/t/abc123/oidc/.well-known/openid-configuration")
    assert not cacheable.match("/t/abc123/oidc/jwks")


def test_a_name_without_a_route_is_refused():
    with pytest.raises(LookupError):
        oidc_urls.path_regex(("discovery", "no-such-route"))


@pytest.fixture
def probe_routes(monkeypatch):
    """Two routes added to console/oidc/urls.py, `probe` named an API route, `probe-page` not; what each saw."""
    seen = {}

    def probe(request, tenant_id):
        seen[request.resolver_match.url_name] = hasattr(request, "session")
        return JsonResponse({"tenant": tenant_id})

    with monkeypatch.context() as patch:
        patch.setattr(oidc_urls, "urlpatterns", [*oidc_urls.urlpatterns, path("probe", probe, name="probe"),
                                                 path("probe-page", probe, name="probe-page")])
        patch.setattr(oidc_urls, "API_URL_NAMES", (*oidc_urls.API_URL_NAMES, "probe"))
        patch.setattr(oidc_urls, "CACHEABLE_URL_NAMES", (*oidc_urls.CACHEABLE_URL_NAMES, "probe"))
        _reload_url_conf()
        yield seen
    _reload_url_conf()


def _reload_url_conf():
    """As a restart would: the include keeps the patterns it read at import, so it must read them again."""
    clear_url_caches()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == oidc_urls.app_name:
            entry.__dict__.pop("url_patterns", None)


def test_an_api_route_added_to_the_url_conf_takes_the_short_path(probe_routes):
    client = Client()  # a new handler, so a new middleware instance reads the URL conf
    assert client.get("/t/abc123/oidc/probe").json() == {"tenant": "abc123"}
    assert client.get("/t/abc123/oidc/probe-page").json() == {"tenant": "abc123"}
    # The short path skips the session layer; the same view under a name not in the list does not.
    assert probe_routes == {"probe": False, "probe-page": True}


def test_a_cacheable_route_added_to_the_url_conf_reaches_the_replay_cache(probe_routes):
    cache = document_cache.DocumentCache(lambda environ, start_response: [])
    assert cache.cacheable.match("/t/abc123/oidc/probe")
    assert not cache.cacheable.match("/t/abc123/oidc/probe-page")
