"""An admin adds international templates in a real browser, sends a test to a UK number and sees which template
went out, against the emulator and a real worker."""
import json

import pytest

from connectors.models import Connector
from tests.browser.conftest import new_tencent_connector_form
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_set_up_international_templates_and_send_a_test_to_the_uk(page, live_server, make_admin, make_tenant,
                                                                  celery_worker, sms_emulator, emulator_config):
    sms_emulator.client.configure(template_kinds={"2004": "mainland", "3004": "international"})
    make_tenant(make_admin("alice"), name="Bookshop")
    new_tencent_connector_form(page, live_server, "alice", PASSWORD)
    assert "internationalTemplates" in page.locator("#guide").inner_text()
    assert "internationalTemplates" in page.input_value("textarea[name=config]")  # the new form starts with []

    config = {key: value for key, value in emulator_config.items() if key != "accessKeySecret"}
    config["internationalTemplates"] = [{"templateCode": "3004", "usageType": "Generik", "locale": "en"}]
    page.fill("textarea[name=config]", json.dumps(config, indent=2))
    problems = page.locator(".json-problems")
    assert "internationalTemplates[0].usageType: Must be one of" in problems.inner_text()
    page.fill("textarea[name=config]", page.input_value("textarea[name=config]").replace("Generik", "Generic")
              .replace('"locale": "en"', '"locale": ""'))
    page.fill("input[name=internationalSignName]", "Bookshop Global")
    assert json.loads(page.input_value("textarea[name=config]"))["internationalSignName"] == "Bookshop Global"
    page.fill("input[name=accessKeySecret]", sms_emulator.secret_key)
    assert problems.is_hidden()

    page.fill("input[name=phone]", "+44 7400 123456")
    page.click("button[data-test-send]")
    page.wait_for_selector(".sms-progress[data-status=SENT]")
    routing = page.locator("#test-send-status [data-routing]").inner_text()
    assert "3004" in routing and "International (GB)" in routing and "default (no locale)" in routing
    [record] = sms_emulator.client.requests()
    assert record["params"]["TemplateId"] == "3004" and record["params"]["SignName"] == "Bookshop Global"

    page.click("text=Save and done")
    assert page.locator(".flash-success").inner_text().strip() == "Connector saved."
    connector = Connector.objects.get()
    assert connector.config["internationalTemplates"] == [{"templateCode": "3004", "usageType": "Generic"}]
    assert connector.config["internationalSignName"] == "Bookshop Global"
