"""Every console URL that names an object answers 404 to an admin of another tenant, and changes nothing.

The URL conf is walked, so a new console URL is covered without touching this file; a URL argument this
file does not know how to fill fails the test until an object factory is added below.
"""
import pytest

from console.applications.models import Application
from console.audit.models import AuditEntry
from tests.urlconf import fill, routes

pytestmark = pytest.mark.django_db


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
    for route in routes("console/"):
        if not route.arguments:
            continue
        values = dict(victim)
        if own_tenant:
            if route.arguments == {"tenant_id"}:
                continue  # only the tenant in the URL: the intruder's own tenant is legitimately theirs
            values["tenant_id"] = intruder_tenant.id
        url = fill(route, values)
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
