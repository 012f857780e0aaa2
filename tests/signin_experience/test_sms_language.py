"""The code SMS follows the hosted page: its language picks the template, its number the route."""
import pytest

from connectors.models import SmsMessage
from connectors.services import connector_update
from tests.signin_experience.test_phone_flows import code_from_emulator, send_code

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = "+8613800138000"
UK_PHONE = "+447400123456"


@pytest.fixture
def localized_connector(tencent_connector, admin, emulator_config, phone_experience):
    phone_experience.code_policy = dict(phone_experience.code_policy, resendCooldownSeconds=0,
                                        allowedCountries=["CN", "GB"])
    phone_experience.save()
    config = {**emulator_config,
              "templates": [*emulator_config["templates"],
                            {"templateCode": "2011", "usageType": "Register", "locale": "zh-CN"},
                            {"templateCode": "2021", "usageType": "Register", "locale": "en"}],
              "internationalTemplates": [{"templateCode": "3002", "usageType": "SignIn"}]}
    return connector_update(connector=tencent_connector, acting_user=admin, config=config)


@pytest.mark.parametrize(("ui_locales", "accept_language", "template", "locale"), [
    ("zh-CN", "", "2011", "zh-CN"),
    ("en", "", "2021", "en"),
    ("", "zh-CN,zh;q=0.9", "2011", "zh-CN"),
])
def test_the_page_language_picks_the_template(client, tenant, app, localized_connector, sms_emulator,
                                              celery_worker, ui_locales, accept_language, template, locale):
    extra = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    url_locales = {"ui_locales": ui_locales} if ui_locales else {}

    response = send_code_in(client, tenant, app, PHONE, url_locales, **extra)

    assert response.status_code == 302
    assert code_from_emulator(sms_emulator, PHONE)[1] == template
    message = SmsMessage.objects.get()
    assert (message.template_code, message.template_locale, message.route) == (template, locale, "mainland")


def test_a_uk_number_without_a_register_template_is_refused_on_the_page(client, tenant, app, localized_connector,
                                                                         sms_emulator):
    response = send_code(client, tenant, app, "+44 7400 123456")

    assert response.status_code == 400 and response["X-Postern-Error"] == "phone.no_sms_template"
    assert "be sent to numbers in this country yet" in response.content.decode()
    assert not SmsMessage.objects.exists() and sms_emulator.client.requests() == []


def test_an_unregistered_uk_number_gets_the_same_refusal_when_nothing_would_be_sent(
        client, tenant, app, localized_connector, sms_emulator, make_end_user):
    # Recovery for an unknown number sends nothing; it must still not answer differently from a known one.
    make_end_user(tenant, username="known", phone=UK_PHONE)
    known = send_code(client, tenant, app, UK_PHONE, recover=True)
    client.cookies.clear()
    unknown = send_code(client, tenant, app, "+447400123457", recover=True)

    assert (known.status_code, unknown.status_code) == (400, 400)
    assert known["X-Postern-Error"] == unknown["X-Postern-Error"] == "phone.no_sms_template"
    assert not SmsMessage.objects.exists()


def send_code_in(client, tenant, app, phone, query, **extra):
    from urllib.parse import urlencode

    from tests.oidc.flows import authorize_params, pkce_pair

    url = f"/t/{tenant.id}/sign-in/code?{urlencode({**authorize_params(app, pkce_pair()[1]), **query})}"
    return client.post(url, {"phone": phone}, REMOTE_ADDR="10.0.0.1", **extra)
