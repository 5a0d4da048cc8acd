"""The console's session while the administrator is away (issue 18, defect 9): tokens of 15 minutes
are renewed while the administrator uses the page, and an idle page ends its session (its refresh
token revoked) instead of renewing it for ever. The page's clock is Playwright's, moved on at will.
And what the console shows of others' input stays text (issue 18, held)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.browser.fake_api import ADMIN, CURRENT_HEADER, FakeRoster, FakeUpload

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


HOSTILE = '<img src=x onerror="window.__pwned=1">staff.csv'


def test_given_hostile_names_and_cells_then_the_console_shows_them_as_text(page: Page, fake: FakeRoster) -> None:
    # Held (issue 18): a file name and plan cells holding markup are text on the page, never markup.
    upload = FakeUpload("u-hostile", HOSTILE, ADMIN, time.time() - 60, True, "VALIDATED", progress_rows=1)
    upload.header = CURRENT_HEADER
    upload.plan = [["2", "Update", "a@example.nhs.net", "Job Title", "<script>window.__pwned=2</script>",
                    '"><svg onload=window.__pwned=3>']]
    fake.uploads[upload.upload_id] = upload
    sign_in(page)

    uploads = page.get_by_role("table", name="Uploads")
    expect(uploads.get_by_role("rowheader", name=HOSTILE)).to_be_visible()
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src=x], svg[onload], table script").count() == 0
