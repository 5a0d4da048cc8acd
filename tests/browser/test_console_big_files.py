"""The console follows a file route's `303 See Other` to its presigned link (docs/console.md): a
file too big for the API's answer downloads from the bucket, and the browser sends the link no
bearer token (the bucket would refuse a request with two kinds of authentication)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.browser.fake_api import FakeRoster
from tests.browser.test_console import BAD_FILE, downloaded_text, upload_row, validate

pytestmark = pytest.mark.browser


def test_given_results_redirected_to_the_bucket_then_download_results_saves_them(page: Page, fake: FakeRoster) -> None:
    fake.redirect_files = True
    sign_in(page)

    with page.expect_download() as results:
        upload_row(page, "january-leavers.csv").get_by_role("link", name="Download results").click()

    assert results.value.suggested_filename == "january-leavers-results.csv"
    assert "Result,Message,Assigned Email,Temporary Password" in downloaded_text(results.value)
    assert fake.bucket_gets == [""]  # fetched from the bucket once, without the bearer token


def test_given_a_redirected_report_then_the_validation_table_and_the_organisation_report_still_come(
        page: Page, fake: FakeRoster) -> None:
    fake.redirect_files = True
    sign_in(page)

    validate(page, "mistakes.csv", BAD_FILE)
    expect(page.get_by_role("table", name="Validation results").get_by_role("row")).not_to_have_count(0)
    with page.expect_download() as report:
        page.get_by_role("button", name="Download report").click()

    assert "jane.smith@example.nhs.net" in downloaded_text(report.value)
    assert fake.bucket_gets and all(auth == "" for auth in fake.bucket_gets)
