"""The console at 390 × 844: no page scrolls sideways, the header is one row with a menu; copy buttons work.

Every console URL that answers an admin's GET with HTML is visited (the URL conf is walked, so a new page is
covered without touching this file), with one object of each kind in a seeded tenant.
"""
import os
import re
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.urlconf import fill, routes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
# Set to a folder to keep a PNG of a few pages (the before/after pictures of the mobile layout).
SCREENSHOTS = os.environ.get("POSTERN_SCREENSHOTS")
SHOT_ROUTES = {"applications:detail", "signin_experience:settings", "connectors:message_list", "audit:list",
               "getting_started:index", "connectors:create"}


# The innermost elements reaching past the viewport, to say what to fix.
WIDEST = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1
  && ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 1)).slice(0, 5)
  .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
  + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')"""


@pytest.fixture
def seeded(make_admin, make_tenant, make_app, make_end_user):
    """An admin and a tenant with an app, a connector, a message, an end user and audit rows."""
    from tests.console import isolation_objects

    owner = make_admin("mobile-owner")
    tenant = make_tenant(owner, name="Bookstore tenant with a long name")
    app = make_app(tenant, owner, redirect_uris=["com.example.bookstore.app.with.a.long.name://callback"])
    user = make_end_user(tenant, username="reader-with-a-rather-long-username", phone="+8613800138000")
    values = {"tenant_id": tenant.pk, "app_id": app.client_id, "user_id": user.uid}
    values.update(isolation_objects.make_all(tenant, owner))
    return owner, values


def _sign_in(page, base, username):
    page.goto(f"{base}/console/sign-in")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_no_console_page_scrolls_sideways_at_390px(browser, live_server, settings, seeded):
    settings.PUBLIC_URL = live_server.url
    owner, values = seeded
    context = browser.new_context(locale="en-US", viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(20000)
    _sign_in(page, live_server.url, owner.username)
    visited, too_wide = [], []
    for route in routes("console/"):
        name = route.name
        if name in ("accounts:logout", "tenants:switch"):
            continue  # sign-out ends the walk; switch only redirects to a page visited anyway
        url = fill(route, values)
        probe = page.request.get(live_server.url + url, max_redirects=0)
        assert probe.status < 500, f"GET {url} answered {probe.status}"
        if probe.status != 200 or "text/html" not in probe.headers.get("content-type", ""):
            continue  # POST-only URLs, redirects, the CSV export, JSON status endpoints
        page.goto(live_server.url + url)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        header = page.evaluate("(() => { const h = document.querySelector('.topbar');"
                               " return h ? h.getBoundingClientRect().height : 0; })()")
        visited.append(name)
        if width > PHONE["width"]:
            culprits = page.evaluate(WIDEST)
            too_wide.append(f"{url} is {width}px wide: {culprits}")
        if header > 64:
            too_wide.append(f"{url}: header is {header:.0f}px tall (more than one row)")
        if SCREENSHOTS and name in SHOT_ROUTES:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SCREENSHOTS}/{name.replace(':', '-')}.png", full_page=True)
    context.close()
    assert len(visited) >= 15, visited
    assert not too_wide, "\n".join(too_wide)


def test_header_menu_and_sign_in_methods_fit_a_phone(browser, live_server, settings, seeded):
    settings.PUBLIC_URL = live_server.url
    owner, values = seeded
    context = browser.new_context(locale="en-US", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(20000)
    _sign_in(page, live_server.url, owner.username)
    page.goto(f"{live_server.url}/console/t/{values['tenant_id']}/sign-in-experience")
    # The tenant's sections are behind the menu button; once open, none is clipped.
    menu = page.locator(".topbar .menu-toggle")
    assert menu.is_visible()
    assert page.locator(".sidebar a").first.is_hidden()
    menu.click()
    for link in page.locator(".sidebar a").all():
        assert link.is_visible()
        assert link.evaluate("a => a.scrollWidth <= a.clientWidth && a.getBoundingClientRect().right <= 390")
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/menu-open.png")
    menu.click()
    assert page.locator(".sidebar a").first.is_hidden()
    # "Password first" stays on screen: its column fits the card, nothing to scroll to.
    password_first = page.locator(".table.methods th", has_text="Password first")
    password_first.scroll_into_view_if_needed()
    box = password_first.bounding_box()
    card = page.locator(".card", has=password_first).bounding_box()
    assert box and box["x"] >= card["x"] and box["x"] + box["width"] <= card["x"] + card["width"] <= 390
    assert page.locator(".table.methods").evaluate("t => t.getBoundingClientRect().right") <= box["x"] + box["width"] + 1
    assert password_first.evaluate("th => th.scrollWidth <= th.clientWidth")
    context.close()


def test_copy_button_has_a_name_and_copies(browser, live_server, settings, seeded):
    settings.PUBLIC_URL = live_server.url
    owner, values = seeded
    context = browser.new_context(locale="en-US", viewport=PHONE, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(20000)
    _sign_in(page, live_server.url, owner.username)
    page.goto(f"{live_server.url}/console/t/{values['tenant_id']}/applications/{values['app_id']}")
    button = page.locator("#app-id + .copy-btn")
    box = button.bounding_box()
    assert box and box["width"] >= 16 and box["height"] >= 16
    # Not an empty box: it draws an icon or a label.
    assert button.evaluate("b => !!b.querySelector('svg') || b.textContent.trim().length > 0")
    assert page.get_by_role("button", name=re.compile("^Copy")).count() >= 1
    button.click()
    page.wait_for_function("document.querySelector('#app-id + .copy-btn').dataset.copied === 'true'")
    assert page.evaluate("navigator.clipboard.readText()") == values["app_id"]
    assert "Copied" in button.get_attribute("aria-label")
    # The guide's code blocks have one too, copying the block as shown.
    code = page.locator("#guide pre").first
    page.locator("#guide pre + .copy-btn").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() and copied.strip() in code.inner_text()
    # Endpoint URLs never break inside a word: they scroll inside their box or wrap only after / . ? & =.
    token = page.locator("code[data-copy]", has_text="/oidc/token").first
    assert token.evaluate("c => getComputedStyle(c).overflowWrap") != "anywhere"
    assert token.evaluate("c => getComputedStyle(c).wordBreak") != "break-all"
    link = page.get_by_role("link", name="Capacitor Deep Links")
    assert link.get_attribute("href") == "https://capacitorjs.com/docs/guides/deep-links"
    context.close()
