"""An admin's first session in the console, in a real browser."""
import re

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_admin_creates_tenant_and_capacitor_app_and_reads_guide(page, live_server, make_admin):
    make_admin("alice")
    page.goto(f"{live_server.url}/console/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.fill("input[name=name]", "My Shop")
    page.click("text=Create tenant >> nth=-1")
    page.click("text=Create application")
    page.check("input[value=native]")
    assert page.locator("[data-app-type=spa]").is_hidden()
    page.click("[data-framework=capacitor-js]")
    page.fill("input[name=name]", "Bookstore")
    page.click("button:has-text('Create application')")
    app_id = page.locator("#app-id").inner_text().strip()
    assert re.fullmatch(r"[0-9a-z]{21}", app_id)

    page.fill("textarea[name=redirect_uris]", "javascript:alert(1)")
    page.click("button:has-text('Save changes')")
    error = page.locator(".field-error").first
    assert "javascript:alert(1)" in error.inner_text() and "never allowed" in error.inner_text()

    page.fill("textarea[name=redirect_uris]", "com.example.app://callback")
    page.click("button:has-text('Save changes')")
    assert page.locator(".flash-success").inner_text().strip() == "Saved."
    guide = page.locator("#guide").inner_text()
    assert f"appId: '{app_id}'" in guide
    assert re.search(rf"endpoint: '{re.escape(live_server.url)}/t/[a-z0-9]{{6}}'", guide)
    assert "signIn('com.example.app://callback')" in guide
