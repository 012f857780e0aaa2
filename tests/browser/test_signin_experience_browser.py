"""The seed guide's last part in a real browser: enable phone sign-in (refused until an SMS connector exists),
set up Tencent, check the live preview, save; then an end user signs in with an SMS code."""
import json
from urllib.parse import urlencode

import pytest

from tests.browser.conftest import open_tencent_connector_form
from tests.conftest import PASSWORD
from tests.oidc.flows import authorize_params, pkce_pair

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def choose_phone_sign_up(page):
    page.select_option("select[name=sign_up_identifier]", "phone")
    page.uncheck("input[name=sign_up_password]")
    page.check("input[name=signin_phone_enabled]")
    page.check("input[name=signin_phone_code]")
    page.fill("input[name=signin_phone_order]", "1")
    page.fill("input[name=signin_username_order]", "2")


def test_phone_sign_in_from_settings_to_end_user(page, browser, live_server, admin, tenant, make_app, celery_worker,
                                                 sms_emulator, emulator_config):
    app = make_app(tenant, admin)
    page.goto(f"{live_server.url}/console/")
    page.fill("input[name=username]", admin.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")

    page.click("nav.sidebar >> text=Sign-in experience")
    choose_phone_sign_up(page)
    page.click("button:has-text('Save changes')")
    assert "enabled_connector_not_found" in page.locator(".field-error").first.inner_text()

    page.click("nav.sidebar >> text=Connectors")
    page.click("text=Set up >> nth=0")
    open_tencent_connector_form(page)
    config = {key: value for key, value in emulator_config.items() if key != "accessKeySecret"}
    page.fill("textarea[name=config]", json.dumps(config))
    page.fill("input[name=accessKeySecret]", sms_emulator.secret_key)
    page.click(".form-actions button:has-text('Save and done')")
    assert page.locator(".flash-success").inner_text().strip() == "Connector saved."

    page.click("nav.sidebar >> text=Sign-in experience")
    choose_phone_sign_up(page)
    preview = page.frame_locator("#preview-frame")
    preview.locator("input[type=tel][autocomplete=tel-national]").wait_for()
    page.click("[data-preview-width=mobile]")
    page.click("[data-theme=dark]")
    preview.locator("html.dark").wait_for(state="attached")
    page.click("button:has-text('Save changes')")
    assert page.locator(".flash-success").inner_text().strip() == "Sign-in experience saved."

    end_user = browser.new_context(locale="en-US").new_page()
    end_user.goto(f"{live_server.url}/t/{tenant.id}/oidc/auth?{urlencode(authorize_params(app, pkce_pair()[1]))}")
    end_user.fill("input[name=phone]", "138 0013 8000")
    end_user.click("#phone-form button[type=submit]")
    assert "+86 138 0013 8000" in end_user.locator(".signin-note").inner_text()
    code = sms_emulator.client.wait_for_request("+8613800138000", timeout=10)["params"]["TemplateParamSet"][0]
    end_user.fill("input[name=code]", code)
    with end_user.expect_response(lambda r: r.headers.get("location", "").startswith("com.example.app://callback")) as hop:
        end_user.click("button:has-text('Continue')")
    assert "code=" in hop.value.headers["location"]
