"""The sign-in experience page in Chromium: the live preview stays a preview whatever is clicked, Desktop and Mobile
are two viewports, its 中文 toggle speaks Chinese; "Try it" signs in for real and ends on the ID token's claims.
Then the hosted page's country picker and the formatted number on the code page."""
from urllib.parse import urlencode

import pytest

from tests.conftest import PASSWORD
from tests.oidc.flows import authorize_params, pkce_pair

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
INTERNATIONAL = [{"templateCode": str(3000 + n), "usageType": usage}
                 for n, usage in enumerate(("Register", "SignIn", "ForgotPassword", "Generic"))]


@pytest.fixture
def phone_sign_in(tenant, tencent_connector, make_end_user):
    """The seed guide's setup, CN and HK allowed; `reader` has a password."""
    from signin_experience.selectors import experience_for

    tencent_connector.config = dict(tencent_connector.config, internationalTemplates=INTERNATIONAL)
    tencent_connector.save()
    experience = experience_for(tenant)
    experience.sign_up = {"identifiers": ["phone"], "password": False, "verify": True}
    experience.sign_in = {"methods": [
        {"identifier": "phone", "password": False, "verificationCode": True, "isPasswordPrimary": False},
        {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True}]}
    experience.code_policy = dict(experience.code_policy, allowedCountries=["CN", "HK"])
    experience.save()
    return make_end_user(tenant, username="reader")


def open_settings(page, live_server, admin, tenant):
    page.goto(f"{live_server.url}/console/sign-in")
    page.fill("input[name=username]", admin.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/console/t/{tenant.id}/sign-in-experience")
    preview = page.frame_locator("#preview-frame")
    preview.locator("html[data-preview-step=sign_in] #phone-form").wait_for()
    return preview


def frame_width(page):
    return page.evaluate("document.getElementById('preview-frame').contentWindow.innerWidth")


def test_the_preview_stays_a_preview_and_follows_its_own_toggles(page, live_server, admin, tenant, phone_sign_in):
    preview = open_settings(page, live_server, admin, tenant)
    console_url = page.url
    hosted = []
    hosted_pages = f"{live_server.url}/t/{tenant.id}/"
    page.on("request", lambda request: hosted.append(request.url) if request.url.startswith(hosted_pages) else None)

    # "Continue with phone number" shows the code page, in the frame, with the number as typed, formatted.
    preview.locator("input[name=phone]").fill("139 0013 9001")
    preview.locator("#phone-form button[type=submit]").click()
    preview.locator("html[data-preview-step=verify]").wait_for(state="attached")
    assert preview.locator("h2.signin-step").inner_text() == "Enter verification code"
    assert "+86 139 0013 9001" in preview.locator(".signin-note").inner_text()
    preview.get_by_text("Use another number").click()
    preview.locator("html[data-preview-step=sign_in]").wait_for(state="attached")
    # Enter in the number's field is a click on its button: the code page again, still in the frame.
    preview.locator("input[name=phone]").press("Enter")
    preview.locator("html[data-preview-step=verify]").wait_for(state="attached")
    preview.locator("button:has-text('Continue')").click()  # would leave for the app: nothing happens
    assert page.url == console_url and page.frame(name="preview-frame").url == "about:srcdoc"
    assert hosted == []

    # Desktop and Mobile: a desktop window and a phone-width frame.
    assert frame_width(page) == 880
    page.click("[data-preview-width=mobile]")
    assert frame_width(page) == 390
    assert page.locator("#preview-frame").bounding_box()["width"] <= 390
    page.click("[data-preview-width=desktop]")
    assert frame_width(page) == 880

    # 中文: every string of the preview, the identifier label included, while the console stays English.
    preview.get_by_text("Use another number").click()
    page.click("[data-lang=zh-Hans]")
    preview.locator("html[lang=zh-hans] label[for=id_identifier]").wait_for()
    assert preview.locator("label[for=id_identifier]").inner_text() == "用户名"
    assert preview.locator("#phone-form button[type=submit]").inner_text() == "通过手机号继续"
    assert page.locator("h1").inner_text().startswith("Sign-in experience")


def test_try_it_reaches_the_claims_page(page, live_server, admin, tenant, phone_sign_in):
    open_settings(page, live_server, admin, tenant)
    with page.expect_popup() as opened:
        page.click("[data-try-it] button[type=submit]")
    hosted = opened.value
    hosted.wait_for_load_state()
    assert f"/t/{tenant.id}/sign-in?authz=" in hosted.url  # the real hosted page
    hosted.fill("input[name=identifier]", "reader")
    hosted.fill("input[name=password]", PASSWORD)
    hosted.click("#password-form button[type=submit]")
    hosted.locator("[data-claim-sub]").wait_for()
    assert hosted.locator("[data-claim-sub]").inner_text() == phone_sign_in.uid
    assert "/sign-in-experience/try-it/callback" in hosted.url


def test_country_picker_and_the_formatted_number(browser, live_server, settings, tenant, admin, make_app,
                                                 phone_sign_in):
    settings.PUBLIC_URL = live_server.url
    app = make_app(tenant, admin)
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    end_user = context.new_page()
    end_user.goto(f"{live_server.url}/t/{tenant.id}/oidc/auth?{urlencode(authorize_params(app, pkce_pair()[1]))}")
    picker = end_user.locator("select[name=country]")
    assert picker.locator("option:checked").inner_text() == "China +86"
    assert picker.locator("option").all_inner_texts() == ["China +86", "Hong Kong +852"]
    assert end_user.locator("input[name=phone]").get_attribute("placeholder")  # an example number of China
    picker.select_option("HK")
    end_user.fill("input[name=phone]", "6123 4567")
    end_user.click("#phone-form button[type=submit]")
    assert end_user.locator(".signin-phone-shown").inner_text() == "+852 6123 4567"
    context.close()
