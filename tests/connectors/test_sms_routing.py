"""Mainland / international routing and per-language templates (Tencent), through the real SDK and the emulator."""
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from connectors.models import SmsMessage
from connectors.providers.base import ConfigError, Failed, Sent, UsageType
from connectors.services import NoTemplate, connector_update, sms_send, sms_test_send
from connectors.registry import registry

pytestmark = pytest.mark.django_db(transaction=True)

MAINLAND_PHONE = "+8613800138000"
UK_PHONE = "+447400123456"
CODE = "482913"

INTERNATIONAL_TEMPLATES = [
    {"templateCode": "3002", "usageType": "SignIn"},
    {"templateCode": "3012", "usageType": "SignIn", "locale": "en"},
    {"templateCode": "3004", "usageType": "Generic"},
]
# The emulator knows which service approved which template, as Tencent does.
TEMPLATE_KINDS = {**{code: "mainland" for code in ("2001", "2002", "2003", "2004", "2012")},
                  **{code: "international" for code in ("3002", "3012", "3004")}}


@pytest.fixture
def provider():
    return registry.get("tencent")


@pytest.fixture
def routed_config(emulator_config):
    """Mainland templates (SignIn also in zh-CN), international ones for SignIn (also in en) and Generic."""
    return {**emulator_config, "internationalSignName": "Postern Global",
            "templates": [*emulator_config["templates"], {"templateCode": "2012", "usageType": "SignIn",
                                                          "locale": "zh-CN"}],
            "internationalTemplates": [dict(template) for template in INTERNATIONAL_TEMPLATES]}


@pytest.fixture
def routed_connector(tencent_connector, admin, routed_config, sms_emulator):
    sms_emulator.client.configure(template_kinds=TEMPLATE_KINDS)
    return connector_update(connector=tencent_connector, acting_user=admin, config=routed_config)


def send_code(tenant, phone, usage_type="SignIn", language=""):
    return sms_send(tenant=tenant, phone_e164=phone, usage_type=usage_type, code=CODE, language=language,
                    valid_until=timezone.now() + timedelta(minutes=10))


def validation_errors(provider, config):
    with pytest.raises(ConfigError) as raised:
        provider.validate(config)
    return raised.value.errors


# --- Validation -------------------------------------------------------------------------------------------------------


def test_a_config_without_international_templates_stays_valid(provider, tencent_config):
    cleaned = provider.validate(tencent_config)

    assert "internationalTemplates" not in cleaned and "internationalSignName" not in cleaned


def test_both_lists_are_cleaned_and_blank_optional_fields_are_dropped(provider, routed_config):
    routed_config["internationalTemplates"] = [{"templateCode": " 3002 ", "usageType": "SignIn", "locale": " "}]
    routed_config["internationalSignName"] = "  "

    cleaned = provider.validate(routed_config)

    assert cleaned["internationalTemplates"] == [{"templateCode": "3002", "usageType": "SignIn"}]
    assert "internationalSignName" not in cleaned
    assert cleaned["templates"][4] == {"templateCode": "2012", "usageType": "SignIn", "locale": "zh-CN"}


@pytest.mark.parametrize(("change", "path", "words"), [
    (lambda c: c["internationalTemplates"][1].update(usageType="Login"), "internationalTemplates[1].usageType",
     "Must be one of"),
    (lambda c: c["internationalTemplates"].append({"templateCode": "3099", "usageType": "Generic"}),
     "internationalTemplates[3].usageType", "already used by internationalTemplates[2]"),
    (lambda c: c["internationalTemplates"].append({"templateCode": "3099", "usageType": "SignIn", "locale": "EN"}),
     "internationalTemplates[3].usageType", "SignIn (EN) is already used by internationalTemplates[1]"),
    (lambda c: c["templates"][4].update(locale="Chinese please"), "templates[4].locale", "language tag"),
    (lambda c: c["internationalTemplates"].append({"templateCode": "3001", "usageType": "Register", "locale": "en"}),
     "internationalTemplates[3].locale", "Register also needs a template without a locale"),
    (lambda c: c["internationalTemplates"][0].update(templateCode=""), "internationalTemplates[0].templateCode",
     "Must not be empty."),
    (lambda c: c.update(internationalTemplates={"SignIn": "3002"}), "internationalTemplates", "Must be a list"),
    (lambda c: c.update(internationalSignName=7), "internationalSignName", "Must be text"),
])
def test_international_problems_are_reported_at_their_paths(provider, routed_config, change, path, words):
    change(routed_config)

    assert words in validation_errors(provider, routed_config)[path]


def test_the_mainland_list_still_needs_every_usage_type_without_a_locale(provider, routed_config):
    routed_config["templates"][1]["locale"] = "en"  # SignIn now only in en and zh-CN

    errors = validation_errors(provider, routed_config)

    assert "SignIn also needs a template without a locale" in errors["templates[1].locale"]
    assert errors["templates"] == "Add a template for each missing usage type: SignIn."


# --- Which template, which signature --------------------------------------------------------------------------------


@pytest.mark.parametrize(("phone", "language", "template", "route", "locale"), [
    (MAINLAND_PHONE, "", "2002", "mainland", ""),
    (MAINLAND_PHONE, "zh-hans", "2012", "mainland", "zh-CN"),
    (MAINLAND_PHONE, "en", "2002", "mainland", ""),
    (UK_PHONE, "", "3002", "international", ""),
    (UK_PHONE, "en", "3012", "international", "en"),
    (UK_PHONE, "zh-hans", "3002", "international", ""),
    ("+85291234567", "", "3002", "international", ""),  # Hong Kong is not Mainland China
])
def test_the_route_and_the_language_pick_the_template(provider, routed_config, phone, language, template, route,
                                                       locale):
    choice = provider.template_for(provider.validate(routed_config), phone_e164=phone, usage_type=UsageType.SIGN_IN,
                                   language=language)

    assert (choice.template_code, choice.route, choice.locale) == (template, route, locale)


def test_the_same_tag_wins_over_the_same_language(provider, routed_config):
    routed_config["internationalTemplates"] += [{"templateCode": "3022", "usageType": "SignIn", "locale": "zh-TW"},
                                                {"templateCode": "3032", "usageType": "SignIn", "locale": "zh-Hans"}]
    config = provider.validate(routed_config)

    def template(language):
        return provider.template_for(config, phone_e164=UK_PHONE, usage_type="SignIn", language=language).template_code

    assert (template("zh-hans"), template("zh-tw"), template("zh"), template("fr")) == ("3032", "3022", "3022", "3002")


def test_a_number_without_a_template_for_its_route_is_named(provider, routed_config):
    with pytest.raises(NoTemplate) as raised:
        provider.template_for(routed_config, phone_e164=UK_PHONE, usage_type=UsageType.REGISTER)

    assert raised.value.path == "internationalTemplates"
    assert raised.value.message.startswith("No international template for Register")


def test_mainland_gets_the_signature_and_international_its_own(provider, routed_config, sms_emulator):
    sms_emulator.client.configure(template_kinds=TEMPLATE_KINDS)
    config = provider.validate(routed_config)
    for phone, template in ((MAINLAND_PHONE, "2002"), (UK_PHONE, "3002")):
        assert isinstance(provider.send(config=config, phone_e164=phone, template_code=template, params=[CODE]), Sent)

    mainland, international = (sms_emulator.client.requests(phone)[0]["params"] for phone in (MAINLAND_PHONE,
                                                                                              UK_PHONE))
    assert (mainland["SignName"], international["SignName"]) == ("Postern", "Postern Global")


def test_an_international_number_goes_without_a_signature_when_none_is_set(provider, routed_config, sms_emulator):
    del routed_config["internationalSignName"]

    result = provider.send(config=provider.validate(routed_config), phone_e164=UK_PHONE, template_code="3002",
                           params=[CODE])

    assert isinstance(result, Sent) and "SignName" not in sms_emulator.client.requests(UK_PHONE)[0]["params"]


# --- The emulator answers like Tencent ------------------------------------------------------------------------------


@pytest.mark.parametrize(("phone", "template", "error_code"), [
    (UK_PHONE, "2002", "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone"),
    (MAINLAND_PHONE, "3002", "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone"),
])
def test_the_emulator_refuses_the_other_services_template_per_number(provider, routed_config, sms_emulator, phone,
                                                                     template, error_code):
    sms_emulator.client.configure(template_kinds=TEMPLATE_KINDS)

    result = provider.send(config=provider.validate(routed_config), phone_e164=phone, template_code=template,
                           params=[CODE])

    assert isinstance(result, Failed) and result.error_code == error_code
    assert result.error_class == "phone_number" and not result.retryable
    [record] = sms_emulator.client.requests(phone)
    assert record["response_code"] == "Ok" and record["send_status"][0]["Code"] == error_code  # HTTP 200, per number


def test_the_emulator_knows_the_demo_templates_out_of_the_box(provider, routed_config, sms_emulator):
    config = provider.validate(routed_config)

    to_uk = provider.send(config=config, phone_e164=UK_PHONE, template_code="100002", params=[CODE])
    to_mainland = provider.send(config=config, phone_e164=MAINLAND_PHONE, template_code="200002", params=[CODE])
    right = provider.send(config=config, phone_e164=UK_PHONE, template_code="200002", params=[CODE])

    assert to_uk.error_code == "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone"
    assert to_mainland.error_code == "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone"
    assert isinstance(right, Sent)


def test_bad_template_kinds_are_refused(sms_emulator):
    with pytest.raises(ValueError, match="template_kinds"):
        sms_emulator.client.configure(template_kinds={"3002": "abroad"})


# --- The pipeline: refused before queueing, routed rows ---------------------------------------------------------------


def test_mainland_and_uk_codes_go_out_with_their_templates_and_signatures(celery_worker, routed_connector,
                                                                          sms_emulator, wait_for_sms):
    mainland = send_code(routed_connector.tenant, MAINLAND_PHONE)
    uk = send_code(routed_connector.tenant, UK_PHONE)

    assert wait_for_sms(mainland.pk).status == "SENT" and wait_for_sms(uk.pk).status == "SENT"
    rows = {row.phone: row for row in SmsMessage.objects.all()}
    assert (rows[MAINLAND_PHONE].template_code, rows[MAINLAND_PHONE].route, rows[MAINLAND_PHONE].country) == (
        "2002", "mainland", "CN")
    assert (rows[UK_PHONE].template_code, rows[UK_PHONE].route, rows[UK_PHONE].country) == (
        "3002", "international", "GB")
    [to_mainland], [to_uk] = sms_emulator.client.requests(MAINLAND_PHONE), sms_emulator.client.requests(UK_PHONE)
    assert (to_mainland["params"]["TemplateId"], to_mainland["params"]["SignName"]) == ("2002", "Postern")
    assert (to_uk["params"]["TemplateId"], to_uk["params"]["SignName"]) == ("3002", "Postern Global")


def test_a_missing_international_template_is_refused_with_nothing_queued(routed_connector, sms_emulator, caplog):
    with pytest.raises(NoTemplate, match="No international template for Register"):
        send_code(routed_connector.tenant, UK_PHONE, usage_type="Register")

    assert not SmsMessage.objects.exists() and sms_emulator.client.requests() == []
    assert "No international template for Register" in caplog.text and UK_PHONE not in caplog.text


def test_an_old_connector_without_international_templates_refuses_abroad(tencent_connector, sms_emulator):
    with pytest.raises(NoTemplate, match="No international template for SignIn"):
        send_code(tencent_connector.tenant, UK_PHONE)

    assert not SmsMessage.objects.exists() and sms_emulator.client.requests() == []


@pytest.mark.parametrize(("language", "template", "locale"), [("zh-hans", "2012", "zh-CN"), ("en", "2002", "")])
def test_the_page_language_picks_the_template_and_is_recorded(celery_worker, routed_connector, sms_emulator,
                                                              wait_for_sms, language, template, locale):
    message = send_code(routed_connector.tenant, MAINLAND_PHONE, language=language)

    sent = wait_for_sms(message.pk)
    assert (sent.template_code, sent.template_locale) == (template, locale)
    assert sms_emulator.client.requests(MAINLAND_PHONE)[0]["params"]["TemplateId"] == template


# --- The console's test send ------------------------------------------------------------------------------------------


def test_a_test_send_to_the_uk_uses_the_international_generic_template(celery_worker, tenant, admin, routed_config,
                                                                      sms_emulator, wait_for_sms):
    sms_emulator.client.configure(template_kinds=TEMPLATE_KINDS)
    message = sms_test_send(tenant=tenant, acting_user=admin, provider_key="tencent", config=routed_config,
                            phone_raw="+44 7400 123456", language="en")

    sent = wait_for_sms(message.pk)
    assert (sent.status, sent.template_code, sent.route, sent.country) == ("SENT", "3004", "international", "GB")
    assert sms_emulator.client.requests(UK_PHONE)[0]["params"]["TemplateId"] == "3004"


def test_a_test_send_without_an_international_generic_template_names_it(admin_client, tenant, post_connector_form,
                                                                         routed_config, sms_emulator):
    routed_config["internationalTemplates"] = routed_config["internationalTemplates"][:2]
    url = reverse("connectors:test_send_new", args=[tenant.id]) + "?provider=tencent"

    response = post_connector_form(url, routed_config, phone="+44 7400 123456", HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert any("No international template for Generic" in error for error in response.json()["errors"]["config"])
    assert not SmsMessage.objects.exists() and sms_emulator.client.requests() == []


def test_the_test_send_status_and_the_detail_page_show_the_route(admin_client, tenant, post_connector_form,
                                                                 routed_config, sms_emulator):
    url = reverse("connectors:test_send_new", args=[tenant.id]) + "?provider=tencent"

    response = post_connector_form(url, routed_config, phone="+44 7400 123456", HTTP_ACCEPT="application/json")

    status = response.json()["message"]
    assert (status["template_code"], status["route"], status["route_label"], status["country"]) == (
        "3004", "international", "International", "GB")
    assert status["locale_label"] == "default (no locale)"
    detail = admin_client.get(status["detail_url"]).content.decode()
    assert "International (GB)" in detail and "<code>3004</code>" in detail and "default (no locale)" in detail


def test_the_form_page_shows_both_lists_to_the_json_editor(admin_client, new_tencent_url):
    page = admin_client.get(new_tencent_url).content.decode()

    schema = json.loads(page.split('id="connector-schema" type="application/json">')[1].split("</script>")[0])
    names = [field["name"] for field in schema["fields"]]
    assert "internationalTemplates" in names and "internationalSignName" in names
    assert '&quot;internationalTemplates&quot;: []' in page or '"internationalTemplates": []' in page
    assert 'data-config-key="internationalSignName"' in page
