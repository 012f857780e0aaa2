"""Every console URL that names an object answers 404 to an admin of another tenant, and changes nothing.

The URL conf is walked, so a new console URL is covered without touching this file; a URL argument this
file does not know how to fill fails the test until an object factory is added below.
"""
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from console.applications.models import Application
from console.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _console_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _console_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if route.startswith("console/") and "<" in route:
                yield route, entry


def _fill(route, values):
    import re

    def repl(match):
        name = match.group(2)
        if name not in values:
            raise AssertionError(f"{route}: add an object factory for URL argument {name!r} in this test")
        return str(values[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", repl, route)


@pytest.fixture
def victim(make_admin, make_tenant, make_app, make_end_user):
    owner = make_admin("victim-owner")
    tenant = make_tenant(owner, name="Victim")
    app = make_app(tenant, owner, framework="django", name="VictimApp",
                   redirect_uris=["https://victim.example/cb"], post_logout_redirect_uris=[])
    user = make_end_user(tenant, username="victim-user")
    values = {"tenant_id": tenant.id, "app_id": app.client_id, "user_id": user.uid}
    from tests.console import isolation_objects

    values.update(isolation_objects.make_all(tenant, owner))
    return values


def _snapshot():
    return (
        list(Application.objects.order_by("pk").values_list("name", "redirect_uris", "client_secret")),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("own_tenant", [False, True], ids=["foreign-tenant", "own-tenant-foreign-object"])
def test_every_object_url_is_404_for_another_tenants_admin(client, make_admin, make_tenant, victim, own_tenant):
    intruder = make_admin("intruder")
    intruder_tenant = make_tenant(intruder, name="Intruder")
    client.force_login(intruder)
    before = _snapshot()
    checked = 0
    for route, _pattern in _console_patterns():
        values = dict(victim)
        if own_tenant:
            if set(__import__("re").findall(r"<(?:\w+:)?(\w+)>", route)) == {"tenant_id"}:
                continue  # only the tenant in the URL: the intruder's own tenant is legitimately theirs
            values["tenant_id"] = intruder_tenant.id
        url = _fill(route, values)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            # 405 to a GET on a POST-only URL reveals nothing; every POST must be a 404.
            allowed = (404, 405) if method == "get" else (404,)
            assert response.status_code in allowed, f"{method.upper()} {url} answered {response.status_code}"
            checked += 1
    assert checked >= 6
    assert _snapshot()[0] == before[0]
    # the intruder's own tenant creation is the only audit entry
    assert _snapshot()[1] == before[1]
