"""The OIDC API endpoints as `make run` serves them: console.wsgi.application answers them through its short lane
(console.oidc.middleware), which must say exactly what Django's whole handler says."""
import time
from urllib.parse import urlencode

import psycopg
import pytest
from django.db import connection

from console import wsgi
from tests.oidc.flows import tokens_for, wsgi_call


@pytest.fixture
def signed_in(setup, client):
    tenant, app, _user, _owner = setup
    app.allowed_origins = "capacitor://localhost"
    app.save()
    return tenant, app, tokens_for(client, tenant, app)


def both(path, method="GET", body=b"", **headers):
    """The lane's answer and Django's handler's answer to the same request."""
    return (wsgi_call(wsgi.application, path, method, body, **headers),
            wsgi_call(wsgi.django_application, path, method, body, **headers))


@pytest.mark.django_db
def test_the_lane_answers_every_api_request_as_djangos_handler_does(signed_in):
    tenant, app, tokens = signed_in
    me = f"/t/{tenant.id}/oidc/me"
    bearer = {"authorization": f"Bearer {tokens['access_token']}", "origin": "capacitor://localhost"}
    cases = [
        (me, "GET", b"", bearer),
        (me, "GET", b"", {"authorization": "Bearer not-a-token"}),
        (me, "OPTIONS", b"", {"origin": "capacitor://localhost"}),
        (me, "DELETE", b"", {}),
        (f"{me}?q=%00", "GET", b"", bearer),
        (f"/t/{tenant.id}/oidc/token", "POST", urlencode({"grant_type": "authorization_code", "code": "nope",
                                                          "client_id": app.client_id}).encode(), {}),
        (f"/t/{tenant.id}/oidc/token/introspection", "POST", b"token=x", {}),
        ("/t/zzzzzz/oidc/me", "GET", b"", bearer),
    ]
    for path, method, body, headers in cases:
        lane, django = both(path, method, body, **headers)
        assert lane == django, (method, path)
    lane, _ = both(me, **bearer)
    assert lane[0] == 200 and lane[1]["Access-Control-Allow-Origin"] == "capacitor://localhost"
    assert lane[1]["X-Content-Type-Options"] == "nosniff" and lane[1]["Referrer-Policy"] == "same-origin"
    assert both(f"{me}?q=%00", **bearer)[0][0] == 400
    assert both("/t/zzzzzz/oidc/me", **bearer)[0][0] == 404


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_database_closed_is_replaced_before_the_next_api_request(signed_in):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (SQLite has no server to close it)")
    tenant, _app, tokens = signed_in
    path = f"/t/{tenant.id}/oidc/me"
    headers = {"authorization": f"Bearer {tokens['access_token']}"}
    first = wsgi_call(wsgi.application, path, tidy_connections=True, **headers)
    assert first[0] == 200
    connection.ensure_connection()
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k in ("host", "port", "user", "password", "dbname")},
                         autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    time.sleep(0.3)
    assert wsgi_call(wsgi.application, path, tidy_connections=True, **headers) == first
