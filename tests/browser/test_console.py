"""The administrators' console, found by role and accessible name as a screen reader user finds it."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from urllib.request import urlopen

import pytest
from playwright.sync_api import Download, FilePayload, Locator, Page, expect

from tests.browser.conftest import sign_in
from tests.browser.fake_api import ADMIN, MFA_CODE, MFA_USER, NEW_USER, FakeRoster
from tests.conftest import current_csv

pytestmark = pytest.mark.browser

Shot = Callable[[str], Path]

GOOD_FILE = current_csv(
    "Dr,Jane,Smith,,Consultant,RX1,Cardiology,,07700900123,4,,,",
    "Mr,Amir,Khan,,Porter,RX1,,,,,,,",
    ",,,,,,,,,,,leaving.person@example.nhs.net,leaver",
)
BAD_FILE = current_csv(
    "Dr,Jane,Smith,,Consultant,RX1,,,,,,,",  # a warning: same name as an active account
    "Sir,Amir,Khan,,Porter,RX1,,,,,,,",  # line 3: Title
    "Mr,,Brown,,Porter,RX1,,,01632960000,,,,",  # line 4: First Name, Mobile Phone
)


def choose_file(page: Page, name: str, content: str) -> None:
    file: FilePayload = {"name": name, "mimeType": "text/csv", "buffer": content.encode()}
    page.get_by_label("CSV file").set_input_files(files=[file])


def downloaded_text(download: Download) -> str:
    return Path(download.path()).read_bytes().decode("utf-8-sig")


def cells(row: Locator) -> list[str]:
    return [text.strip() for text in row.get_by_role("cell").all_inner_texts()]


def upload_row(page: Page, file_name: str) -> Locator:
    uploads = page.get_by_role("table", name="Uploads")
    return uploads.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(re.escape(file_name))))


def outcome(page: Page, text: str | re.Pattern[str]) -> Locator:
    """The upload panel's live message (whether the file passed, whether the upload started)."""
    return page.get_by_role("status").filter(has_text=text)


def validate(page: Page, name: str, content: str) -> None:
    choose_file(page, name, content)
    page.get_by_role("button", name="Validate").click()
    # The outcome begins with the file's name. Not "any status with the name in it": has_text trims its
    # text, so "starters.csv " also matched the live region announcing "march-starters.csv: Completed."
    # whenever Uploads saw a change at that moment: two elements, a strict-mode failure, under load only.
    expect(outcome(page, re.compile(rf"^{re.escape(name)} (passed|failed) validation"))).to_be_visible()


def eventually(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    """Wait, bounded, for something the page does in the background; fail when it never happens."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.05)


# ---- signing in and out ----


def test_given_a_wrong_password_when_signing_in_then_it_is_refused(page: Page, shot: Shot) -> None:
    shot("sign-in-form")
    page.get_by_role("textbox", name="Email").fill(ADMIN)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_have_text("Incorrect username or password.")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.get_by_role("table", name="Uploads")).to_have_count(0)
    shot("refused")


def test_given_an_administrator_when_signing_in_and_out_then_the_page_keeps_nothing(
        page: Page, fake: FakeRoster, shot: Shot) -> None:
    sign_in(page)
    expect(page.get_by_text(f"Signed in as {ADMIN}")).to_be_visible()
    expect(upload_row(page, "january-leavers.csv")).to_be_visible()
    shot("signed-in")

    # The refresh token is revoked with Cognito, in the background.
    with page.expect_request_finished(lambda request: request.headers.get("x-amz-target", "").endswith(".RevokeToken")):
        page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.get_by_role("table", name="Uploads")).to_have_count(0)
    assert page.locator("#uploads-body tr").count() == 0  # gone from the page, not merely hidden
    assert page.evaluate("sessionStorage.length") == 0
    assert len(fake.revoked) == 1
    shot("signed-out")


def test_given_a_signed_in_administrator_then_tokens_are_never_in_local_storage(page: Page) -> None:
    sign_in(page)
    expect(upload_row(page, "january-leavers.csv")).to_be_visible()

    assert_only_seen_uploads_in_local_storage(page)
    assert page.context.cookies() == []
    assert page.evaluate("Object.keys(sessionStorage)") == ["roster.session"]
    # A reload in the same tab keeps the session (sessionStorage), without signing in again.
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_only_seen_uploads_in_local_storage(page)


def assert_only_seen_uploads_in_local_storage(page: Page) -> None:
    """localStorage holds no token and no address: only the notifications' seen states (upload id -> state),
    under a key that hashes the administrator's address."""
    stored = page.evaluate("Object.fromEntries(Object.entries(localStorage))")
    assert all(re.fullmatch(r"roster\.seen\.[0-9a-f]{64}", key) for key in stored), stored
    for value in stored.values():
        assert "eyJ" not in value and "@" not in value
        assert set(json.loads(value).values()) <= {"COMPLETED", "FAILED", "INVALID", "VALIDATED", "CANCELLED",
                                                   "AWAITING_APPROVAL"}


def test_given_a_temporary_password_when_signing_in_then_a_new_password_is_asked_for(page: Page, shot: Shot) -> None:
    page.get_by_role("textbox", name="Email").fill(NEW_USER)
    page.get_by_label("Password", exact=True).fill("Temporary-Pass-1!")
    page.get_by_role("button", name="Sign in").click()

    page.get_by_label("New password", exact=True).fill("A-Much-Better-Pass-7")
    page.get_by_label("Confirm new password", exact=True).fill("A-Much-Better-Pass-8")
    page.get_by_role("button", name="Set password and sign in").click()
    expect(page.get_by_role("alert")).to_have_text("The two passwords are not the same.")
    shot("new-password")

    page.get_by_label("Confirm new password", exact=True).fill("A-Much-Better-Pass-7")
    page.get_by_role("button", name="Set password and sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text(f"Signed in as {NEW_USER}")).to_be_visible()


def test_given_an_authenticator_app_when_signing_in_then_its_code_is_asked_for(page: Page) -> None:
    sign_in_form = page.get_by_role("button", name="Sign in")
    page.get_by_role("textbox", name="Email").fill(MFA_USER)
    page.get_by_label("Password", exact=True).fill("Correct-Horse-Battery-42")
    sign_in_form.click()

    page.get_by_role("textbox", name="Authentication code").fill("000000")
    page.get_by_role("button", name="Verify code").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")

    page.get_by_role("textbox", name="Authentication code").fill(MFA_CODE)
    page.get_by_role("button", name="Verify code").click()
    expect(page.get_by_text(f"Signed in as {MFA_USER}")).to_be_visible()


def test_given_a_token_about_to_expire_then_it_is_renewed_before_it_is_sent(page: Page, fake: FakeRoster) -> None:
    fake.token_lifetime = 62  # the console renews a token with less than a minute left before sending it
    sign_in(page)
    [first_token] = fake.tokens

    def renewed_token_sent() -> bool:
        return any(path == "/uploads" and auth.startswith("Bearer ") and auth != f"Bearer {first_token}"
                   for _, path, auth in list(fake.requests))

    eventually(renewed_token_sent)
    assert fake.renewals >= 1
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_only_seen_uploads_in_local_storage(page)


def test_given_an_ended_session_when_the_api_refuses_then_the_sign_in_form_returns(
        page: Page, fake: FakeRoster, shot: Shot) -> None:
    sign_in(page)
    expect(page.get_by_role("combobox", name="Organisation")).to_have_value("RX1")

    fake.end_sessions()  # the next poll of Uploads (an upload is running) is refused with 401

    expect(page.get_by_text("Your session has ended; sign in again.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Email")).to_be_focused()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    shot("session-ended")


# ---- files ----


def test_given_the_upload_panel_when_downloading_the_samples_then_both_formats_come(page: Page) -> None:
    sign_in(page)
    with page.expect_download() as current:
        page.get_by_role("link", name="Download sample file", exact=True).click()
    with page.expect_download() as legacy:
        page.get_by_role("link", name="Download legacy sample file").click()

    assert downloaded_text(current.value).startswith("Title,First Name,Last Name,Display Name")
    assert downloaded_text(legacy.value).startswith("Surname,Forename,Title,ODS Code")


def test_given_a_file_with_mistakes_when_validating_then_its_findings_are_listed_errors_first(
        page: Page, shot: Shot) -> None:
    sign_in(page)
    choose_file(page, "starters.csv", BAD_FILE)
    page.get_by_role("button", name="Validate").click()

    expect(outcome(page, "starters.csv failed validation")).to_have_text(re.compile(r"3 errors, 1 warning\. Nothing was changed"))
    results = page.get_by_role("table", name="Validation results")
    headers = results.get_by_role("columnheader").all_inner_texts()
    assert [header.strip() for header in headers] == ["Line", "Column", "Value", "Severity", "Message"]
    rows = results.get_by_role("row").filter(has=page.get_by_role("cell"))
    expect(rows).to_have_count(4)
    assert [cells(rows.nth(i))[3] for i in range(4)] == ["error", "error", "error", "warning"]
    assert cells(rows.nth(1))[:3] == ["4", "First Name", ""]
    assert cells(rows.nth(2)) == ["4", "Mobile Phone", "01632960000", "error",
                                  "Mobile Phone 01632960000 is not a valid UK mobile number."]
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_disabled()
    expect(page.get_by_role("table", name="Plan")).to_have_count(0)
    shot("findings")

    results.get_by_role("button", name="Line").click()
    expect(results.get_by_role("columnheader", name="Line")).to_have_attribute("aria-sort", "ascending")
    assert [cells(rows.nth(i))[0] for i in range(4)] == ["2", "3", "4", "4"]

    with page.expect_download() as report:
        page.get_by_role("link", name="Download validation report").click()
    assert report.value.suggested_filename == "starters-validation.csv"
    assert downloaded_text(report.value).startswith("Line,Column,Value,Severity,Message\r\n")


def test_given_a_good_file_when_validated_and_uploaded_then_progress_reaches_the_end_and_results_come(
        page: Page, fake: FakeRoster, shot: Shot) -> None:
    sign_in(page)
    upload = page.get_by_role("button", name="Upload", exact=True)
    expect(upload).to_be_disabled()
    validate(page, "new-starters.csv", GOOD_FILE)

    expect(outcome(page, "new-starters.csv passed validation")).to_have_text(
        "new-starters.csv passed validation: 3 rows, no errors, 1 warning.")
    plan = page.get_by_role("table", name="Plan")
    expect(plan).to_be_visible()
    plan_rows = plan.get_by_role("row").filter(has=page.get_by_role("cell"))
    expect(plan_rows).to_have_count(3)
    assert cells(plan_rows.nth(0))[:3] == ["2", "Create", "jane.smith@example.nhs.net"]
    assert cells(plan_rows.nth(2))[:3] == ["4", "Leaver", "leaving.person@example.nhs.net"]
    expect(page.get_by_text("Applying it will: 2 to create, 1 to mark as leaver.")).to_be_visible()
    shot("validated")

    # The browser posted the presigned form's fields, then the file last, straight to the bucket.
    [fields] = fake.received.values()
    assert fields[-1] == "file" and fields[0] == "key"

    expect(upload).to_be_enabled()
    upload.click()
    expect(outcome(page, "Upload of new-starters.csv started")).to_be_visible()
    row = upload_row(page, "new-starters.csv")
    expect(row.get_by_role("cell").nth(0)).to_have_text("Completed")
    expect(row.get_by_role("cell").nth(1)).to_have_text("3 / 3")
    shot("completed")

    with page.expect_download() as results:
        row.get_by_role("link", name="Download results").click()
    assert results.value.suggested_filename == "new-starters-results.csv"
    assert "Result,Message,Assigned Email,Temporary Password" in downloaded_text(results.value)


def test_given_a_file_chosen_after_validation_then_upload_waits_for_its_own_validation(page: Page) -> None:
    sign_in(page)
    validate(page, "new-starters.csv", GOOD_FILE)
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_enabled()

    choose_file(page, "other.csv", GOOD_FILE)

    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_disabled()
    expect(page.get_by_role("table", name="Validation results")).to_have_count(0)


def test_given_an_api_without_plans_when_a_file_passes_then_the_plan_table_is_hidden(
        page: Page, fake: FakeRoster) -> None:
    fake.plan_available = False
    sign_in(page)
    validate(page, "new-starters.csv", GOOD_FILE)

    expect(page.get_by_role("table", name="Validation results")).to_be_visible()
    expect(page.get_by_role("table", name="Plan")).to_have_count(0)
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_enabled()


# ---- uploads ----


def test_given_a_running_upload_then_its_progress_moves_by_itself_without_moving_the_layout(
        page: Page, shot: Shot) -> None:
    sign_in(page)
    uploads = page.get_by_role("table", name="Uploads")
    expect(uploads.get_by_role("columnheader")).to_have_text(["File", "State", "Progress", "Started", "Results"])
    row = upload_row(page, "march-starters.csv")
    progress = row.get_by_role("cell").nth(1)
    expect(progress).to_have_text(re.compile(r"^\d{1,2},\d{3} / 10,000$"))
    started = uploads.get_by_role("columnheader", name="Started").bounding_box()
    shot("running")

    expect(progress).to_have_text("10,000 / 10,000")
    expect(row.get_by_role("cell").nth(0)).to_have_text("Completed")
    assert uploads.get_by_role("columnheader", name="Started").bounding_box() == started
    expect(row.get_by_role("link", name="Download results")).to_be_visible()
    shot("finished")


def test_given_another_administrators_upload_then_only_its_validation_report_is_offered(page: Page) -> None:
    sign_in(page)
    theirs = upload_row(page, "practice-staff.csv")
    expect(theirs.get_by_role("link", name="Validation report")).to_be_visible()
    expect(theirs.get_by_role("link", name="Download results")).to_have_count(0)
    expect(upload_row(page, "january-leavers.csv").get_by_role("link", name="Download results")).to_be_visible()


@pytest.mark.parametrize(("decision", "outcome"), [("Approve", "Queued|Creating|Completed"), ("Cancel", "Cancelled")])
def test_given_an_upload_awaiting_approval_when_deciding_then_its_state_follows(
        page: Page, decision: str, outcome: str) -> None:
    sign_in(page)
    row = upload_row(page, "restructure.csv")
    expect(row.get_by_role("cell").nth(0)).to_contain_text("Awaiting approval")

    row.get_by_role("button", name=decision).click()
    if decision == "Approve":  # the approval panel: why, who, the plan, then a confirmation
        panel = page.get_by_role("region", name="Approve restructure.csv")
        expect(panel.get_by_role("table", name="Plan to approve")).to_be_visible()
        panel.get_by_role("checkbox", name="I have checked the plan and approve these changes").check()
        panel.get_by_role("button", name="Confirm approval").click()
        expect(panel).to_be_hidden()

    expect(row.get_by_role("cell").nth(0)).to_have_text(re.compile(f"^({outcome})$"))
    expect(row.get_by_role("button", name="Approve")).to_have_count(0)


def test_given_an_applied_upload_when_undoing_then_its_plan_shows_first_and_upload_applies_it(
        page: Page, shot: Shot) -> None:
    sign_in(page)
    row = upload_row(page, "january-leavers.csv")
    expect(row.get_by_role("cell").nth(0)).to_have_text("Completed")

    row.get_by_role("button", name="Undo").click()

    plan = page.get_by_role("table", name="Plan")
    expect(plan).to_be_visible()
    expect(plan.get_by_role("row").nth(1)).to_contain_text("Joiner")
    expect(outcome(page, re.compile("january-leavers-undo.csv passed validation"))).to_be_visible()
    undo = upload_row(page, "january-leavers-undo.csv")
    expect(undo.get_by_role("cell").nth(0)).to_have_text("Validated")
    shot("undo-plan")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(undo.get_by_role("cell").nth(0)).to_have_text(re.compile("^(Queued|Creating|Completed)$"))


def test_given_an_organisation_when_downloading_its_report_then_the_file_comes(page: Page, shot: Shot) -> None:
    sign_in(page)
    page.get_by_role("combobox", name="Organisation").select_option(label="Riverside Surgery (Y0123)")
    with page.expect_download() as report:
        page.get_by_role("button", name="Download report").click()

    assert report.value.suggested_filename == "mailbox-report-Y0123.csv"
    assert ",Y0123," in downloaded_text(report.value)
    shot("report")


def test_given_a_whole_session_then_every_api_call_carries_the_bearer_token(page: Page, fake: FakeRoster) -> None:
    sign_in(page)
    validate(page, "new-starters.csv", GOOD_FILE)
    with page.expect_download():
        page.get_by_role("button", name="Download report").click()

    public = {"/", "/config", "/sample.csv"} | {path for _, path, _ in fake.requests if re.search(r"\.(js|css|svg)$", path)}
    api_calls = [(method, path, auth) for method, path, auth in fake.requests if path not in public]
    assert {path for _, path, _ in api_calls} >= {"/me", "/uploads", "/report.csv"}
    assert all(auth.startswith("Bearer ") for _, _, auth in api_calls), api_calls


# ---- the page itself ----


def test_the_page_is_served_with_a_strict_csp_and_has_no_inline_script_or_style(page: Page, fake: FakeRoster) -> None:
    with urlopen(fake.api_url + "/") as response:  # noqa: S310 - the fake, on 127.0.0.1
        headers = response.headers
        html = response.read().decode()
    csp = headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert sorted(directives["connect-src"].split()) == sorted(["'self'", fake.bucket_url, fake.cognito_url])
    assert "unsafe" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"<style\b|\sstyle=|\son[a-z]+=", html) == []
    sign_in(page)
    validate(page, "new-starters.csv", GOOD_FILE)
    assert page.locator("script:not([src]), style, [style]").count() == 0  # nor after the page built itself


def test_keyboard_alone_signs_in_and_reaches_every_control(page: Page, shot: Shot) -> None:
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("textbox", name="Email")).to_be_focused()
    page.keyboard.type(ADMIN)
    page.keyboard.press("Tab")
    page.keyboard.type("Correct-Horse-Battery-42")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Bulk user upload")).to_be_focused()

    wanted = ["Organisation", "Download report", "Download sample file", "Download legacy sample file",
              "Download sample workbook", "CSV file", "Validate", "Sign out"]
    reached: set[str] = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        name = page.evaluate("""() => {
            const el = document.activeElement;
            return el.labels?.[0]?.textContent.trim() || el.textContent.trim();
        }""")
        if name in wanted:
            reached.add(name)
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{name} has no visible focus"
        if name == "Validate" and len(reached) < len(wanted):
            shot("focus-on-validate")
    assert reached == set(wanted)  # Sign out, in the banner, comes round again after the last control


def test_narrow_windows_and_200_percent_zoom_need_no_sideways_scrolling(page: Page, shot: Shot) -> None:
    sign_in(page)
    expect(upload_row(page, "january-leavers.csv")).to_be_visible()
    validate(page, "starters.csv", BAD_FILE)
    # 640 CSS pixels is a 1280-pixel window at 200% zoom; 320 is WCAG's reflow width. Tables scroll in their region.
    for width in (640, 320):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        expect(page.get_by_role("table", name="Uploads")).to_be_visible()
        shot(f"width-{width}")
