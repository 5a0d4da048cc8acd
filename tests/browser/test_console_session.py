"""The console's session while the administrator is away (issue 18, defect 9): tokens of 15 minutes
are renewed while the administrator uses the page, and an idle page ends its session (its refresh
token revoked) instead of renewing it for ever. The page's clock is Playwright's, moved on at will."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.browser.fake_api import FakeRoster

pytestmark = pytest.mark.browser

TOKEN_MINUTES = 15  # template.yaml IdTokenValidity


@pytest.fixture
def clocked(page: Page, fake: FakeRoster) -> Page:
    fake.token_lifetime = TOKEN_MINUTES * 60.0
    page.clock.install()
    page.reload()
    sign_in(page)
    return page


def test_given_an_idle_page_then_its_session_ends_and_is_revoked_rather_than_renewed(clocked: Page,
                                                                                    fake: FakeRoster) -> None:
    clocked.clock.run_for("16:00")

    expect(clocked.get_by_text("Your session has ended; sign in again.")).to_be_visible()
    expect(clocked.get_by_role("button", name="Sign out")).to_have_count(0)
    assert clocked.evaluate("sessionStorage.length") == 0
    deadline = time.monotonic() + 10  # the revocation is sent in the background
    while not fake.revoked and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(fake.revoked) == 1


def test_given_an_administrator_using_the_page_then_the_session_is_renewed_silently(clocked: Page,
                                                                                   fake: FakeRoster) -> None:
    for _ in range(5):  # 25 minutes, a key pressed every 5
        clocked.clock.run_for("05:00")
        clocked.keyboard.press("Shift")

    expect(clocked.get_by_role("button", name="Sign out")).to_be_visible()
    assert fake.renewals >= 1 and fake.revoked == []
