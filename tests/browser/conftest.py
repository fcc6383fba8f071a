"""A real headless Chromium (Debian's package) driven by Playwright.

Where no Chromium is installed the browser tests skip and say why, except under
CI (CI=true), where a missing browser fails the run: CI must install it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def find_chromium() -> str | None:
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = find_chromium()
    if executable is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no Chromium is installed: .ci/run must install Debian's chromium package.")
        pytest.skip("No Chromium installed (apt-get install chromium); browser tests skipped.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.dialogs = dialogs
    # Console errors include Content-Security-Policy violations: a page must have none.
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.console_errors = console_errors
    page.shots = tmp_path
    yield page
    context.close()


@pytest.fixture(scope="session")
def cookieless_browser(browser) -> Iterator[object]:
    """A Chromium that blocks third-party cookies, as browsers do by default or soon will: for pages that
    embed us from another site (tests/browser/test_embed.py)."""
    launched = browser.browser_type.launch(
        executable_path=find_chromium(), args=[*CHROMIUM_ARGS, "--test-third-party-cookie-phaseout"]
    )
    yield launched
    launched.close()


@pytest.fixture
def moderators(django_user_model):
    """Two moderators who log in with a password: moderator1 and moderator2."""
    from desk.roles import ensure_moderators_group

    users = []
    for name in ("moderator1", "moderator2"):
        user = django_user_model.objects.create_user(name, password="a-long-test-password", is_staff=True)
        user.groups.add(ensure_moderators_group())
        users.append(user)
    return users
