"""Headless Debian Chromium driven by Playwright, against the live test server."""
import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from fixtures are safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    settings.PUBLIC_URL = live_server.url
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30000)
    yield page
    context.close()


def new_tencent_connector_form(page, live_server, username, password):
    """Sign in to the console, then open a new Tencent connector's form from the tenant's connectors."""
    page.goto(f"{live_server.url}/console/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.click("nav.sidebar >> text=Connectors")
    page.click("text=Set up >> nth=0")
    open_tencent_connector_form(page)


def open_tencent_connector_form(page):
    """From the provider list to a form whose scripts have run. A click returns once the next page starts
    loading, so a fill could land before the JSON editor takes the textarea over and keeps the views in sync."""
    page.click("[data-provider=tencent]")
    page.wait_for_function("document.readyState === 'complete' && !!document.querySelector('.json-editor')")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a browser test fails, its report shows where the page was and what it said (a flake seen once in CI
    is otherwise a bare timeout)."""
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page") if report.when == "call" and report.failed else None
    if page is None or page.is_closed():
        return
    try:
        text = page.locator("body").inner_text(timeout=2000)
    except Exception as exc:  # the page may be mid-navigation or gone; the report must still be written
        text = f"(body unreadable: {exc})"
    report.sections.append(("page at failure", f"{page.url}\n{text[:4000]}"))
