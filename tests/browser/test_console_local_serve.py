"""The console against the real thing: `roster local serve` (the api function behind the template's
HTTP API, Cognito and S3 on moto's server) in headless Chromium, every control found by its accessible
name (docs/console.md#accessible-names). The fake-API tests (test_console.py) cover the edge cases; these show the
page, the API, the user pool and the bucket working together: sign-in straight to Cognito, the upload
form posted straight to the bucket from the page's origin, validation, apply and progress as the
embedded stack runs them, and every download.

One server for the module, started as an administrator would start it and stopped by its PID.
Screenshots of each step go to tests/browser/artifacts/<test>/; docs/images/ holds two of them.
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Download, FilePayload, Locator, Page, expect

from tests.browser.conftest import console_page, step_shots
from tests.conftest import ADMIN, EXAMPLES, current_csv

pytestmark = pytest.mark.browser

ROSTER = Path(sys.executable).parent / "roster"
PASSWORD = "Console-Serve-Passw0rd!"
Shot = Callable[[str], Path]

# Jane Doe is already active in RX1 (a warning); Sir is no title, a name is missing, and 01632 is no mobile.
MISTAKES = current_csv(
    "Dr,Jane,Doe,,Consultant,RX1,Pharmacy,,,,,,",
    "Sir,Ann,Lee,,Nurse,RX1,,,,,,,",
    "Mr,,Brown,,Porter,RX1,,,01632960000,,,,",
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`roster local serve` on a free port; its URL. The scrypt cost is the cheapest the template allows."""
    process = subprocess.Popen(
        [str(ROSTER), "local", "serve", "--directory", str(EXAMPLES / "directory.json"), "--port", "0",
         "--admin-password", PASSWORD, "--parameter", "PasswordHashCost=10"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "ROSTER_CONFIG_DIR": str(tmp_path_factory.mktemp("engineer"))})
    assert process.stdout is not None and process.stderr is not None
    # Read what it writes for as long as it runs: a full pipe would stop the server mid-test.
    output: dict[str, list[str]] = {"stdout": [], "stderr": []}
    readers = [threading.Thread(target=lambda s=stream, n=name: output[n].extend(s), daemon=True)
               for name, stream in (("stdout", process.stdout), ("stderr", process.stderr))]
    try:
        readers[1].start()  # stderr at once; stdout once its first line is read here
        first = process.stdout.readline().strip()
        readers[0].start()
        if not first.startswith("Roster is serving on http://127.0.0.1:"):
            process.wait(timeout=60)
            for reader in readers:
                reader.join(timeout=10)
            pytest.fail(f"roster local serve did not start: {first!r}\n{''.join(output['stderr'])}")
        yield first.rsplit(" ", 1)[-1]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for reader in readers:
            if reader.is_alive():
                reader.join(timeout=10)
    assert process.returncode == 0, "".join(output["stderr"])
    assert "Roster stopped." in "".join(output["stdout"])


@pytest.fixture
def page(browser: Browser, served: str) -> Iterator[Page]:
    with console_page(browser, served + "/") as tab:
        yield tab


@pytest.fixture
def shot(page: Page, request: pytest.FixtureRequest) -> Shot:
    return step_shots(page, request.node.name)


def sign_in(page: Page, password: str = PASSWORD) -> None:
    page.get_by_role("textbox", name="Email").fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def signed_in(page: Page) -> None:
    sign_in(page)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    # The organisations come from GET /me: the page is ready once the picker has them.
    expect(page.get_by_role("combobox", name="Organisation").get_by_role("option")).to_have_count(3)


def choose_file(page: Page, name: str, content: str) -> None:
    file: FilePayload = {"name": name, "mimeType": "text/csv", "buffer": content.encode()}
    page.get_by_label("CSV file").set_input_files(files=[file])


def outcome(page: Page, file_name: str) -> Locator:
    """The upload panel's message saying whether the file passed validation."""
    return page.get_by_role("status").filter(has_text=re.compile(rf"^{re.escape(file_name)} (passed|failed) validation"))


def upload_row(page: Page, file_name: str) -> Locator:
    uploads = page.get_by_role("table", name="Uploads")
    return uploads.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(re.escape(file_name))))


def cells(row: Locator) -> list[str]:
    return [text.strip() for text in row.get_by_role("cell").all_inner_texts()]


def rows_of(download: Download) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(Path(download.path()).read_bytes().decode("utf-8-sig"))))


def test_a_wrong_password_is_refused_then_the_administrator_signs_in_and_out(page: Page, shot: Shot) -> None:
    shot("sign-in")
    sign_in(page, password="Not-The-Passw0rd!")

    expect(page.get_by_role("alert")).to_have_text("Incorrect username or password.")
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    shot("refused")

    signed_in(page)
    expect(page.get_by_text(f"Signed in as {ADMIN}")).to_be_visible()
    shot("signed-in")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0
    shot("signed-out")


def test_the_sample_and_an_organisations_report_download(page: Page, shot: Shot) -> None:
    signed_in(page)

    with page.expect_download() as sample:
        page.get_by_role("link", name="Download sample file", exact=True).click()
    assert Path(sample.value.path()).read_text(encoding="utf-8-sig").startswith("Title,First Name,Last Name,")

    page.get_by_role("combobox", name="Organisation").select_option(label="Southbank Community Health (RY2)")
    with page.expect_download() as report:
        page.get_by_role("button", name="Download report").click()
    assert report.value.suggested_filename == "mailbox-report-RY2.csv"
    accounts = rows_of(report.value)
    assert [a["Email Address"] for a in accounts] == ["sarah.oconnor@nhs.net"]
    assert accounts[0]["Organisation ODSCode"] == "RY2"
    shot("report")


def test_a_file_with_mistakes_shows_its_findings_on_screen_and_cannot_be_uploaded(page: Page, shot: Shot) -> None:
    signed_in(page)
    choose_file(page, "mistakes.csv", MISTAKES)
    page.get_by_role("button", name="Validate").click()

    expect(outcome(page, "mistakes.csv")).to_have_text(re.compile(
        r"^mistakes\.csv failed validation: 3 errors, 1 warning\. Nothing was changed"))
    findings = page.get_by_role("table", name="Validation results")
    assert [h.strip() for h in findings.get_by_role("columnheader").all_inner_texts()] == \
        ["Line", "Column", "Value", "Severity", "Message"]
    rows = findings.get_by_role("row").filter(has=page.get_by_role("cell"))
    expect(rows).to_have_count(4)
    on_screen = [cells(rows.nth(i)) for i in range(4)]
    # Errors first, then the warning; each names its line, column and value, and says what to do.
    assert [row[:4] for row in on_screen] == [["3", "Title", "Sir", "error"], ["4", "First Name", "", "error"],
                                              ["4", "Mobile Phone", "01632960000", "error"],
                                              ["2", "", "Jane Doe", "warning"]]
    assert "is not a UK mobile number" in on_screen[2][4] and "jane.doe@nhs.net" in on_screen[3][4]
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_disabled()
    expect(upload_row(page, "mistakes.csv").get_by_role("cell").nth(0)).to_have_text("Invalid")
    shot("findings")


def test_a_good_file_validated_then_uploaded_runs_to_the_end_and_its_results_download(
        page: Page, shot: Shot) -> None:
    users = (EXAMPLES / "users.csv").read_text(encoding="utf-8")
    signed_in(page)
    upload = page.get_by_role("button", name="Upload", exact=True)
    expect(upload).to_be_disabled()
    choose_file(page, "users.csv", users)
    page.get_by_role("button", name="Validate").click()

    expect(outcome(page, "users.csv")).to_have_text(re.compile(r"^users\.csv passed validation: 20 rows, no errors"))
    expect(upload).to_be_enabled()
    shot("validated")

    upload.click()
    expect(page.get_by_role("status").filter(has_text="Upload of users.csv started")).to_be_visible()
    row = upload_row(page, "users.csv")
    expect(row.get_by_role("cell").nth(0)).to_have_text("Completed", timeout=90_000)  # 20 accounts created
    expect(row.get_by_role("cell").nth(1)).to_have_text("20 / 20")
    shot("completed")

    with page.expect_download() as results:
        row.get_by_role("link", name="Download results").click()
    created = rows_of(results.value)
    assert [r["Result"] for r in created] == ["Created"] * 20
    assert all(r["Assigned Email"].endswith("@nhs.net") for r in created)
    assert any(r["Temporary Password"] for r in created)  # rows that gave no password got one

    # What it changed (docs/approval-and-plan.md#changes-and-history): one Create line per account it made.
    with page.expect_download() as changes:
        row.get_by_role("link", name="Download changes").click()
    applied = rows_of(changes.value)
    assert changes.value.suggested_filename == "users-changes.csv"
    assert [r["Action"] for r in applied] == ["Create"] * 20
    assert {r["Email Address"] for r in applied} == {r["Assigned Email"] for r in created}
    assert all(r["Applied At"] for r in applied)
