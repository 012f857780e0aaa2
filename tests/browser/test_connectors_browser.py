"""An admin sets up Tencent SMS in a real browser, against the emulator and a real worker: send a test, save."""
import json
import re

import pytest

from connectors.models import Connector, SmsMessage
from tests.browser.conftest import new_tencent_connector_form
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_set_up_tencent_send_a_test_and_save(page, live_server, make_admin, make_tenant, celery_worker,
                                            sms_emulator, emulator_config):
    make_tenant(make_admin("alice"), name="Bookshop")
    new_tencent_connector_form(page, live_server, "alice", PASSWORD)
    assert "SDK AppID" in page.locator("#guide").inner_text()

    # The JSON view fills the form view...
    config = {key: value for key, value in emulator_config.items() if key != "accessKeySecret"}
    config["templates"][3]["usageType"] = "Generik"
    page.fill("textarea[name=config]", json.dumps(config, indent=2))
    assert page.input_value("input[name=accessKeyId]") == sms_emulator.secret_id
    problems = page.locator(".json-problems")
    assert "templates[3].usageType: Must be one of" in problems.inner_text()
    assert "accessKeySecret: Required." in problems.inner_text()
    assert page.locator(".json-editor .j-key").count() > 5  # highlighted
    # ...and the form view fills the JSON view.
    page.fill("textarea[name=config]", page.input_value("textarea[name=config]").replace("Generik", "Generic"))
    page.fill("input[name=signName]", "Bookshop")
    assert json.loads(page.input_value("textarea[name=config]"))["signName"] == "Bookshop"
    page.fill("input[name=accessKeySecret]", sms_emulator.secret_key)
    assert problems.is_hidden()
    assert sms_emulator.secret_key not in page.input_value("textarea[name=config]")

    page.fill("input[name=phone]", "138 0013 8000")
    page.click("button[data-test-send]")
    page.wait_for_selector(".sms-progress[data-status=SENT]")
    progress = page.locator("#test-send-status").inner_text()
    assert "Sent" in progress and re.search(r"\d{4}:\d{25}", progress)
    [record] = sms_emulator.client.requests()
    assert record["params"]["SignName"] == "Bookshop" and record["params"]["TemplateId"] == "2004"
    assert not Connector.objects.exists()  # the test used the unsaved form

    page.click("text=Save and done")
    assert page.locator(".flash-success").inner_text().strip() == "Connector saved."
    connector = Connector.objects.get()
    assert connector.enabled and connector.config["signName"] == "Bookshop"
    assert SmsMessage.objects.get().status == "SENT"
