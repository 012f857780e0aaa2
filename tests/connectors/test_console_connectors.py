"""The Connectors pages over HTTP: set up, edit, secrets, enable/disable, delete, test sends."""
import html
import json
import re

import pytest
from django.urls import reverse

from connectors.models import Connector, SmsMessage
from connectors.selectors import connector_secrets
from connectors.services import connector_create
from console.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

SECRET = "tencent-secret-key-9876"


def test_set_up_tencent_from_the_provider_list(admin_client, tenant, tencent_config, post_connector_form,
                                               new_tencent_url):
    listing = admin_client.get(reverse("connectors:list", args=[tenant.id])).content.decode()
    assert "Email and SMS connectors" in listing
    chooser = admin_client.get(reverse("connectors:create", args=[tenant.id])).content.decode()
    assert 'href="/console/t/%s/connectors/new?provider=tencent"' % tenant.id in chooser
    form_page = admin_client.get(new_tencent_url).content.decode()
    assert "SDK AppID" in form_page and "<datalist" in form_page and "ap-singapore" in form_page
    assert 'type="password" name="accessKeySecret"' in form_page

    response = post_connector_form(new_tencent_url, {**tencent_config, "accessKeySecret": ""}, secret=SECRET,
                                   name="Tencent (prod)")

    assert response.status_code == 302
    connector = Connector.objects.get(tenant=tenant)
    assert connector.enabled and connector.name == "Tencent (prod)" and connector.provider == "tencent"
    assert "accessKeySecret" not in connector.config and SECRET not in connector.secrets_encrypted
    assert connector_secrets(connector) == {"accessKeySecret": SECRET}
    entry = AuditEntry.objects.get(action="connector.create")
    assert SECRET not in json.dumps(entry.changes) and entry.changes["secrets"] == ["accessKeySecret"]


def test_plain_fields_fill_the_json_without_javascript(admin_client, tenant, tencent_config, post_connector_form,
                                                       new_tencent_url):
    json_view = {"templates": tencent_config["templates"]}
    rendered = {"accessKeyId": "", "signName": "", "region": "ap-guangzhou", "sdkAppId": ""}
    data = {"name": "", "config": json.dumps(json_view), "rendered_fields": json.dumps(rendered),
            "accessKeyId": "AKIDplain", "accessKeySecret": SECRET, "signName": "Shop", "region": "ap-beijing",
            "sdkAppId": "1400000009", "phone": ""}

    response = admin_client.post(new_tencent_url, data)

    assert response.status_code == 302
    connector = Connector.objects.get()
    assert connector.config["region"] == "ap-beijing" and connector.config["signName"] == "Shop"
    assert connector.name == "Tencent Cloud SMS"


@pytest.mark.parametrize("config, expected", [
    ('{"accessKeyId": "AKID", ', "This is not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ("templates[2].usageType", "templates[2].usageType: Must be one of Register, SignIn, ForgotPassword, Generic."),
    ("sdkAppId", "Must be the SDK AppID digits"),
])
def test_a_bad_config_shows_field_errors_and_saves_nothing(admin_client, tenant, tencent_config,
                                                           post_connector_form, new_tencent_url, config, expected):
    if config == "templates[2].usageType":
        tencent_config["templates"][2]["usageType"] = "PasswordReset"
        config = tencent_config
    elif config == "sdkAppId":
        config = {**tencent_config, "sdkAppId": "my-app"}

    response = post_connector_form(new_tencent_url, config, secret=SECRET)

    body = response.content.decode()
    assert response.status_code == 400 and expected in body
    assert not Connector.objects.exists() and not AuditEntry.objects.filter(action__startswith="connector").exists()
    # The secret typed in its field stays there, and only there, for the next try.
    assert body.count(SECRET) == 1 and f'name="accessKeySecret" value="{SECRET}"' in body


def textarea_config(body):
    shown = re.search(r'<textarea name="config"[^>]*>(.*?)</textarea>', body, re.S).group(1)
    return json.loads(html.unescape(shown))


def test_a_refused_save_shows_both_views_agreeing_on_what_was_typed_secret_included(admin_client, tenant,
                                                                                    tencent_config, new_tencent_url):
    tencent_config["templates"][2]["usageType"] = "PasswordReset"
    rendered = {"accessKeyId": "AKIDexample", "signName": "Postern", "region": "ap-guangzhou", "sdkAppId": "1400006666"}
    data = {"config": json.dumps(tencent_config), "rendered_fields": json.dumps(rendered), **rendered,
            "signName": "Typed in the form", "accessKeySecret": "typed-secret-kept"}

    response = admin_client.post(new_tencent_url, data)

    body = response.content.decode()
    shown = textarea_config(body)
    assert shown["signName"] == "Typed in the form" and shown["templates"][2]["usageType"] == "PasswordReset"
    assert 'name="signName" value="Typed in the form"' in body
    # The typed secret comes back in its password field only (never in the JSON view), on a page nobody caches.
    assert shown["accessKeySecret"] == "" and body.count("typed-secret-kept") == 1
    assert re.search(r'<input type="password" name="accessKeySecret" value="typed-secret-kept"', body)
    assert "no-store" in response["Cache-Control"]


def test_a_secret_typed_in_the_json_view_comes_back_in_its_field(admin_client, tenant, tencent_config,
                                                                 post_connector_form, new_tencent_url):
    tencent_config["sdkAppId"] = "not-a-number"

    body = post_connector_form(new_tencent_url, tencent_config).content.decode()

    assert textarea_config(body)["accessKeySecret"] == ""
    assert re.search(rf'name="accessKeySecret" value="{tencent_config["accessKeySecret"]}"', body)


def test_secrets_are_never_sent_back_and_a_blank_secret_keeps_the_stored_one(admin_client, tenant, admin,
                                                                             tencent_config, post_connector_form):
    connector = connector_create(tenant=tenant, acting_user=admin, provider_key="tencent",
                                 config={**tencent_config, "accessKeySecret": SECRET})
    edit_url = reverse("connectors:edit", args=[tenant.id, connector.id])
    pages = [admin_client.get(url).content.decode() for url in (
        edit_url, reverse("connectors:list", args=[tenant.id]), reverse("audit:list", args=[tenant.id]),
    )]
    assert all(SECRET not in page for page in pages)
    assert "••••9876" in pages[0]

    config = textarea_config(pages[0])
    assert config["accessKeySecret"] == "••••9876"
    config["signName"] = "Renamed"
    response = post_connector_form(edit_url, config, secret="")

    assert response.status_code == 302
    connector.refresh_from_db()
    assert connector.config["signName"] == "Renamed"
    assert connector_secrets(connector) == {"accessKeySecret": SECRET}
    entry = AuditEntry.objects.get(action="connector.update")
    assert entry.changes == {"signName": ["Postern", "Renamed"]}

    refused = post_connector_form(edit_url, {**config, "signName": "Bad", "sdkAppId": "x"},
                                  secret="new-secret-value-5555")
    # The secret just typed is kept in the form; the stored one is never sent back.
    assert refused.status_code == 400 and SECRET not in refused.content.decode()
    assert 'name="accessKeySecret" value="new-secret-value-5555"' in refused.content.decode()
    assert connector_secrets(Connector.objects.get()) == {"accessKeySecret": SECRET}  # nothing saved on errors
    post_connector_form(edit_url, config, secret="new-secret-value-5555")
    assert connector_secrets(Connector.objects.get()) == {"accessKeySecret": "new-secret-value-5555"}
    assert AuditEntry.objects.filter(action="connector.update").first().changes == {"accessKeySecret": "(changed)"}


def test_enabling_a_second_sms_connector_disables_the_first(admin_client, tenant, admin, tencent_config):
    first = connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config=tencent_config)
    second = connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config=tencent_config,
                              name="Backup")
    assert first.enabled and not second.enabled

    response = admin_client.post(reverse("connectors:set_enabled", args=[tenant.id, second.id]), {"enabled": "1"})

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.enabled and not first.enabled
    admin_client.post(reverse("connectors:set_enabled", args=[tenant.id, second.id]), {"enabled": "0"})
    assert not Connector.objects.filter(enabled=True).exists()


def test_delete_asks_first_and_keeps_the_message_log(admin_client, tenant, admin, tencent_config):
    connector = connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config=tencent_config)
    message = SmsMessage.objects.create(tenant=tenant, connector=connector, provider="tencent", usage_type="SignIn",
                                        phone="+8613800138000", template_code="2002", valid_until="2030-01-01T00:00Z")
    url = reverse("connectors:delete", args=[tenant.id, connector.id])

    assert "Delete connector" in admin_client.get(url).content.decode()
    assert Connector.objects.exists()
    assert admin_client.post(url).status_code == 302

    assert not Connector.objects.exists()
    message.refresh_from_db()
    assert message.connector is None
    assert AuditEntry.objects.filter(action="connector.delete").exists()


# --- Test sends (the worker is not running here: these tests stop at the queue) -----------------------------------


def test_send_posts_the_unsaved_form_and_answers_with_the_status_url(admin_client, tenant, tencent_config,
                                                                     post_connector_form,
                                                                     django_capture_on_commit_callbacks):
    url = reverse("connectors:test_send_new", args=[tenant.id]) + "?provider=tencent"

    with django_capture_on_commit_callbacks() as callbacks:
        response = post_connector_form(url, tencent_config, phone="138 0013 8000", HTTP_ACCEPT="application/json")

    assert response.status_code == 202 and len(callbacks) == 1
    answer = response.json()
    message = SmsMessage.objects.get()
    assert answer["message"]["status"] == "QUEUED" and answer["message"]["phone"] == "+86*******8000"
    assert answer["message"]["status_url"] == f"/console/t/{tenant.id}/messages/{message.pk}/status"
    assert (message.is_test, message.usage_type, message.template_code, message.phone) == (
        True, "Generic", "2004", "+8613800138000")
    assert not Connector.objects.exists()  # nothing saved by a test
    status = admin_client.get(answer["message"]["status_url"]).json()
    assert status["status"] == "QUEUED" and status["finished"] is False
    assert tencent_config["accessKeySecret"] not in response.content.decode()


def test_send_without_javascript_shows_the_status_and_a_refresh_link(admin_client, tenant, tencent_config,
                                                                     post_connector_form):
    url = reverse("connectors:test_send_new", args=[tenant.id]) + "?provider=tencent"

    response = post_connector_form(url, tencent_config, phone="+86 138 0013 8000")

    body = response.content.decode()
    message = SmsMessage.objects.get()
    assert response.status_code == 200 and "Queued" in body and "Refresh the status" in body
    assert f"/messages/{message.pk}" in body
    assert tencent_config["accessKeySecret"] not in textarea_config(body).values() and 'value="Postern"' in body
    assert 'target="_blank"' in body  # the details open beside the form, which stays as typed


@pytest.mark.parametrize("phone, error", [("12", "not valid"), ("", "Enter a phone number"),
                                          ("call me", "doesn't look like a phone number")])
def test_an_invalid_phone_is_refused_before_anything_is_queued(admin_client, tenant, tencent_config,
                                                               post_connector_form, phone, error):
    url = reverse("connectors:test_send_new", args=[tenant.id]) + "?provider=tencent"

    response = post_connector_form(url, tencent_config, phone=phone, HTTP_ACCEPT="application/json")

    assert response.status_code == 400 and error in response.json()["errors"]["phone"][0]
    assert not SmsMessage.objects.exists()


def test_send_reports_config_errors_by_path(admin_client, tenant, tencent_config, post_connector_form):
    url = reverse("connectors:test_send_new", args=[tenant.id]) + "?provider=tencent"
    del tencent_config["templates"][3]

    response = post_connector_form(url, {**tencent_config, "accessKeySecret": ""}, phone="13800138000",
                                   HTTP_ACCEPT="application/json")

    errors = response.json()["errors"]
    assert response.status_code == 400 and not SmsMessage.objects.exists()
    assert errors["accessKeySecret"] == ["Required."]
    assert errors["config"] == ["templates: Add a template for each missing usage type: Generic."]


def test_send_on_edit_uses_the_stored_secret_when_left_blank(admin_client, tenant, admin, tencent_config,
                                                             post_connector_form):
    connector = connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config=tencent_config)
    url = reverse("connectors:test_send", args=[tenant.id, connector.id])

    response = post_connector_form(url, {**tencent_config, "accessKeySecret": "••••0000", "signName": "Unsaved"},
                                   phone="13800138000", HTTP_ACCEPT="application/json")

    assert response.status_code == 202
    from console.crypto import decrypt

    used = json.loads(decrypt(SmsMessage.objects.get().config_encrypted))
    assert used["accessKeySecret"] == tencent_config["accessKeySecret"] and used["signName"] == "Unsaved"
    assert Connector.objects.get().config["signName"] == "Postern"


def test_the_sixth_test_send_in_a_minute_is_refused(admin_client, tenant, tencent_config, post_connector_form):
    url = reverse("connectors:test_send_new", args=[tenant.id]) + "?provider=tencent"
    statuses = [post_connector_form(url, tencent_config, phone="13800138000", HTTP_ACCEPT="application/json")
                for _ in range(6)]

    assert [response.status_code for response in statuses] == [202] * 5 + [429]
    assert "Too many test messages" in statuses[-1].json()["errors"]["phone"][0]
    assert int(statuses[-1]["Retry-After"]) > 0
    assert SmsMessage.objects.count() == 5


def test_the_tenant_limit_also_counts_other_admins(client, admin_client, tenant, make_admin, tencent_config,
                                                   post_connector_form):
    from console.tenants.models import Membership

    url = reverse("connectors:test_send_new", args=[tenant.id]) + "?provider=tencent"
    for _ in range(5):
        post_connector_form(url, tencent_config, phone="13800138000", HTTP_ACCEPT="application/json")
    colleague = make_admin("bob")
    Membership.objects.create(tenant=tenant, user=colleague)
    client.force_login(colleague)

    response = client.post(url, {"config": json.dumps(tencent_config), "phone": "13800138000"},
                           HTTP_ACCEPT="application/json")

    assert response.status_code == 429


def test_another_tenants_admin_cannot_see_edit_or_test_the_connector(client, tenant, admin, make_admin,
                                                                     make_tenant, tencent_config):
    connector = connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config=tencent_config)
    intruder = make_admin("mallory")
    own_tenant = make_tenant(intruder, name="Mallory's")
    client.force_login(intruder)
    data = {"config": json.dumps({**tencent_config, "accessKeySecret": ""}), "phone": "13800138000"}

    for tenant_id in (tenant.id, own_tenant.id):
        for url in (reverse("connectors:test_send", args=[tenant_id, connector.id]),
                    reverse("connectors:edit", args=[tenant_id, connector.id])):
            assert client.post(url, data, HTTP_ACCEPT="application/json").status_code == 404
            assert client.get(url).status_code in (404, 405)
    assert client.post(reverse("connectors:test_send_new", args=[tenant.id]) + "?provider=tencent",
                       data).status_code == 404
    assert not SmsMessage.objects.exists()
    assert Connector.objects.get().config["signName"] == "Postern"


@pytest.mark.django_db(transaction=True)
def test_a_dead_broker_shows_the_queue_fix(admin_client, tenant, tencent_config, post_connector_form,
                                           broker_down):
    url = reverse("connectors:test_send_new", args=[tenant.id]) + "?provider=tencent"

    response = post_connector_form(url, tencent_config, phone="13800138000", HTTP_ACCEPT="application/json")
    page = post_connector_form(url, tencent_config, phone="13800138000")

    assert response.status_code == 503 and page.status_code == 503
    assert response.json()["message"]["status"] == "FAILED"
    assert "Check that Redis and the Celery worker are running" in page.content.decode()


@pytest.mark.parametrize("config", [
    "x" * 25_000, "null", '"text"', '{"templates": "all of them"}', '{"templates": [1, null, []]}',
    '{"accessKeyId": 12, "region": false, "templates": [{"usageType": {"a": 1}}]}', "{" * 500 + "}" * 500,
    '{"accessKeySecret": ["a"]}', "\x00", '{"signName": "\\ud800", "templates": [{"usageType": "\\udfff"}]}',
])
def test_odd_config_input_is_answered_not_a_500(admin_client, admin, tenant, tencent_config, new_tencent_url,
                                                config):
    connector = connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config=tencent_config)
    data = {"config": config, "rendered_fields": "{not json", "phone": "+86 138 0013 8000", "accessKeyId": "x" * 600}
    urls = [new_tencent_url, reverse("connectors:edit", args=[tenant.id, connector.id]),
            reverse("connectors:test_send", args=[tenant.id, connector.id])]

    for url in urls:
        for accept in ("text/html", "application/json"):
            assert admin_client.post(url, data, HTTP_ACCEPT=accept).status_code == 400

    assert Connector.objects.get().config["signName"] == "Postern" and not SmsMessage.objects.exists()


@pytest.mark.parametrize("path", [
    "connectors/99999999999999999999", "connectors/new?provider=%3Cscript%3E", "messages?page=zzz&status=%00",
    "messages/99999999999999999999/status", "messages?date_from=2024-02-31&phone=" + "9" * 100,
])
def test_odd_urls_are_answered_not_a_500(admin_client, tenant, path):
    response = admin_client.get(f"/console/t/{tenant.id}/{path}")

    assert response.status_code in (200, 400, 404)


@pytest.mark.parametrize("bad_text", ["\\u0000", "\\ud800"])
def test_text_the_database_cannot_store_is_refused_not_a_500(admin_client, tenant, tencent_config, new_tencent_url,
                                                             bad_text):
    config = json.dumps({**tencent_config, "signName": "BAD"}).replace("BAD", f"a{bad_text}b")

    response = admin_client.post(new_tencent_url, {"config": config, "rendered_fields": "{}"})

    assert response.status_code == 400 and "cannot be stored" in response.content.decode()
    assert not Connector.objects.exists()
