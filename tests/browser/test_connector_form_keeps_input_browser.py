"""Nothing typed into the new-connector form is lost: a refused save keeps the secret just typed, the details of a
test send open in a new tab, and leaving a changed form asks first."""
import json

import pytest

from tests.browser.conftest import new_tencent_connector_form
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _new_tencent_form(page, live_server, make_admin, make_tenant):
    make_tenant(make_admin("alice"), name="Bookshop")
    new_tencent_connector_form(page, live_server, "alice", PASSWORD)


def test_a_refused_save_keeps_the_typed_secret(page, live_server, make_admin, make_tenant, tencent_config):
    _new_tencent_form(page, live_server, make_admin, make_tenant)
    config = {key: value for key, value in tencent_config.items() if key != "accessKeySecret"}
    config["sdkAppId"] = "not-digits"  # the server refuses it
    page.fill("textarea[name=config]", json.dumps(config, indent=2))
    page.fill("input[name=accessKeySecret]", "typed-secret-4321")

    page.click("text=Save and done")
    page.wait_for_selector(".field-error")

    assert "Must be the SDK AppID digits" in page.locator("#connector-form").inner_text()
    assert page.input_value("input[name=accessKeySecret]") == "typed-secret-4321"
    assert page.input_value("input[name=sdkAppId]") == "not-digits"
    assert "typed-secret-4321" not in page.input_value("textarea[name=config]")


def test_the_details_of_a_test_send_open_in_a_new_tab_and_the_form_stays(page, live_server, make_admin, make_tenant,
                                                                         celery_worker, sms_emulator, emulator_config):
    _new_tencent_form(page, live_server, make_admin, make_tenant)
    config = {key: value for key, value in emulator_config.items() if key != "accessKeySecret"}
    page.fill("textarea[name=config]", json.dumps(config, indent=2))
    page.fill("input[name=accessKeySecret]", sms_emulator.secret_key)
    page.fill("input[name=phone]", "138 0013 8000")
    page.click("button[data-test-send]")
    page.wait_for_selector(".sms-progress[data-status=SENT]")
    form_url = page.url

    with page.context.expect_page() as details_tab:
        page.click("#test-send-status >> text=Message details")
    details = details_tab.value
    details.wait_for_load_state()
    assert "/messages/" in details.url and details.locator("h1").count() == 1

    assert page.url == form_url
    assert page.input_value("input[name=accessKeySecret]") == sms_emulator.secret_key
    assert page.input_value("input[name=signName]") == emulator_config["signName"]


def test_leaving_a_changed_form_asks_first(page, live_server, make_admin, make_tenant):
    _new_tencent_form(page, live_server, make_admin, make_tenant)
    page.fill("input[name=signName]", "Typed, not saved")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    form_url = page.url
    page.click("text=Cancel")
    page.wait_for_timeout(300)

    assert asked == ["beforeunload"]
    assert page.url == form_url and page.input_value("input[name=signName]") == "Typed, not saved"
