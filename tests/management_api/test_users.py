"""/api/users: Logto's user shape, search, 422 codes, password and suspension, through the console's services."""
import json

import pytest
from hypothesis import given, strategies as st

from console.accounts.models import User
from console.audit.models import AuditEntry
from tests.management_api.fuzz import FUZZ_SETTINGS, URL_TEXT, assert_answered, keyed_bodies
from tests.conftest import PASSWORD
from tests.oidc.flows import tokens_for

pytestmark = pytest.mark.django_db

LOGTO_FIELDS = {"id", "username", "primaryEmail", "primaryPhone", "name", "avatar", "customData", "identities",
                "lastSignInAt", "createdAt", "updatedAt", "profile", "applicationId", "isSuspended", "hasPassword"}
READER = {"username": "reader", "password": PASSWORD, "primaryPhone": "8613900139078", "name": "Rita Reader",
          "primaryEmail": "Rita@Example.com"}


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # hashing is not under test


def _create(mapi, body):
    status, user, _ = mapi.call("POST", "/users", body)
    assert status == 200, user
    return user


def test_create_answers_logtos_user_shape_and_the_id_is_the_sub(mapi):
    user = _create(mapi, READER)
    assert set(user) == LOGTO_FIELDS
    assert user["username"] == "reader" and user["primaryEmail"] == "rita@example.com"
    assert user["primaryPhone"] == "8613900139078" and user["name"] == "Rita Reader"
    assert user["hasPassword"] is True and user["isSuspended"] is False and user["lastSignInAt"] is None
    assert user["customData"] == {} and user["identities"] == {} and user["profile"] == {}
    stored = User.objects.get(uid=user["id"])
    assert stored.tenant == mapi.tenant and stored.phone == "+8613900139078" and stored.check_password(PASSWORD)
    assert mapi.call("GET", f"/users/{user['id']}")[1] == user
    entry = AuditEntry.objects.get(action="user.create")
    assert entry.actor_application == mapi.app and entry.target_label == "reader"
    assert PASSWORD not in json.dumps(entry.changes)


def test_the_phone_is_read_with_or_without_plus_as_the_console_reads_it(mapi):
    assert _create(mapi, {"primaryPhone": "+86 139 0013 9001"})["primaryPhone"] == "8613900139001"
    assert _create(mapi, {"primaryPhone": "008613900139002"})["primaryPhone"] == "8613900139002"
    assert _create(mapi, {"primaryPhone": "447911123456"})["primaryPhone"] == "447911123456"  # not the tenant's +86
    passwordless = _create(mapi, {"primaryPhone": "8613900139003"})
    assert passwordless["hasPassword"] is False and passwordless["username"] is None and passwordless["name"] is None


@pytest.mark.parametrize("taken, code", [
    ({"username": "reader"}, "user.username_already_in_use"),
    ({"primaryEmail": "RITA@example.com"}, "user.email_already_in_use"),
    ({"primaryPhone": "+86 139 0013 9078"}, "user.phone_already_in_use"),
])
def test_an_identifier_another_user_holds_is_logtos_422_and_nothing_is_saved(mapi, taken, code):
    _create(mapi, READER)
    status, body, _ = mapi.call("POST", "/users", {"name": "Copy"} | taken)
    assert status == 422 and body["code"] == code, body
    assert User.objects.filter(tenant=mapi.tenant).count() == 1


def test_the_same_identifiers_in_another_tenant_are_another_person(mapi, make_management_api):
    _create(mapi, READER)
    other = make_management_api()
    assert _create(other, READER)["id"] != mapi.call("GET", "/users")[1][0]["id"]


@pytest.mark.parametrize("body, field", [
    ({"primaryEmail": "not-an-email"}, "primaryEmail"),
    ({"primaryPhone": "12345"}, "primaryPhone"),
    ({"username": "reader", "password": "password"}, "password"),
    ({"username": "reader", "password": "short"}, "password"),
    ({"username": "u" * 129}, "username"),
    ({"name": "nobody"}, "username"),
    ({"username": "reader", "passwordDigest": "$2a$10$abc", "passwordAlgorithm": "Bcrypt"}, "passwordDigest"),
])
def test_the_consoles_rules_refuse_with_400_naming_the_field(mapi, body, field):
    status, answer, _ = mapi.call("POST", "/users", body)
    assert status == 400 and answer["code"] == "guard.invalid_input" and field in answer["data"]["fields"], answer
    assert not User.objects.filter(tenant=mapi.tenant).exists()


@pytest.mark.parametrize("body", [{"username": 5}, {"username": "x\ud800"}, [], "text"])
def test_a_body_of_the_wrong_shape_is_400(mapi, body):
    status, answer, _ = mapi.call("POST", "/users", json.dumps(body))
    assert status == 400 and answer["code"] == "guard.invalid_input", answer
    assert not User.objects.filter(tenant=mapi.tenant).exists()


def test_the_list_pages_with_logtos_headers_newest_first(mapi):
    for index in range(5):
        _create(mapi, {"username": f"user{index}"})
    status, page, response = mapi.call("GET", "/users?page=2&page_size=2")
    assert status == 200 and response["Total-Number"] == "5"
    assert [user["username"] for user in page] == ["user2", "user1"]
    assert mapi.call("GET", "/users?page=9")[1] == []
    assert mapi.call("GET", "/users?page=0")[0] == 400


def test_logtos_search_parameters(mapi):
    rita = _create(mapi, READER)
    _create(mapi, {"username": "ritual", "name": "Other"})
    _create(mapi, {"username": "bob", "primaryEmail": "bob@example.com", "primaryPhone": "8613900139099"})

    def found(query):
        status, users, response = mapi.call("GET", f"/users?{query}")
        assert status == 200, users
        assert response["Total-Number"] == str(len(users))
        return sorted(user["username"] for user in users)

    assert found("search=reader") == ["reader"]  # a LIKE pattern without wildcards matches whole values
    assert found("search=%25rit%25") == ["reader", "ritual"]
    assert found("search=%25RIT%25") == ["reader", "ritual"]  # case-insensitive by default
    assert found("search_params%5Bsearch%5D=%25rit%25") == ["reader", "ritual"]  # @logto/api's deepObject
    assert found("search.primaryPhone=8613900139099") == ["bob"]
    assert found("search.primaryPhone=%25139078") == ["reader"]
    assert found("search.primaryEmail=rita%40example.com&mode.primaryEmail=exact") == ["reader"]
    assert found("search.name=%25other%25&search.username=rea%25") == ["reader", "ritual"]
    assert found("search.name=%25other%25&search.username=rea%25&joint=and") == []
    assert found("search.name=%25reader%25&search.username=rea%25&joint=and") == ["reader"]
    assert found(f"search.id={rita['id']}") == ["reader"]
    assert found("search=bob&search=reader&mode=exact") == ["bob", "reader"]
    assert found("search=ri_ual") == ["ritual"]


@pytest.mark.parametrize("query", ["search=", "search.password=x", "search.name.first=x", "mode=posix&search=x",
                                   "mode=similar_to&search=x", "mode=fuzzy&search=x", "joint=xor&search=x",
                                   "search=a&search=b", f"search={'x' * 257}"])
def test_a_search_logto_refuses_is_400_request_invalid_input(mapi, query):
    status, body, _ = mapi.call("GET", f"/users?{query}")
    assert status == 400 and body["code"] == "request.invalid_input", body


def test_patch_changes_what_is_sent_keeps_the_rest_and_null_removes(mapi):
    user = _create(mapi, READER)
    status, patched, _ = mapi.call("PATCH", f"/users/{user['id']}", {"name": "Rita R.", "primaryEmail": None})
    assert status == 200, patched
    assert patched["name"] == "Rita R." and patched["primaryEmail"] is None
    assert patched["username"] == "reader" and patched["primaryPhone"] == "8613900139078"
    patched = mapi.call("PATCH", f"/users/{user['id']}", {"primaryPhone": "8613900139079", "username": ""})[1]
    assert patched["primaryPhone"] == "8613900139079" and patched["username"] is None
    entry = AuditEntry.objects.filter(action="user.update").first()
    assert entry.actor_application == mapi.app and entry.changes["phone"] == ["+8613900139078", "+8613900139079"]


def test_a_refused_patch_is_logtos_code_and_changes_nothing(mapi):
    _create(mapi, {"username": "taken"})
    user = _create(mapi, READER)
    status, body, _ = mapi.call("PATCH", f"/users/{user['id']}", {"name": "Changed", "username": "taken"})
    assert status == 422 and body["code"] == "user.username_already_in_use"
    status, body, _ = mapi.call("PATCH", f"/users/{user['id']}", {"name": "Changed", "primaryPhone": "1"})
    assert status == 400 and "primaryPhone" in body["data"]["fields"]
    status, body, _ = mapi.call("PATCH", f"/users/{user['id']}",
                                {"username": None, "primaryEmail": None, "primaryPhone": None})
    assert status == 400 and body["code"] == "guard.invalid_input"
    assert mapi.call("GET", f"/users/{user['id']}")[1] == user


def test_setting_a_password_checks_it_and_signs_the_user_out_everywhere(client, mapi, make_app):
    app = make_app(mapi.tenant, mapi.owner)
    user = _create(mapi, READER)
    tokens = tokens_for(client, mapi.tenant, app, identifier="reader")
    status, body, _ = mapi.call("PATCH", f"/users/{user['id']}/password", {"password": "password"})
    assert status == 400 and "password" in body["data"]["fields"]
    assert mapi.call("PATCH", f"/users/{user['id']}/password", {"password": "x" * 257})[0] == 400
    assert mapi.call("PATCH", f"/users/{user['id']}/password", {})[0] == 400
    assert User.objects.get(uid=user["id"]).check_password(PASSWORD)

    status, body, _ = mapi.call("PATCH", f"/users/{user['id']}/password", {"password": "A new shelf 2027"})
    assert status == 200 and body["id"] == user["id"] and body["hasPassword"] is True
    assert User.objects.get(uid=user["id"]).check_password("A new shelf 2027")
    userinfo = client.get(f"/t/{mapi.tenant.pk}/oidc/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert userinfo.status_code == 401
    refresh = client.post(f"/t/{mapi.tenant.pk}/oidc/token", {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": app.client_id})
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"
    entry = AuditEntry.objects.get(action="user.password_set")
    assert entry.actor_application == mapi.app and entry.changes["signed_out_everywhere"] is True


def test_suspending_and_reactivating(client, mapi, make_app):
    app = make_app(mapi.tenant, mapi.owner)
    user = _create(mapi, READER)
    tokens = tokens_for(client, mapi.tenant, app, identifier="reader")
    status, body, _ = mapi.call("PATCH", f"/users/{user['id']}/is-suspended", {"isSuspended": True})
    assert status == 200 and body["isSuspended"] is True
    userinfo = client.get(f"/t/{mapi.tenant.pk}/oidc/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert userinfo.status_code == 401
    assert mapi.call("GET", "/users?search=reader")[1][0]["isSuspended"] is True
    status, body, _ = mapi.call("PATCH", f"/users/{user['id']}/is-suspended", {"isSuspended": "no"})
    assert status == 400 and body["code"] == "guard.invalid_input"
    assert mapi.call("PATCH", f"/users/{user['id']}/is-suspended", {"isSuspended": False})[1]["isSuspended"] is False
    actions = list(AuditEntry.objects.filter(actor_application=mapi.app).values_list("action", flat=True))
    assert {"user.suspend", "user.reactivate"} <= set(actions)


def test_delete_is_204_then_the_id_is_unknown(mapi):
    user = _create(mapi, READER)
    status, _, response = mapi.call("DELETE", f"/users/{user['id']}")
    assert status == 204 and response.content == b""
    status, body, _ = mapi.call("GET", f"/users/{user['id']}")
    assert status == 404 and body["code"] == "entity.not_exists_with_id" and user["id"] in body["message"]
    assert AuditEntry.objects.get(action="user.delete").actor_application == mapi.app


ROUTES = [("GET", "", None), ("PATCH", "", {"name": "Stolen"}), ("DELETE", "", None),
          ("PATCH", "/password", {"password": "A new shelf 2027"}), ("PATCH", "/is-suspended", {"isSuspended": True})]


def test_another_tenants_user_and_a_console_admin_are_unknown_on_every_route(mapi, make_management_api):
    other = make_management_api()
    foreign = _create(other, READER)["id"]
    for uid in (foreign, mapi.owner.uid, "nobody"):
        for method, path, body in ROUTES:
            status, answer, _ = mapi.call(method, f"/users/{uid}{path}", body)
            assert status == 404 and answer["code"] == "entity.not_exists_with_id", (method, path, answer)
    stored = User.objects.get(uid=foreign)
    assert stored.name == "Rita Reader" and not stored.is_suspended and stored.check_password(PASSWORD)
    assert mapi.call("GET", "/users")[2]["Total-Number"] == "0"


def test_a_read_only_token_is_refused_on_every_write(mapi, make_management_api):
    reader = make_management_api(access="read", tenant=mapi.tenant)
    user = _create(mapi, READER)
    assert reader.call("GET", f"/users/{user['id']}")[0] == 200
    for method, path, body in [("POST", "", {"username": "new"})] + [
            (method, f"/{user['id']}{path}", body) for method, path, body in ROUTES if method != "GET"]:
        status, answer, _ = reader.call(method, f"/users{path}", body)
        assert status == 403 and answer["code"] == "auth.forbidden", (method, path)
    assert mapi.call("GET", f"/users/{user['id']}")[1] == user
    assert not AuditEntry.objects.filter(actor_application=reader.app).exists()




def test_arbitrary_bodies_never_answer_a_server_error(mapi):
    target = _create(mapi, READER)["id"]
    user_keys = ["username", "primaryEmail", "primaryPhone", "password", "name", "passwordDigest",
                 "passwordAlgorithm", "avatar", "customData", "profile"]
    calls = st.one_of(
        st.tuples(st.just("POST"), st.just("/users"), keyed_bodies(user_keys)),
        st.tuples(st.just("PATCH"), st.just(f"/users/{target}"), keyed_bodies(user_keys)),
        st.tuples(st.just("PATCH"), st.just(f"/users/{target}/password"), keyed_bodies(["password"])),
        st.tuples(st.just("PATCH"), st.just(f"/users/{target}/is-suspended"), keyed_bodies(["isSuspended"])),
        st.tuples(st.just("GET"), st.dictionaries(st.sampled_from(
            ["search", "search.name", "search.primaryPhone", "search_params[search]", "mode", "joint",
             "isCaseSensitive", "page", "page_size", "search.x"]), URL_TEXT, max_size=3), st.none()),
    )

    @FUZZ_SETTINGS
    @given(calls)
    def check(call):
        method, path, body = call
        if method == "GET":
            response = mapi.client.get(f"{mapi.base}/users", path, HTTP_AUTHORIZATION=f"Bearer {mapi.token}")
            status, answer = response.status_code, response.json() if response.content else None
        else:
            status, answer, _ = mapi.call(method, path, body.encode() if isinstance(body, str) else body)
        assert_answered(status, answer)

    check()
