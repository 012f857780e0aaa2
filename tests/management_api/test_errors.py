"""Everything under <endpoint>/api answers Logto's JSON error shape, even where no route matched."""
import pytest

pytestmark = pytest.mark.django_db


def test_unknown_routes_methods_and_tenants_answer_json(client, mapi):
    status, body, _ = mapi.call("GET", "/no-such-thing")
    assert status == 404 and body["code"] == "guard.route_not_found"
    status, body, response = mapi.call("DELETE", "/status")
    assert status == 405 and body["code"] == "guard.method_not_allowed" and response["Allow"] == "GET"
    unknown = client.get("/t/nosuch/api/status")
    assert unknown.status_code == 404 and unknown.json()["code"] == "entity.not_exists"
    assert mapi.call("GET", "/status", token="")[0] == 204  # the health check needs no token


def test_a_body_that_is_not_json_gets_a_400_with_logtos_shape(mapi):
    status, body, _ = mapi.call("POST", "/applications", b"{not json")
    assert status == 400 and body["code"] == "guard.invalid_input"
