"""The interactive docs in a real Chromium: Swagger UI runs under the site's Content-Security-Policy and asks
nothing of any other origin."""

import os
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import CHROMIUM_ARGS, find_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium():
    executable = find_chromium()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no Chromium is installed.")
        pytest.skip("No Chromium installed (apt-get install chromium); browser tests skipped.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_the_docs_page_works_offline_under_the_csp(chromium, live_server):
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    elsewhere: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    ours = urlsplit(live_server.url).netloc
    page.on(
        "request", lambda request: None if urlsplit(request.url).netloc in (ours, "") else elsewhere.append(request.url)
    )
    page.goto(f"{live_server.url}/api/v1/docs")
    page.locator(".opblock-summary-path", has_text="/api/v1/queue").first.wait_for()
    assert page.locator(".opblock").count() >= 12
    assert not elsewhere, elsewhere
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    page.close()
