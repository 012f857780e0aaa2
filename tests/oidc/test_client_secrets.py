"""A confidential app's primary secret at the token endpoint: kept as its SHA-256 checksum (one hash per token
request, not PBKDF2's million rounds); a secret kept as a password hash before still works, and its first match
keeps it as its checksum from then on."""
import base64

import pytest
from django.contrib.auth.hashers import make_password

from console.applications.models import Application
from console.applications.services import application_secret_rotate, application_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def m2m(make_admin, make_tenant, make_app):
    owner = make_admin("owner")
    tenant = make_tenant(owner, name="A")
    app = make_app(tenant, owner, framework="m2m", name="Worker", redirect_uris=[],
                   post_logout_redirect_uris=[])
    return tenant, app, owner


def _client_credentials(client, tenant, app, secret, *, basic=False):
    data, headers = {"grant_type": "client_credentials"}, {}
    if basic:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"{app.client_id}:{secret}".encode()).decode()
    else:
        data.update(client_id=app.client_id, client_secret=secret)
    return client.post(f"/t/{tenant.id}/oidc/token", data, **headers)


def _stored(app):
    return Application.objects.values_list("client_secret", flat=True).get(pk=app.pk)


def test_a_new_secret_is_kept_as_its_checksum_and_authenticates_in_basic_and_the_body(client, m2m):
    tenant, app, _owner = m2m
    assert _stored(app).startswith("sha256$") and app.plaintext_secret not in _stored(app)
    assert _client_credentials(client, tenant, app, app.plaintext_secret).status_code == 200
    assert _client_credentials(client, tenant, app, app.plaintext_secret, basic=True).status_code == 200
    # Another last character (a fixed one would be the secret itself one time in 62).
    wrong = app.plaintext_secret[:-1] + ("y" if app.plaintext_secret.endswith("x") else "x")
    refused = _client_credentials(client, tenant, app, wrong)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"


def test_saving_the_app_again_keeps_the_secret_working(client, m2m):
    tenant, app, owner = m2m
    application_update(application=app, acting_user=owner, name="Worker 2", description="",
                       redirect_uris=[], post_logout_redirect_uris=[], allowed_origins=[],
                       refresh_token_ttl_days=14)
    assert _client_credentials(client, tenant, app, app.plaintext_secret).status_code == 200


def test_a_rotated_secret_is_kept_as_its_checksum(client, m2m):
    tenant, app, owner = m2m
    secret = application_secret_rotate(application=app, acting_user=owner)
    assert _stored(app).startswith("sha256$")
    assert _client_credentials(client, tenant, app, secret).status_code == 200
    assert _client_credentials(client, tenant, app, app.plaintext_secret).status_code == 401


def test_a_secret_kept_as_a_password_hash_works_and_is_kept_as_its_checksum_after_its_first_match(client, m2m):
    tenant, app, _owner = m2m
    legacy = make_password(app.plaintext_secret)
    Application.objects.filter(pk=app.pk).update(client_secret=legacy)
    assert _client_credentials(client, tenant, app, "wrong-secret").status_code == 401
    assert _stored(app) == legacy  # a wrong secret changes nothing
    assert _client_credentials(client, tenant, app, app.plaintext_secret, basic=True).status_code == 200
    assert _stored(app).startswith("sha256$")
    assert _client_credentials(client, tenant, app, app.plaintext_secret).status_code == 200
