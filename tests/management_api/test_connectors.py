"""/api/connectors and /api/connector-factories: Logto's shapes over the console's connector services, secrets
masked, the console's validation errors by path, and the test send through a real worker to the SMS sandbox."""
import json
import re

import pytest
from hypothesis import given, strategies as st

from connectors.models import Connector, SmsMessage
from connectors.selectors import connector_secrets
from connectors.services import sms_test_send
from console.accounts.models import User
from console.audit.models import AuditEntry
from tests.connectors.conftest import broker_down  # noqa: F401 (a fixture)
from tests.management_api.fuzz import FUZZ_SETTINGS, assert_answered, changed_bodies

pytestmark = pytest.mark.django_db

TENCENT = "tencent-short-message-service"
SECRET = "example-secret-key-0000"


def create(mapi, config, **extra):
    return mapi.call("POST", "/connectors", {"connectorId": TENCENT, "config": config, **extra})


def test_a_connector_created_with_the_seed_guides_config_answers_logtos_shape_and_masks_the_secret(mapi,
                                                                                                  tencent_config):
    status, body, response = create(mapi, tencent_config)

    assert status == 200, body
    assert body["connectorId"] == TENCENT and body["type"] == "Sms" and body["platform"] is None
    assert body["isStandard"] is False and body["syncProfile"] is False and body["metadata"] == {}
    assert body["name"] == {"en": "Tencent Cloud SMS"} and body["readme"] and body["enabled"] is True
    assert body["config"]["accessKeySecret"] == "••••0000"
    assert body["config"]["templates"][3] == {"templateCode": "2004", "usageType": "Generic"}
    connector = Connector.objects.get(pk=int(body["id"]), tenant=mapi.tenant)
    assert connector_secrets(connector) == {"accessKeySecret": SECRET}
    for path in ("/connectors", f"/connectors/{body['id']}"):
        read = mapi.call("GET", path)[2]
        assert read.status_code == 200 and SECRET not in read.content.decode()
    assert SECRET not in response.content.decode()
    entry = AuditEntry.objects.get(action="connector.create")
    assert entry.actor_application == mapi.app and entry.actor is None


def test_postern_extras_of_the_json_editor_are_accepted(mapi, tencent_config):
    config = {**tencent_config, "internationalSignName": "Postern Intl",
              "internationalTemplates": [{"templateCode": "3004", "usageType": "Generic", "locale": "en"},
                                         {"templateCode": "3005", "usageType": "Generic"}]}
    status, body, _ = create(mapi, config, metadata={"name": {"en": "Tencent (production)"}})
    assert status == 200, body
    assert body["config"]["internationalTemplates"][0]["locale"] == "en"
    assert body["metadata"] == {"name": {"en": "Tencent (production)"}}
    assert Connector.objects.get(pk=int(body["id"])).name == "Tencent (production)"


@pytest.mark.parametrize("change, path, words", [
    ({"templates": [{"templateCode": "1", "usageType": "Login"}]}, "config.templates[0].usageType", "one of"),
    ({"accessKeySecret": ""}, "config.accessKeySecret", "Required"),
    ({"sdkAppId": "app-1"}, "config.sdkAppId", "digits"),
    ({"colour": "red"}, "config.colour", "Unknown field"),
])
def test_the_consoles_config_errors_come_back_by_path_and_nothing_is_saved(mapi, tencent_config, change, path,
                                                                           words):
    status, body, _ = create(mapi, {**tencent_config, **change})

    assert status == 400 and body["code"] == "connector.invalid_config"
    assert words in " ".join(body["data"]["fields"][path])
    assert not Connector.objects.filter(tenant=mapi.tenant).exists()


def test_a_config_nested_past_the_consoles_bound_is_refused(mapi, tencent_config):
    deep = {**tencent_config, "templates": [[[[[[[[[[["x"]]]]]]]]]]]}
    status, body, _ = create(mapi, deep)
    assert status == 400 and body["code"] == "connector.invalid_config" and "10 levels" in body["message"]
    too_deep_to_parse = '{"connectorId": "x", "config": ' + "[" * 5000 + "]" * 5000 + "}"
    status, body, _ = mapi.call("POST", "/connectors", too_deep_to_parse)
    assert status == 400 and body["code"]


def test_unknown_factories_and_chosen_ids_are_refused_as_logto_does(mapi, tencent_config):
    status, body, _ = mapi.call("POST", "/connectors", {"connectorId": "aliyun-short-message-service",
                                                        "config": tencent_config})
    assert status == 422 and body["code"] == "connector.not_found_with_connector_id" and TENCENT in body["message"]
    status, body, _ = create(mapi, tencent_config, id="my-connector")
    assert status == 422 and body["code"] == "connector.custom_id_not_supported"
    status, body, _ = create(mapi, tencent_config, syncProfile=True)
    assert status == 422 and body["code"] == "connector.invalid_type_for_syncing_profile"
    assert not Connector.objects.exists()


def test_patch_keeps_a_masked_secret_renames_and_enables(mapi, tencent_config):
    first = create(mapi, tencent_config)[1]
    second = create(mapi, tencent_config)[1]
    assert first["enabled"] is True and second["enabled"] is False  # the console's rule: one enabled per tenant

    edited = dict(second["config"], signName="Postern Two")  # the secret still masked, as GET answered it
    status, body, _ = mapi.call("PATCH", f"/connectors/{second['id']}", {
        "config": edited, "metadata": {"name": {"en": "Second"}}, "enabled": True})

    assert status == 200, body
    assert body["config"]["signName"] == "Postern Two" and body["enabled"] is True
    connector = Connector.objects.get(pk=int(second["id"]))
    assert connector.name == "Second" and connector_secrets(connector) == {"accessKeySecret": SECRET}
    assert mapi.call("GET", f"/connectors/{first['id']}")[1]["enabled"] is False
    status, body, _ = mapi.call("PATCH", f"/connectors/{second['id']}", {"enabled": False})
    assert status == 200 and body["enabled"] is False and body["metadata"] == {"name": {"en": "Second"}}


def test_a_connector_created_enabled_takes_over_from_the_tenants_other_one(mapi, tencent_config):
    first = create(mapi, tencent_config)[1]
    status, second, _ = create(mapi, tencent_config, enabled=True)
    assert status == 200 and second["enabled"] is True
    assert not Connector.objects.get(pk=int(first["id"])).enabled
    assert create(mapi, tencent_config, enabled=False)[1]["enabled"] is False


def test_patch_refusals_change_nothing(mapi, tencent_config):
    connector = create(mapi, tencent_config)[1]
    status, body, _ = mapi.call("PATCH", f"/connectors/{connector['id']}", {
        "config": dict(connector["config"], templates=[]), "enabled": False})
    assert status == 400 and body["code"] == "connector.invalid_config"
    assert "config.templates" in body["data"]["fields"]
    status, body, _ = mapi.call("PATCH", f"/connectors/{connector['id']}", {"metadata": {"logo": "https://x.example"}})
    assert status == 400 and body["code"] == "connector.cannot_overwrite_metadata_for_non_standard_connector"
    status, body, _ = mapi.call("PATCH", f"/connectors/{connector['id']}", {"syncProfile": True})
    assert status == 422 and body["code"] == "connector.invalid_type_for_syncing_profile"
    stored = Connector.objects.get(pk=int(connector["id"]))
    assert stored.enabled and len(stored.config["templates"]) == 4


def test_delete_answers_204_then_404(mapi, tencent_config):
    connector = create(mapi, tencent_config)[1]
    status, _, response = mapi.call("DELETE", f"/connectors/{connector['id']}")
    assert status == 204 and response.content == b""
    status, body, _ = mapi.call("GET", f"/connectors/{connector['id']}")
    assert status == 404 and body["code"] == "entity.not_exists_with_id"
    assert AuditEntry.objects.get(action="connector.delete").actor_application == mapi.app


@pytest.mark.parametrize("path", ["abc", "99999999999999999999", "0", "-1"])
def test_ids_that_are_no_row_answer_404(mapi, path):
    status, body, _ = mapi.call("GET", f"/connectors/{path}")
    assert status == 404 and body["code"] == "entity.not_exists_with_id"


def test_connector_factories_list_tencent(mapi):
    status, body, _ = mapi.call("GET", "/connector-factories")
    assert status == 200 and [factory["id"] for factory in body] == [TENCENT]
    factory = body[0]
    assert factory["type"] == "Sms" and factory["platform"] is None and factory["readme"]
    assert set(json.loads(factory["configTemplate"])) >= {"accessKeyId", "accessKeySecret", "signName", "region",
                                                          "sdkAppId", "templates"}
    secret = next(item for item in factory["formItems"] if item["key"] == "accessKeySecret")
    assert secret["type"] == "Text" and secret["isConfidential"] is True
    assert mapi.call("GET", f"/connector-factories/{TENCENT}")[1] == factory
    assert mapi.call("GET", "/connector-factories/nosuch")[0] == 404


def test_another_tenants_connector_id_answers_404_and_stays_as_it_was(make_management_api, tencent_config):
    tenant_a, tenant_b = make_management_api(), make_management_api()
    connector = create(tenant_a, tencent_config)[1]
    path = f"/connectors/{connector['id']}"

    for method, body in (("GET", None), ("PATCH", {"enabled": False}), ("DELETE", None)):
        status, answer, _ = tenant_b.call(method, path, body)
        assert status == 404 and answer["code"] == "entity.not_exists_with_id", method
    assert tenant_b.call("GET", "/connectors")[1] == []
    assert Connector.objects.get(pk=int(connector["id"])).enabled


def test_a_read_only_token_reads_and_cannot_write(make_management_api, tencent_config):
    writer = make_management_api()
    reader = make_management_api(access="read", tenant=writer.tenant)
    connector = create(writer, tencent_config)[1]
    assert reader.call("GET", f"/connectors/{connector['id']}")[0] == 200
    for method, path, body in (
            ("POST", "/connectors", {"connectorId": TENCENT, "config": tencent_config}),
            ("PATCH", f"/connectors/{connector['id']}", {"enabled": False}),
            ("DELETE", f"/connectors/{connector['id']}", None),
            ("POST", f"/connectors/{TENCENT}/test", {"phone": "+8613800138000", "config": tencent_config})):
        status, answer, _ = reader.call(method, path, body)
        assert status == 403 and answer["code"] == "auth.forbidden", (method, path)
    assert Connector.objects.filter(tenant=writer.tenant).count() == 1 and not SmsMessage.objects.exists()


# --- The test send ---------------------------------------------------------------------------------------------


def test_send_refusals_are_the_consoles_by_path_and_queue_nothing(mapi, tencent_config):
    url = f"/connectors/{TENCENT}/test"
    status, body, _ = mapi.call("POST", url, {"phone": "12", "config": dict(tencent_config, signName="")})
    assert status == 400 and body["code"] == "connector.invalid_config"
    assert set(body["data"]["fields"]) == {"phone", "config.signName"}
    status, body, _ = mapi.call("POST", url, {"phone": "12", "config": tencent_config})
    assert status == 400 and body["code"] == "guard.invalid_input" and list(body["data"]["fields"]) == ["phone"]
    status, body, _ = mapi.call("POST", url, {"email": "a@example.com", "config": tencent_config})
    assert status == 400 and body["code"] == "connector.unexpected_type"
    no_international = {"phone": "+447400123456", "config": tencent_config}
    status, body, _ = mapi.call("POST", url, no_international)
    assert status == 400 and "config.internationalTemplates" in body["data"]["fields"]
    status, body, _ = mapi.call("POST", "/connectors/nosuch/test", {"phone": "+8613800138000", "config": {}})
    assert status == 404 and body["code"] == "connector.not_found"
    assert not SmsMessage.objects.exists()


def test_the_sixth_test_send_in_a_minute_answers_429_with_retry_after(mapi, tencent_config):
    url = f"/connectors/{TENCENT}/test"
    for _ in range(5):
        assert mapi.call("POST", url, {"phone": "+8613800138000", "config": tencent_config})[0] == 204
    status, body, response = mapi.call("POST", url, {"phone": "+8613800138000", "config": tencent_config})
    assert status == 429 and body["code"] == "request.message_rate_limited"
    assert 0 < int(response["Retry-After"]) <= 60
    assert SmsMessage.objects.filter(tenant=mapi.tenant).count() == 5


def test_an_admin_sharing_the_apps_primary_key_has_a_test_send_count_of_their_own(mapi, make_tenant,
                                                                                  tencent_config):
    namesake = User.objects.filter(pk=mapi.app.pk).first()
    if namesake is None:
        namesake = User(pk=mapi.app.pk, username="namesake", is_console_admin=True)
        namesake.set_unusable_password()
        namesake.save(force_insert=True)
    elsewhere = make_tenant(namesake, name="Elsewhere")
    for _ in range(5):
        sms_test_send(tenant=elsewhere, acting_user=namesake, provider_key="tencent", config=tencent_config,
                      phone_raw="+8613800138000")

    status, body, _ = mapi.call("POST", f"/connectors/{TENCENT}/test",
                                {"phone": "+8613800138000", "config": tencent_config})
    assert status == 204, body


def test_a_form_post_gets_logtos_error_not_a_500(mapi):
    response = mapi.client.post(f"{mapi.base}/connectors", {"connectorId": TENCENT},
                                HTTP_AUTHORIZATION=f"Bearer {mapi.token}")
    assert response.status_code == 400 and response.json()["code"]


@pytest.mark.django_db(transaction=True)
def test_a_test_send_reaches_the_sandbox_through_the_worker_and_names_its_message(mapi, celery_worker, sms_emulator,
                                                                                  emulator_config, wait_for_sms):
    status, body, response = mapi.call("POST", f"/connectors/{TENCENT}/test", {
        "phone": "+86 138-0013-8000", "config": emulator_config, "locale": "zh-CN"})

    assert status == 204 and body is None, body
    message_id = response["Postern-Sms-Message-Id"]
    assert wait_for_sms(int(message_id)).status == "SENT"
    [record] = sms_emulator.client.requests()
    assert record["signature_valid"] and record["secret_id"] == sms_emulator.secret_id
    assert record["params"]["TemplateId"] == "2004" and re.fullmatch(r"\d{6}", record["params"]["TemplateParamSet"][0])
    status, message, _ = mapi.call("GET", f"/sms-messages/{message_id}")
    assert status == 200 and message["status"] == "SENT" and message["isTest"] and message["purpose"] == "Generic"
    assert message["phone"] == "+86*******8000" and message["serialNo"] and message["fee"] == 1
    assert AuditEntry.objects.get(action="connector.test_send").actor_application == mapi.app


@pytest.mark.django_db(transaction=True)
def test_a_dead_queue_answers_503_with_the_failed_messages_id(mapi, tencent_config, broker_down):
    status, body, response = mapi.call("POST", f"/connectors/{TENCENT}/test",
                                       {"phone": "+8613800138000", "config": tencent_config})
    assert status == 503 and body["code"] == "request.temporarily_unavailable" and response["Retry-After"]
    message = SmsMessage.objects.get(pk=int(response["Postern-Sms-Message-Id"]))
    assert message.status == "FAILED" and message.error_class == "queue"


# --- Any JSON body ---------------------------------------------------------------------------------------------


@pytest.fixture
def existing_connector(mapi, tencent_config):
    return create(mapi, tencent_config)[1]


@pytest.mark.parametrize("method, path, base", [
    ("POST", "/connectors", {"connectorId": TENCENT}),
    ("PATCH", "/connectors/{id}", {}),
    ("POST", f"/connectors/{TENCENT}/test", {"phone": "+8613800138000"}),
])
@FUZZ_SETTINGS
@given(data=st.data())
def test_any_json_body_gets_a_4xx_with_a_code_or_works(mapi, tencent_config, existing_connector, method, path,
                                                       base, data):
    body = data.draw(changed_bodies({**base, "config": tencent_config}, nested={"config": tencent_config}))
    status, answer, _ = mapi.call(method, path.format(id=existing_connector["id"]), body)
    assert_answered(status, answer)
