"""The console in Debian's headless Chromium, driven by Playwright: against the fake API
(test_console.py, the edge cases) and against a real `roster local serve` (test_console_local_serve.py).

Screenshots of each step go to tests/browser/artifacts/<test>/ (not committed).

Waits are Playwright's own (`expect`, actions, downloads), never sleeps, and generous: on a loaded
two-core machine Chromium, the page and the server share the processors with other tests, and a wait
sized for an idle machine fails there although nothing is wrong.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, expect, sync_playwright

from tests.browser.fake_api import ADMIN, ADMIN_PASSWORD, FakeRoster

CHROMIUM = Path(os.environ.get("ROSTER_CHROMIUM", "/usr/bin/chromium"))
# Headless, and nothing that reaches outside this machine.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REFUSAL = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d ")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

WAIT_MS = 30_000  # every expect, action and download; it only costs time when something is wrong
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="session")
def fake() -> Iterator[FakeRoster]:
    roster = FakeRoster().start()
    yield roster
    roster.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@contextmanager
def console_page(browser: Browser, url: str) -> Iterator[Page]:
    """A fresh browser profile on the console at `url`.

    Fails if the page threw, or the browser refused anything under the Content-Security-Policy.
    """
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900},
                                  locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(WAIT_MS)
    tab = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # Chromium logs every 4xx answer as an error; the tests provoke refusals on purpose and check their messages.
        if message.type == "error" and not REFUSAL.match(message.text):
            problems.append(message.text)

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    try:
        tab.goto(url)
        yield tab
    finally:
        context.close()
    assert problems == [], problems


@pytest.fixture
def page(browser: Browser, fake: FakeRoster) -> Iterator[Page]:
    """The console on the fake, back to its canned uploads."""
    fake.reset()
    with console_page(browser, fake.api_url + "/") as tab:
        yield tab


def step_shots(page: Page, test_name: str) -> Callable[[str], Path]:
    """Save full-page screenshots as numbered steps in artifacts/<test>/ (emptied first)."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", test_name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    steps = iter(range(1, 100))

    def take(step: str) -> Path:
        path = folder / f"{next(steps):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def shot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """Save a screenshot of the page as a numbered step of this test."""
    return step_shots(page, request.node.name)


def sign_in(page: Page, email: str = ADMIN, password: str = ADMIN_PASSWORD) -> None:
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
