"""GET /api/logs (Logto's shape over admin changes, end-user activity and SMS sends) and GET /api/audit-logs."""
import json
import time
from urllib.parse import urlencode

import pytest

from console.audit.models import ActivityEntry
from signin_experience.selectors import experience_for
from tests.conftest import PASSWORD
from tests.oidc.flows import authorize_params, pkce_pair

pytestmark = pytest.mark.django_db
PHONE = "+8613800138000"


@pytest.fixture
def bookstore(mapi, make_app):
    return make_app(mapi.tenant, mapi.owner)


def hosted_sign_in(client, tenant, app, identifier, password=PASSWORD, **headers):
    url = f"/t/{tenant.id}/sign-in?{urlencode(authorize_params(app, pkce_pair()[1]))}"
    return client.post(url, {"identifier": identifier, "password": password}, **headers)


def logs(mapi, query="", **kwargs):
    status, body, response = mapi.call("GET", f"/logs{query}", **kwargs)
    assert status == 200, body
    return body, response


def test_a_hosted_sign_in_and_a_refused_password_are_logged_with_the_user(client, mapi, bookstore, make_end_user):
    reader = make_end_user(mapi.tenant, username="reader")
    make_end_user(mapi.tenant, username="writer")
    assert hosted_sign_in(client, mapi.tenant, bookstore, "writer").status_code == 302
    client.cookies.clear()
    assert hosted_sign_in(client, mapi.tenant, bookstore, "reader",
                          HTTP_USER_AGENT="Bookstore/1.0", REMOTE_ADDR="203.0.113.7").status_code == 302
    assert hosted_sign_in(client, mapi.tenant, bookstore, "reader", password="not it").status_code == 400

    body, response = logs(mapi, f"?userId={reader.uid}")
    assert response["Total-Number"] == "2"
    refused, signed_in = body
    assert signed_in["key"] == "Interaction.SignIn.Submit" and signed_in["id"].startswith("activity-")
    assert signed_in["tenantId"] == mapi.tenant.pk and isinstance(signed_in["createdAt"], int)
    assert signed_in["payload"] == {
        "key": "Interaction.SignIn.Submit", "result": "Success", "userId": reader.uid,
        "applicationId": bookstore.client_id, "ip": "203.0.113.7", "userAgent": "Bookstore/1.0",
        "method": "Password"}
    assert refused["key"] == "Interaction.SignIn.Verification.Password.Submit"
    assert refused["payload"]["result"] == "Error" and refused["payload"]["userId"] == reader.uid
    assert refused["payload"]["error"] == {"code": "session.invalid_credentials"}
    assert "not it" not in json.dumps(body)

    status, one, _ = mapi.call("GET", f"/logs/{signed_in['id']}")
    assert status == 200 and one == signed_in


def test_an_admin_change_through_the_api_names_the_app_as_actor(mapi, bookstore):
    assert mapi.call("PATCH", f"/applications/{bookstore.client_id}", {"name": "Bookstore 2"})[0] == 200
    body, _ = logs(mapi, "?logKey=Postern.Audit.application.update")
    assert len(body) == 1
    payload = body[0]["payload"]
    assert body[0]["id"].startswith("audit-") and payload["result"] == "Success"
    assert payload["applicationId"] == mapi.app.client_id
    assert payload["actor"] == {"type": "application", "id": mapi.app.client_id,
                                "name": f"{mapi.app.name} (Management API)"}
    assert payload["target"] == {"type": "application", "id": bookstore.client_id, "name": "Bookstore 2"}
    assert payload["changes"]["name"] == ["Bookstore", "Bookstore 2"]

    status, audit, response = mapi.call("GET", "/audit-logs?action=application.update")
    assert status == 200 and response["Total-Number"] == "1"
    assert audit[0]["id"] == body[0]["id"] and audit[0]["actor"]["type"] == "application"
    assert audit[0]["changes"] == payload["changes"]
    assert mapi.call("GET", f"/audit-logs/{audit[0]['id']}")[1] == audit[0]
    # The app's own creation, by the console admin, names the admin.
    status, created, _ = mapi.call("GET", "/audit-logs?action=application.create")
    assert {entry["actor"]["type"] for entry in created} == {"user"}
    assert mapi.owner.uid in {entry["actor"]["id"] for entry in created}


def test_an_sms_send_is_logged_with_the_number_masked(client, mapi, bookstore, tencent_connector_of, make_end_user):
    tencent_connector_of(mapi.tenant, mapi.owner)
    experience = experience_for(mapi.tenant)
    experience.sign_in = {"methods": [
        {"identifier": "phone", "password": False, "verificationCode": True, "isPasswordPrimary": False}]}
    experience.save()
    pat = make_end_user(mapi.tenant, username="pat", phone=PHONE)
    url = f"/t/{mapi.tenant.pk}/sign-in/code?{urlencode(authorize_params(bookstore, pkce_pair()[1]))}"
    assert client.post(url, {"phone": PHONE}).status_code == 302

    body, response = logs(mapi, "?logKey=Postern.Sms.Send")
    assert response["Total-Number"] == "1"
    entry = body[0]
    assert entry["id"].startswith("sms-") and entry["key"] == "Postern.Sms.Send"
    assert entry["payload"]["userId"] == pat.uid and entry["payload"]["result"] == "Success"
    sms = entry["payload"]["sms"]
    assert sms["phone"] == "+86*******8000" and sms["purpose"] == "SignIn" and sms["status"] == "QUEUED"
    assert "13800138000" not in json.dumps(body)
    # The user's own entries include the SMS sent to their number.
    assert [e["key"] for e in logs(mapi, f"?userId={pat.uid}")[0]] == ["Postern.Sms.Send"]


@pytest.fixture
def tencent_connector_of(emulator_config):
    from connectors.services import connector_create, connector_set_enabled

    def make(tenant, admin):
        connector = connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config=emulator_config)
        return connector_set_enabled(connector=connector, enabled=True, acting_user=admin)

    return make


def test_one_list_over_the_sources_newest_first_with_filters_and_paging(client, mapi, bookstore, make_end_user):
    reader = make_end_user(mapi.tenant, username="reader")
    writer = make_end_user(mapi.tenant, username="writer")
    for round_ in range(3):  # both sources longer than a page, interleaved in time
        hosted_sign_in(client, mapi.tenant, bookstore, "reader")
        assert mapi.call("PATCH", f"/users/{reader.uid}", {"name": f"Reader {round_}"})[0] == 200
        client.cookies.clear()
        hosted_sign_in(client, mapi.tenant, bookstore, "writer")
    everything, response = logs(mapi)
    total = int(response["Total-Number"])
    assert total == len(everything) >= 11  # two apps created, three renames, six sign-ins
    assert [e["createdAt"] for e in everything] == sorted((e["createdAt"] for e in everything), reverse=True)
    assert {e["id"].split("-")[0] for e in everything} == {"audit", "activity"}
    assert everything[0]["payload"]["userId"] == writer.uid

    pages = [logs(mapi, f"?page={n}&page_size=2")[0] for n in range(1, total // 2 + 2)]
    assert [e["id"] for page in pages for e in page] == [e["id"] for e in everything]
    assert all(logs(mapi, f"?page={n}&page_size=2")[1]["Total-Number"] == str(total) for n in (1, 2))

    sign_ins, _ = logs(mapi, "?logKey=Interaction.SignIn.Submit")
    assert {e["payload"]["userId"] for e in sign_ins} == {reader.uid, writer.uid}
    of_app, _ = logs(mapi, f"?applicationId={bookstore.client_id}")
    assert {e["key"] for e in of_app} >= {"Interaction.SignIn.Submit", "Postern.Audit.application.create"}
    assert all(e["payload"].get("applicationId") == bookstore.client_id or e["payload"]["target"]["id"]
               == bookstore.client_id for e in of_app)
    assert logs(mapi, "?logKey=Nothing.Like.This")[0] == []
    assert logs(mapi, "?userId=nobody")[0] == []

    newest = everything[0]["createdAt"]
    window, _ = logs(mapi, f"?start_time={newest}&end_time={newest}")
    assert everything[0]["id"] in {e["id"] for e in window}
    assert all(e["createdAt"] == newest for e in window)
    assert logs(mapi, f"?start_time={newest + 1}")[0] == []
    capped, response = logs(mapi, "?enableCap=true")
    assert len(capped) == total and response["Total-Number"] == str(total)
    assert "Total-Number-Is-Capped" not in response


@pytest.mark.parametrize("query", ["?start_time=soon", "?end_time=NaN", "?start_time=20&end_time=10",
                                   "?start_time=-62135596800001", "?end_time=1e300", "?end_time=inf",
                                   "?page=0", "?page=10000000000000", "?page_size=101"])
def test_bad_queries_answer_400(mapi, query):
    status, body, _ = mapi.call("GET", f"/logs{query}")
    assert status == 400 and body["code"] == "guard.invalid_input"


@pytest.mark.parametrize("log_id", ["activity-999999", "audit-x", "sms-", "nothing-1", "activity-1" + "0" * 30])
def test_unknown_ids_answer_404(mapi, log_id):
    status, body, _ = mapi.call("GET", f"/logs/{log_id}")
    assert status == 404 and body["code"] == "entity.not_exists"


def test_another_tenants_entries_are_invisible(client, mapi, make_management_api, bookstore, make_end_user):
    make_end_user(mapi.tenant, username="reader")
    hosted_sign_in(client, mapi.tenant, bookstore, "reader")
    mine, _ = logs(mapi)
    other = make_management_api()
    theirs, _ = logs(other)
    assert not {e["id"] for e in mine} & {e["id"] for e in theirs}
    assert all(e["tenantId"] == other.tenant.pk for e in theirs)
    for entry in mine:
        assert other.call("GET", f"/logs/{entry['id']}")[0] == 404
    audit_id = next(e["id"] for e in mine if e["id"].startswith("audit-"))
    assert other.call("GET", f"/audit-logs/{audit_id}")[0] == 404


def test_a_read_only_token_reads_the_logs(client, make_management_api, make_app, make_end_user):
    api = make_management_api(access="read")
    app = make_app(api.tenant, api.owner)
    make_end_user(api.tenant, username="reader")
    hosted_sign_in(client, api.tenant, app, "reader")
    body, _ = logs(api, "?logKey=Interaction.SignIn.Submit")
    assert len(body) == 1
    assert api.call("GET", "/audit-logs")[0] == 200
    assert api.call("GET", "/logs", token="")[0] == 401


def test_the_openapi_document_lists_the_log_routes(client, mapi):
    document = client.get(f"/t/{mapi.tenant.pk}/api/swagger.json").json()
    for path in ("/api/logs", "/api/logs/{log_id}", "/api/audit-logs", "/api/audit-logs/{log_id}"):
        assert "get" in document["paths"][path], path
    names = {p["name"] for p in document["paths"]["/api/logs"]["get"]["parameters"]}
    assert {"userId", "applicationId", "logKey", "enableCap", "start_time", "end_time", "page", "page_size"} <= names


def test_a_deleted_user_is_still_named_by_their_activity(client, mapi, bookstore, make_end_user):
    from console.users.services import end_user_delete

    reader = make_end_user(mapi.tenant, username="reader")
    hosted_sign_in(client, mapi.tenant, bookstore, "reader")
    uid = reader.uid
    end_user_delete(user=reader, acting_user=mapi.app)
    body, _ = logs(mapi, f"?userId={uid}")
    assert [e["key"] for e in body] == ["Postern.Audit.user.delete", "Interaction.SignIn.Submit"]
    assert ActivityEntry.objects.get(user_uid=uid).user is None
    assert time.time() * 1000 >= body[0]["createdAt"]


@pytest.mark.django_db(transaction=True)
def test_a_phone_registration_by_code_is_logged_with_its_method_and_its_sms(client, mapi, bookstore,
                                                                            tencent_connector_of, sms_emulator,
                                                                            celery_worker):
    from tests.signin_experience.test_phone_flows import code_from_emulator, send_code, verify

    tencent_connector_of(mapi.tenant, mapi.owner)
    experience = experience_for(mapi.tenant)
    experience.sign_up = {"identifiers": ["phone"], "password": False, "verify": True}
    experience.sign_in = {"methods": [
        {"identifier": "phone", "password": False, "verificationCode": True, "isPasswordPrimary": False}]}
    experience.save()
    assert send_code(client, mapi.tenant, bookstore, PHONE).status_code == 302
    code, _template = code_from_emulator(sms_emulator, PHONE)
    assert verify(client, mapi.tenant, bookstore, code).status_code == 302

    body, _ = logs(mapi, f"?applicationId={bookstore.client_id}&logKey=Interaction.Register.Submit")
    assert len(body) == 1 and body[0]["payload"]["method"] == "VerificationCode"
    uid = body[0]["payload"]["userId"]
    mine = logs(mapi, f"?userId={uid}")[0]
    assert [e["key"] for e in mine] == ["Interaction.Register.Submit", "Postern.Sms.Send"]
    assert mine[1]["payload"]["sms"]["purpose"] == "Register" and code not in json.dumps(mine)


def test_arbitrary_query_values_never_answer_5xx(client, mapi, bookstore, make_end_user):
    from hypothesis import HealthCheck, given, settings, strategies as st

    make_end_user(mapi.tenant, username="reader")
    hosted_sign_in(client, mapi.tenant, bookstore, "reader")
    value = st.one_of(st.text(max_size=40), st.sampled_from(["-1", "1e308", "nan", "-0", "9" * 30, "audit-1",
                                                             "Postern.Audit.", "true", "\x00"]))
    names = ["userId", "applicationId", "logKey", "start_time", "end_time", "enableCap", "page", "page_size"]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.dictionaries(st.sampled_from(names), value, max_size=4), value)
    def drive(query, log_id):
        status = client.get(f"{mapi.base}/logs", query, HTTP_AUTHORIZATION=f"Bearer {mapi.token}").status_code
        assert status in (200, 400), (query, status)
        path_status = mapi.call("GET", f"/logs/{log_id.replace('/', '')}")[0]
        assert path_status in (200, 400, 404, 405), (log_id, path_status)

    drive()
