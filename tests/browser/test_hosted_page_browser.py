"""An end user signs in on the hosted page in a real browser and lands on the app's callback."""
from urllib.parse import urlencode

import pytest

from tests.conftest import PASSWORD
from tests.oidc.flows import authorize_params, pkce_pair

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_hosted_page_sign_in_lands_on_callback(page, live_server, make_admin, make_tenant, make_app, make_end_user):
    owner = make_admin("owner")
    tenant = make_tenant(owner, name="Bookshop")
    app = make_app(tenant, owner)
    make_end_user(tenant, username="reader")
    url = f"{live_server.url}/t/{tenant.id}/oidc/auth?{urlencode(authorize_params(app, pkce_pair()[1]))}"
    page.goto(url)
    assert page.locator("input[name=identifier]").get_attribute("autocomplete") == "username"
    assert page.locator("input[name=password]").get_attribute("autocomplete") == "current-password"
    page.fill("input[name=identifier]", "reader")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert "incorrect" in page.locator("[role=alert]").inner_text()
    assert page.locator("input[name=identifier]").input_value() == "reader"
    page.fill("input[name=password]", PASSWORD)
    # The browser cannot open com.example.app:// itself; the 302 that sends it there is what the app receives.
    with page.expect_response(lambda r: r.headers.get("location", "").startswith("com.example.app://callback")) as hop:
        page.click("button[type=submit]")
    assert hop.value.status == 302
    callback = hop.value.headers["location"]
    assert "code=" in callback and "state=st4te" in callback and "iss=" in callback
