"""/api/applications: Logto's shapes and status codes, the console's rules, named secrets, and every refusal."""
import base64
import json
from urllib.parse import quote

import pytest
from hypothesis import given, strategies as st

from console.applications.models import Application, ApplicationSecret
from console.audit.models import AuditEntry
from tests.management_api.fuzz import FUZZ_SETTINGS, URL_TEXT, assert_answered, keyed_bodies

pytestmark = pytest.mark.django_db

LOGTO_FIELDS = {"tenantId", "id", "name", "description", "type", "oidcClientMetadata", "customClientMetadata",
                "protectedAppMetadata", "customData", "isThirdParty", "appLevelAccessControlEnabled", "createdAt"}
SEED_APP = {"name": "Bookstore", "description": "The shop", "type": "Native",
            "oidcClientMetadata": {"redirectUris": ["com.example.app://callback"],
                                   "postLogoutRedirectUris": ["com.example.app://callback/sign-out"]},
            "customClientMetadata": {"corsAllowedOrigins": ["capacitor://localhost"], "refreshTokenTtlInDays": 30}}
WEB_APP = {"name": "Web", "type": "Traditional", "oidcClientMetadata": {
    "redirectUris": ["https://app.example/cb"], "postLogoutRedirectUris": []}}


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # hashing is not under test


def _create(mapi, body):
    status, app, response = mapi.call("POST", "/applications", body)
    assert status == 200, app
    return app, response


def _client_credentials(client, tenant, client_id, secret, basic=False):
    data = {"grant_type": "client_credentials", "resource": tenant.management_api_indicator, "scope": "all"}
    if basic:
        header = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        return client.post(f"/t/{tenant.pk}/oidc/token", data, HTTP_AUTHORIZATION=f"Basic {header}")
    return client.post(f"/t/{tenant.pk}/oidc/token", data | {"client_id": client_id, "client_secret": secret})


def test_create_answers_logtos_shape_with_200_and_get_adds_is_admin(mapi):
    app, response = _create(mapi, SEED_APP)
    assert LOGTO_FIELDS <= set(app) and "secret" not in app  # a native app has no secret
    assert app["type"] == "Native" and app["name"] == "Bookstore" and app["description"] == "The shop"
    assert app["tenantId"] == mapi.tenant.pk and len(app["id"]) == 21
    assert app["oidcClientMetadata"] == SEED_APP["oidcClientMetadata"]
    assert app["customClientMetadata"] == SEED_APP["customClientMetadata"]
    assert app["framework"] is None and app["managementApiAccess"] == ""
    assert response["Cache-Control"] == "no-store"
    status, fetched, _ = mapi.call("GET", f"/applications/{app['id']}")
    assert status == 200 and fetched == app | {"isAdmin": False}
    entry = AuditEntry.objects.get(action="application.create", target_label="Bookstore")
    assert entry.actor_application == mapi.app and entry.actor is None and "(Management API)" in entry.actor_label


def test_a_machine_app_answers_its_secret_once_and_the_secret_works(client, mapi):
    app, _ = _create(mapi, {"name": "Worker", "type": "MachineToMachine", "managementApiAccess": "read"})
    assert len(app["secret"]) == 32 and app["managementApiAccess"] == "read"
    token = _client_credentials(client, mapi.tenant, app["id"], app["secret"])
    assert token.status_code == 200 and token.json()["scope"] == "read"
    fetched = mapi.call("GET", f"/applications/{app['id']}")[1]
    assert "secret" not in fetched and fetched["isAdmin"] is False
    listed = mapi.call("GET", "/applications")[1]
    assert all("secret" not in item for item in listed)


def test_a_framework_from_the_catalogue_must_make_the_type_asked_for(mapi):
    app, _ = _create(mapi, SEED_APP | {"framework": "capacitor-js"})
    assert app["framework"] == "capacitor-js"
    status, body, _ = mapi.call("POST", "/applications", SEED_APP | {"type": "SPA", "framework": "capacitor-js"})
    assert status == 400 and body["code"] == "guard.invalid_input" and "framework" in body["data"]["fields"]
    status, body, _ = mapi.call("POST", "/applications", SEED_APP | {"framework": "cobol"})
    assert status == 400 and "framework" in body["data"]["fields"]


def test_the_list_pages_as_logto_and_filters_by_type(mapi):
    for index in range(3):
        _create(mapi, SEED_APP | {"name": f"Native {index}"})
    _create(mapi, WEB_APP)
    status, page, response = mapi.call("GET", "/applications?page=2&page_size=2")
    assert status == 200 and response["Total-Number"] == "5" and len(page) == 2
    status, natives, response = mapi.call("GET", "/applications?types=Native")
    assert response["Total-Number"] == "3" and {app["type"] for app in natives} == {"Native"}
    status, mixed, response = mapi.call("GET", "/applications?types=Traditional&types=MachineToMachine")
    assert response["Total-Number"] == "2" and {app["name"] for app in mixed} == {"Web", mapi.app.name}
    assert mapi.call("GET", "/applications?types=SAML")[2]["Total-Number"] == "0"
    status, body, _ = mapi.call("GET", "/applications?types=Desktop")
    assert status == 400 and body["code"] == "guard.invalid_input"
    assert mapi.call("GET", "/applications?page_size=101")[0] == 400


def test_patch_changes_what_is_sent_and_keeps_the_rest(mapi):
    app, _ = _create(mapi, SEED_APP)
    status, patched, _ = mapi.call("PATCH", f"/applications/{app['id']}", {
        "oidcClientMetadata": {"redirectUris": ["com.example.app://other"]},
        "customClientMetadata": {"refreshTokenTtlInDays": 7}})
    assert status == 200, patched
    assert patched["oidcClientMetadata"] == {"redirectUris": ["com.example.app://other"],
                                             "postLogoutRedirectUris": ["com.example.app://callback/sign-out"]}
    assert patched["customClientMetadata"] == {"corsAllowedOrigins": ["capacitor://localhost"],
                                               "refreshTokenTtlInDays": 7}
    assert patched["name"] == "Bookstore" and patched["description"] == "The shop"
    patched = mapi.call("PATCH", f"/applications/{app['id']}", {"name": "Shop", "description": None})[1]
    assert patched["name"] == "Shop" and patched["description"] is None
    entry = AuditEntry.objects.filter(action="application.update").first()
    assert entry.actor_application == mapi.app and entry.changes["name"] == ["Bookstore", "Shop"]


def test_is_admin_and_management_api_access_set_a_machine_apps_access(mapi):
    app, _ = _create(mapi, {"name": "Worker", "type": "MachineToMachine"})
    assert mapi.call("PATCH", f"/applications/{app['id']}", {"isAdmin": True})[1]["managementApiAccess"] == "all"
    assert mapi.call("GET", f"/applications/{app['id']}")[1]["isAdmin"] is True
    patched = mapi.call("PATCH", f"/applications/{app['id']}", {"isAdmin": True, "managementApiAccess": "read"})[1]
    assert patched["managementApiAccess"] == "read"
    assert mapi.call("PATCH", f"/applications/{app['id']}", {"isAdmin": False})[1]["managementApiAccess"] == ""
    native, _ = _create(mapi, SEED_APP)
    status, body, _ = mapi.call("PATCH", f"/applications/{native['id']}", {"isAdmin": True})
    assert status == 400 and "managementApiAccess" in body["data"]["fields"]


@pytest.mark.parametrize("body, field", [
    ({"name": "Worker", "type": "MachineToMachine",
      "oidcClientMetadata": {"redirectUris": ["https://a.example/cb"], "postLogoutRedirectUris": []}},
     "oidcClientMetadata.redirectUris"),
    (SEED_APP | {"oidcClientMetadata": {"redirectUris": ["http://evil.example/cb"], "postLogoutRedirectUris": []}},
     "oidcClientMetadata.redirectUris"),
    (SEED_APP | {"customClientMetadata": {"corsAllowedOrigins": ["https://a.example/path"]}},
     "customClientMetadata.corsAllowedOrigins"),
    (SEED_APP | {"customClientMetadata": {"refreshTokenTtlInDays": 0}}, "customClientMetadata.refreshTokenTtlInDays"),
    (SEED_APP | {"managementApiAccess": "all"}, "managementApiAccess"),
    (SEED_APP | {"name": "n" * 256}, "name"),
    (SEED_APP | {"name": "  "}, "name"),
    (SEED_APP | {"description": "d" * 2001}, "description"),
])
def test_the_consoles_rules_refuse_with_400_naming_the_field_and_save_nothing(mapi, body, field):
    before = Application.objects.count()
    status, answer, _ = mapi.call("POST", "/applications", body)
    assert status == 400 and answer["code"] == "guard.invalid_input" and field in answer["data"]["fields"], answer
    assert Application.objects.count() == before


@pytest.mark.parametrize("body, path", [
    ({"type": "Native"}, "name"),
    ({"name": "x", "type": "Protected"}, "type"),
    ({"name": "x", "type": "Native", "customClientMetadata": {"refreshTokenTtlInDays": "soon"}},
     "customClientMetadata.refreshTokenTtlInDays"),
])
def test_a_body_of_the_wrong_shape_is_400_with_the_field_path(mapi, body, path):
    status, answer, _ = mapi.call("POST", "/applications", body)
    assert status == 400 and answer["code"] == "guard.invalid_input", answer
    assert path in [issue["path"] for issue in answer["data"]["issues"]]


@pytest.mark.parametrize("name", ["x\x00", "x\ud800"])
def test_text_the_database_cannot_store_is_400(mapi, name):
    status, answer, _ = mapi.call("POST", "/applications", json.dumps({"name": name, "type": "Native"}))
    assert status == 400 and answer["code"] == "guard.invalid_input", answer
    assert Application.objects.count() == 1


def test_a_refused_patch_changes_nothing(mapi):
    app, _ = _create(mapi, SEED_APP)
    status, body, _ = mapi.call("PATCH", f"/applications/{app['id']}", {
        "name": "Renamed", "oidcClientMetadata": {"redirectUris": ["ftp://x"]}})
    assert status == 400 and "oidcClientMetadata.redirectUris" in body["data"]["fields"]
    assert mapi.call("GET", f"/applications/{app['id']}")[1]["name"] == "Bookstore"
    assert not AuditEntry.objects.filter(action="application.update").exists()


def test_third_party_apps_are_refused(mapi):
    status, body, _ = mapi.call("POST", "/applications", WEB_APP | {"isThirdParty": True})
    assert status == 400 and "isThirdParty" in body["data"]["fields"]


def test_delete_is_204_then_the_id_is_unknown(mapi):
    app, _ = _create(mapi, SEED_APP)
    status, body, response = mapi.call("DELETE", f"/applications/{app['id']}")
    assert status == 204 and response.content == b""
    status, body, _ = mapi.call("GET", f"/applications/{app['id']}")
    assert status == 404 and body["code"] == "entity.not_exists_with_id" and app["id"] in body["message"]
    assert AuditEntry.objects.get(action="application.delete").actor_application == mapi.app


def test_another_tenants_app_is_unknown_on_every_route(mapi, make_management_api):
    other = make_management_api()
    foreign = other.app.client_id
    for method, path, body in [("GET", "", None), ("PATCH", "", {"name": "Stolen"}), ("DELETE", "", None),
                               ("GET", "/secrets", None), ("POST", "/secrets", {"name": "mine"}),
                               ("DELETE", "/secrets/any", None)]:
        status, answer, _ = mapi.call(method, f"/applications/{foreign}{path}", body)
        assert status == 404 and answer["code"] == "entity.not_exists_with_id", (method, path, answer)
    assert Application.objects.get(client_id=foreign).name == other.app.name
    assert not ApplicationSecret.objects.exists()


def test_a_read_only_token_is_refused_on_every_write(make_management_api):
    api = make_management_api(access="read")
    target = api.app.client_id
    ApplicationSecret.objects.create(application=api.app, name="kept", checksum="0" * 64, last4="0000")
    for method, path, body in [("POST", "/applications", SEED_APP),
                               ("PATCH", f"/applications/{target}", {"name": "Changed"}),
                               ("DELETE", f"/applications/{target}", None),
                               ("POST", f"/applications/{target}/secrets", {"name": "new"}),
                               ("DELETE", f"/applications/{target}/secrets/kept", None)]:
        status, answer, _ = api.call(method, path, body)
        assert status == 403 and answer["code"] == "auth.forbidden", (method, path)
    assert Application.objects.get(client_id=target).name == api.app.name
    assert list(ApplicationSecret.objects.values_list("name", flat=True)) == ["kept"]
    assert not AuditEntry.objects.filter(actor_application=api.app).exists()


def test_a_named_secret_is_shown_once_authenticates_and_its_deletion_ends_the_apps_tokens(client, mapi):
    app, _ = _create(mapi, {"name": "Worker", "type": "MachineToMachine", "managementApiAccess": "all"})
    status, secret, response = mapi.call("POST", f"/applications/{app['id']}/secrets", {"name": "CI"})
    assert status == 201 and response["Cache-Control"] == "no-store"
    assert set(secret) == {"tenantId", "applicationId", "name", "value", "createdAt", "expiresAt"}
    assert secret["applicationId"] == app["id"] and secret["expiresAt"] is None and len(secret["value"]) == 32
    listed = mapi.call("GET", f"/applications/{app['id']}/secrets")[1]
    assert [item["name"] for item in listed] == ["CI"]
    assert listed[0]["value"] == "••••••••" + secret["value"][-4:]
    assert secret["value"] not in str(ApplicationSecret.objects.values())
    for basic in (False, True):
        assert _client_credentials(client, mapi.tenant, app["id"], secret["value"], basic=basic).status_code == 200
    assert _client_credentials(client, mapi.tenant, app["id"], listed[0]["value"]).status_code == 401
    token = _client_credentials(client, mapi.tenant, app["id"], secret["value"]).json()["access_token"]
    assert mapi.call("GET", "/applications", token=token)[0] == 200

    status, _, _ = mapi.call("DELETE", f"/applications/{app['id']}/secrets/CI")
    assert status == 204
    assert mapi.call("GET", "/applications", token=token)[0] == 401
    refused = _client_credentials(client, mapi.tenant, app["id"], secret["value"])
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert _client_credentials(client, mapi.tenant, app["id"], app["secret"]).status_code == 200  # the primary
    actions = list(AuditEntry.objects.filter(actor_application=mapi.app).values_list("action", flat=True))
    assert {"application.secret_add", "application.secret_delete"} <= set(actions)


def test_secret_refusals_as_logto(mapi):
    app, _ = _create(mapi, WEB_APP)
    path = f"/applications/{app['id']}/secrets"
    assert mapi.call("POST", path, {"name": "one"})[0] == 201
    status, body, _ = mapi.call("POST", path, {"name": "one"})
    assert status == 422 and body["code"] == "entity.unique_integrity_violation"
    status, body, _ = mapi.call("POST", path, {"name": "old", "expiresAt": 1_000_000})
    assert status == 400 and body["code"] == "request.invalid_input"
    status, body, _ = mapi.call("POST", path, {"name": "far", "expiresAt": 10 ** 20})
    assert status == 400 and body["code"] == "request.invalid_input"
    for name in ("", "a/b", "n" * 257):
        status, body, _ = mapi.call("POST", path, {"name": name})
        assert status == 400 and "name" in body["data"]["fields"], name
    status, body, _ = mapi.call("DELETE", f"{path}/nobody")
    assert status == 404 and body["code"] == "entity.not_found"
    status, body, _ = mapi.call("DELETE", f"{path}/%00")
    assert status == 400 and body["code"] == "guard.invalid_input"
    native, _ = _create(mapi, SEED_APP)
    status, body, _ = mapi.call("POST", f"/applications/{native['id']}/secrets", {"name": "x"})
    assert status == 400 and body["code"] == "guard.invalid_input"
    assert list(ApplicationSecret.objects.values_list("name", flat=True)) == ["one"]


def test_an_expired_named_secret_no_longer_authenticates(client, mapi):
    app, _ = _create(mapi, {"name": "Worker", "type": "MachineToMachine", "managementApiAccess": "read"})
    secret = mapi.call("POST", f"/applications/{app['id']}/secrets",
                       {"name": "soon", "expiresAt": 4_102_444_800_000})[1]
    assert secret["expiresAt"] == 4_102_444_800_000
    assert _client_credentials(client, mapi.tenant, app["id"], secret["value"]).status_code == 200
    ApplicationSecret.objects.filter(name="soon").update(expires_at="2000-01-01T00:00:00Z")  # time passes
    assert _client_credentials(client, mapi.tenant, app["id"], secret["value"]).status_code == 401


def test_arbitrary_bodies_never_answer_a_server_error(mapi):
    target, _ = _create(mapi, WEB_APP)
    app_keys = ["name", "description", "type", "isThirdParty", "customData", "framework", "managementApiAccess",
                "isAdmin"]
    nested = {"oidcClientMetadata": ["redirectUris", "postLogoutRedirectUris"],
              "customClientMetadata": ["corsAllowedOrigins", "refreshTokenTtlInDays"]}
    calls = st.one_of(
        st.tuples(st.just("POST"), st.just("/applications"), keyed_bodies(app_keys, nested)),
        st.tuples(st.just("PATCH"), st.just(f"/applications/{target['id']}"), keyed_bodies(app_keys, nested)),
        st.tuples(st.just("POST"), st.just(f"/applications/{target['id']}/secrets"), keyed_bodies(["name", "expiresAt"])),
        st.tuples(st.just("DELETE"), URL_TEXT.map(lambda name: f"/applications/{target['id']}/secrets/{quote(name)}"),
                  st.none()),
    )

    @FUZZ_SETTINGS
    @given(calls)
    def check(call):
        method, path, body = call
        status, answer, _ = mapi.call(method, path, body.encode() if isinstance(body, str) else body)
        assert_answered(status, answer)

    check()
