"""The OpenAPI document at <endpoint>/api/swagger.json: valid OpenAPI 3, lists every route the API answers, and the
console's Management API page shows them."""
import re

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def _served_paths():
    """Every path the Management API's URL patterns serve (Logto's `{name}` form), read from the URL conf."""
    from management_api.api import api

    paths = set()
    for pattern in api.urls[0]:
        route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        if pattern.name not in ("swagger_json", "api-root"):  # the document itself; ninja's index of the API
            paths.add(f"/api/{route}".rstrip("/"))
    return paths


def test_swagger_json_is_valid_openapi_3_and_lists_every_route(client, mapi):
    response = client.get(f"/t/{mapi.tenant.pk}/api/swagger.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": mapi.tenant.endpoint}]
    assert {"/api/applications", "/api/status"} <= set(document["paths"])
    assert set(document["paths"]) == _served_paths()


def test_the_console_page_shows_the_resource_and_every_route(client, mapi):
    client.force_login(mapi.owner)
    page = client.get(f"/console/t/{mapi.tenant.pk}/management-api").content.decode()
    assert mapi.tenant.management_api_indicator in page
    assert mapi.app.name in page
    document = client.get(f"/t/{mapi.tenant.pk}/api/swagger.json").json()
    for path in document["paths"]:
        assert f"<code>{path}</code>" in page
