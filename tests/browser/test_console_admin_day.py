"""The administrator's day in the console (issue 22), against a real `roster local serve` in headless
Chromium, every control found by its accessible name, at a desktop window, a 390 px phone and a 1280 px
window at 200% zoom (640 CSS px), each state scanned by axe-core for serious accessibility violations:

- the plan shows changed rows first (Unchanged folded, Show filter, counts), Upload above it, Download plan;
- every upload gets a visible result (counts, a results link) and no stale "started (Validating)";
- a validated upload can be applied from its row of Uploads; invalid rows show no progress bar;
- a refusal stays on screen through the table's refreshes;
- the approval panel (reason, who may approve, plan, confirmation) is offered only to those who may;
- tables reflow without sideways scrolling (WCAG 2.2 reflow);
- the notifications indicator counts uploads that changed since last seen;
- local mode's Mailbox shows the emails sent, and serve prints the folder that keeps them.

The tests share one server and run in file order: the approval tests come last (they retire accounts).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, FilePayload, Locator, Page, Route, expect

from tests.browser.conftest import ARTIFACTS, console_page, step_shots
from tests.conftest import ADMIN, current_csv

pytestmark = pytest.mark.browser

ROSTER = Path(sys.executable).parent / "roster"
PASSWORD = "Console-Day-Passw0rd!"
COMMUNITY_LEAD = "community.lead@example.nhs.net"  # RY2's second administrator
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AXE = Path(os.environ.get("ROSTER_AXE_CORE") or Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js")
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844), "zoom200": (640, 450)}  # 1280x900 at 200% zoom
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@dataclass
class Served:
    url: str
    output: dict[str, list[str]]
    mail_dir: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    mail_dir = tmp_path_factory.mktemp("mail") / "kept"
    process = subprocess.Popen(
        [str(ROSTER), "local", "serve", "--directory", str(EXAMPLES / "directory.json"), "--port", "0",
         "--admin-password", PASSWORD, "--parameter", "PasswordHashCost=10", "--mail-dir", str(mail_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    output: dict[str, list[str]] = {"stdout": [], "stderr": []}
    readers = [threading.Thread(target=lambda s=stream, n=name: output[n].extend(s), daemon=True)
               for name, stream in (("stdout", process.stdout), ("stderr", process.stderr))]
    try:
        readers[1].start()
        first = process.stdout.readline().strip()
        output["stdout"].append(first)
        readers[0].start()
        if not first.startswith("Roster is serving on http://127.0.0.1:"):
            process.wait(timeout=60)
            pytest.fail(f"roster local serve did not start: {first!r}\n{''.join(output['stderr'])}")
        yield Served(first.rsplit(" ", 1)[-1], output, mail_dir.resolve())
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for reader in readers:
            reader.join(timeout=10)
        log = ARTIFACTS / "admin-day-serve.log"  # what the server said, for a failed run
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("".join(output["stdout"]) + "".join(output["stderr"]), encoding="utf-8")
    assert process.returncode == 0, "".join(output["stderr"])


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page(browser: Browser, served: Served, viewport: str) -> Iterator[Page]:
    with console_page(browser, served.url + "/") as tab:
        width, height = VIEWPORTS[viewport]
        tab.set_viewport_size({"width": width, "height": height})
        failures: list[str] = []
        tab.on("response", lambda r: failures.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 500 else None)
        yield tab
        assert failures == [], failures  # which request the server could not answer


@pytest.fixture
def shot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    return step_shots(page, request.node.name)


# ---- helpers -------------------------------------------------------------------------------------------
def signed_in(page: Page, email: str = ADMIN) -> None:
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("combobox", name="Organisation").get_by_role("option").first).to_be_attached()


def validate(page: Page, name: str, content: str) -> None:
    file: FilePayload = {"name": name, "mimeType": "text/csv", "buffer": content.encode()}
    page.get_by_label("CSV file").set_input_files(files=[file])
    page.get_by_role("button", name="Validate").click()
    expect(page.get_by_role("status").filter(has_text=re.compile(rf"^{re.escape(name)} (passed|failed) validation"))
           ).to_be_visible(timeout=90_000)


def upload_row(page: Page, file_name: str) -> Locator:
    uploads = page.get_by_role("table", name="Uploads")
    return uploads.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(re.escape(file_name))))


def unique(stem: str, viewport: str) -> str:
    return f"{stem}-{viewport}.csv"


def surname(stem: str, viewport: str) -> str:
    """A last name of letters only, different in each viewport's run."""
    return stem + {"desktop": "Desk", "phone": "Phone", "zoom200": "Zoom"}[viewport]


def assert_no_serious_accessibility_violations(page: Page) -> None:
    """axe-core's scan of the page as it is: nothing serious or critical (WCAG 2.2 A and AA rules)."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: `make test` installs axe-core (package.json), or set ROSTER_AXE_CORE")
    page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated by the driver: the page's CSP allows no inline script
    violations = page.evaluate("""async () => {
      const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',
        'wcag21aa', 'wcag22aa', 'best-practice']}});
      return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
    }""")
    assert violations == []


def assert_reflows(page: Page) -> None:
    """Nothing scrolls sideways: not the page, not a table (WCAG 2.2 SC 1.4.10)."""
    overflow = page.evaluate("""() => ({
      page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      tables: [...document.querySelectorAll('.table-scroll')]
        .filter((e) => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
        .map((e) => e.getAttribute('aria-labelledby')),
    })""")
    assert overflow == {"page": 0, "tables": []}


def within_width(page: Page, locator: Locator) -> None:
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"] + 1, box


# ---- the tests, in the order of a day ----------------------------------------------------------------
def test_serve_prints_where_it_keeps_the_emails(served: Served) -> None:
    deadline = time.monotonic() + 30
    while "Emails:" not in "".join(served.output["stdout"]) and time.monotonic() < deadline:
        time.sleep(0.1)  # the reader thread takes the lines after the first
    lines = "".join(served.output["stdout"])
    assert f"Emails: every email Roster sends is kept in {served.mail_dir}" in lines
    assert "Their password" not in lines  # given with --admin-password: not printed


def test_the_plan_shows_changes_first_with_upload_above_it_and_the_whole_plan_to_download(
        page: Page, viewport: str, shot: Callable[[str], Path]) -> None:
    signed_in(page)
    page.get_by_role("combobox", name="Organisation").select_option(label="Northfield Hospital NHS Trust (RX1)")
    with page.expect_download() as report:
        page.get_by_role("button", name="Download report").click()
    text = Path(report.value.path()).read_bytes().decode("utf-8-sig")
    edited = text.replace("Radiographer", f"Radiographer {viewport}", 1)  # one change; the other rows untouched
    name = unique("rx1-report", viewport)

    validate(page, name, edited)

    plan = page.get_by_role("table", name="Plan", exact=True)
    expect(plan).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Applying it will: 1 to update, \d+ unchanged\.$"))).to_be_visible()
    show = page.get_by_role("combobox", name="Show")
    expect(show).to_have_value("changes")
    expect(page.get_by_text(re.compile(r"unchanged rows? folded away"))).to_be_visible()
    rows = plan.get_by_role("row").filter(has=page.get_by_role("cell"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("amir.khan@nhs.net")
    # Upload and Download plan come before the plan, however long it is.
    upload = page.get_by_role("button", name="Upload", exact=True)
    assert upload.bounding_box()["y"] < plan.bounding_box()["y"]  # type: ignore[index]
    assert_reflows(page)
    within_width(page, rows.first.get_by_role("cell").last)  # New, the last column, is on screen
    assert_no_serious_accessibility_violations(page)
    if viewport == "desktop":
        page.screenshot(path=str(IMAGES / "console-plan-changes-first.png"), full_page=True)
    shot("plan")

    show.select_option("all")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Update")  # changed rows first, then Unchanged
    with page.expect_download() as whole:
        page.get_by_role("link", name="Download plan").first.click()
    assert whole.value.suggested_filename == f"rx1-report-{viewport}-plan.csv"
    assert Path(whole.value.path()).read_bytes().startswith(b"\xef\xbb\xbfLine,Action,Email Address")

    upload.click()
    result = page.get_by_role("status").filter(has_text=re.compile(r"^Upload complete: "))
    expect(result).to_contain_text(f"Upload complete: {name}. 1 updated, 2 unchanged.", timeout=90_000)
    expect(page.get_by_text("started (Validating)")).to_have_count(0)
    expect(result.get_by_role("link", name="Download results")).to_be_visible()
    row = upload_row(page, name)
    expect(row.get_by_role("cell").nth(0)).to_have_text("Completed")
    expect(row).to_contain_text("1 updated, 2 unchanged")
    assert_reflows(page)
    assert_no_serious_accessibility_violations(page)
    if viewport == "desktop":
        page.screenshot(path=str(IMAGES / "console-upload-result.png"), full_page=True)
    if viewport == "phone":
        page.screenshot(path=str(IMAGES / "console-phone-reflow.png"), full_page=True)
    shot("result")


def test_a_validated_upload_is_applied_from_its_row_and_invalid_rows_show_no_progress_bar(
        page: Page, viewport: str) -> None:
    signed_in(page)
    bad = unique("bad", viewport)
    validate(page, bad, current_csv("Sir,Ann,Lee,,Nurse,RX1,,,,,,,"))
    invalid = upload_row(page, bad)
    expect(invalid.get_by_role("cell").nth(1)).to_have_text("Not applied")
    expect(invalid.locator("progress")).to_be_hidden()
    expect(invalid).to_contain_text("1 error: nothing changed")

    good = unique("starter", viewport)
    validate(page, good, current_csv(f"Dr,Row,{surname('Applied', viewport)},,Nurse,RX1,Pharmacy,,,,,,"))
    page.get_by_label("CSV file").set_input_files(files=[])  # a new choice: the panel forgets this upload
    row = upload_row(page, good)
    expect(row).to_contain_text("Passed: ready to upload")
    row.get_by_role("button", name=f"Upload {good}").click()

    expect(row.get_by_role("cell").nth(0)).to_have_text("Completed", timeout=90_000)
    expect(row.get_by_role("cell").nth(1)).to_have_text("1 / 1")
    expect(row).to_contain_text("1 created")
    expect(row.get_by_role("link", name="Download results")).to_be_visible()
    assert_reflows(page)
    assert_no_serious_accessibility_violations(page)


def test_a_refusal_stays_on_screen_through_the_tables_refreshes(page: Page, viewport: str) -> None:
    signed_in(page)
    name = unique("refused", viewport)
    validate(page, name, current_csv(f"Dr,Ref,{surname('Used', viewport)},,Nurse,RX1,Pharmacy,,,,,,"))
    page.get_by_label("CSV file").set_input_files(files=[])
    refusal = "Upload refused for this test: try again later."

    def refuse(route: Route) -> None:
        route.fulfill(status=409, json={"message": refusal})

    page.route("**/apply", refuse)
    upload_row(page, name).get_by_role("button", name=f"Upload {name}").click()
    alert = page.get_by_role("alert").filter(has_text=refusal)
    expect(alert).to_be_visible()
    # The table refreshes (quickly after an action) and the refusal is still there.
    for _ in range(2):
        with page.expect_response(lambda r: "/uploads?" in r.url and r.request.method == "GET", timeout=60_000):
            pass
    expect(alert).to_be_visible()
    expect(alert).to_have_text(f"{name}: {refusal}")
    assert_no_serious_accessibility_violations(page)


def test_the_notifications_indicator_counts_uploads_changed_since_last_seen(page: Page, viewport: str) -> None:
    signed_in(page)
    indicator = page.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(indicator).to_have_accessible_name(re.compile(r"^Notifications nothing new$"))
    validate(page, unique("noticed", viewport), current_csv("Sir,Ann,Lee,,Nurse,RX1,,,,,,,"))

    expect(indicator).to_have_accessible_name("Notifications 1 new")
    indicator.click()
    expect(indicator).to_have_accessible_name("Notifications nothing new")
    page.reload()  # seen stays seen
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(indicator).to_have_accessible_name("Notifications nothing new")


def test_local_modes_mailbox_shows_the_emails_sent_to_the_administrator(page: Page, served: Served,
                                                                         viewport: str) -> None:
    signed_in(page)
    name = unique("mailed", viewport)
    validate(page, name, current_csv(f"Dr,Mai,{surname('Led', viewport)},,Nurse,RX1,Pharmacy,,,,,,"))
    mailbox = page.get_by_role("region", name="Mailbox")
    expect(mailbox).to_contain_text(str(served.mail_dir))
    page.get_by_role("button", name="Refresh mailbox").click()
    email = mailbox.get_by_role("group").filter(has_text=f"Validated: {name}")
    expect(email).to_be_visible()
    email.get_by_text(f"Validated: {name}").click()
    expect(email).to_contain_text("roster apply")
    expect(email.get_by_role("link", name=re.compile(r"-plan\.csv$"))).to_be_visible()
    assert any(path.name.endswith(f"Validated-{name}.eml") for path in served.mail_dir.iterdir())
    assert_reflows(page)
    assert_no_serious_accessibility_violations(page)
    if viewport == "desktop":
        page.screenshot(path=str(IMAGES / "console-local-mailbox.png"), full_page=True)


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)  # the approver's page is at 200% zoom
def test_approval_is_offered_only_to_those_who_may_with_reason_plan_and_confirmation(
        browser: Browser, served: Served, viewport: str, page: Page) -> None:
    # Sarah is RY2's only active account: marking her a leaver needs RY2's other administrator's approval.
    name = unique("sarah-leaves", viewport)
    leaver = current_csv(",,,,,,,,,,,sarah.oconnor@nhs.net,leaver")
    signed_in(page)
    validate(page, name, leaver)
    warning = page.get_by_text(re.compile(r"^Applying it will wait for another administrator's approval"))
    expect(warning).to_contain_text("RY2")
    expect(warning).to_contain_text(COMMUNITY_LEAD)
    page.get_by_role("button", name="Upload", exact=True).click()
    waiting = page.get_by_role("status").filter(has_text=f"{name} waits for approval.")
    expect(waiting).to_contain_text(COMMUNITY_LEAD, timeout=90_000)
    row = upload_row(page, name)
    expect(row.get_by_role("cell").nth(0)).to_contain_text("Awaiting approval")
    expect(row.get_by_role("button", name="Approve")).to_have_count(0)  # the uploader may not approve it
    expect(row).to_contain_text(f"Waiting for approval by RY2: {COMMUNITY_LEAD}")
    expect(row.get_by_role("button", name="Cancel")).to_be_visible()
    assert_no_serious_accessibility_violations(page)

    with console_page(browser, served.url + "/") as approver:
        approver.set_viewport_size({"width": VIEWPORTS["zoom200"][0], "height": VIEWPORTS["zoom200"][1]})
        signed_in(approver, COMMUNITY_LEAD)
        theirs = upload_row(approver, name)
        theirs.get_by_role("button", name="Approve").click()
        panel = approver.get_by_role("region", name=f"Approve {name}")
        expect(panel).to_contain_text("would be marked as leavers")
        expect(panel).to_contain_text(f"Who may approve: RY2: {COMMUNITY_LEAD}")
        plan = panel.get_by_role("table", name="Plan to approve")
        expect(plan.get_by_role("row").filter(has=approver.get_by_role("cell"))).to_contain_text(
            ["sarah.oconnor@nhs.net"])
        panel.get_by_role("button", name="Confirm approval").click()  # not yet confirmed: refused, on screen
        expect(panel.get_by_role("alert")).to_contain_text("Tick")
        assert_no_serious_accessibility_violations(approver)
        assert_reflows(approver)
        approver.screenshot(path=str(IMAGES / "console-approval-panel.png"), full_page=True)
        panel.get_by_role("checkbox", name="I have checked the plan and approve these changes").check()
        panel.get_by_role("button", name="Confirm approval").click()
        expect(panel).to_be_hidden()
        expect(theirs.get_by_role("cell").nth(0)).to_have_text(re.compile(r"^(Validating|Queued|Creating|Completed)$"))

    expect(row.get_by_role("cell").nth(0)).to_have_text("Completed", timeout=90_000)


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)  # one approval of RX1 per server
def test_the_only_administrator_of_an_organisation_may_approve_their_own_upload(page: Page, viewport: str) -> None:
    # RX1's only administrator is the uploader: marking Jane (1 of RX1's 2 active accounts) a leaver waits
    # for approval, and the uploader is offered Approve.
    name = unique("jane-leaves", viewport)
    signed_in(page)
    validate(page, name, current_csv(",,,,,,,,,,,jane.doe@nhs.net,leaver"))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("status").filter(has_text=f"{name} waits for approval.")).to_contain_text(
        "the uploader (RX1 has no other administrator)", timeout=90_000)
    row = upload_row(page, name)
    row.get_by_role("button", name="Approve").click()
    panel = page.get_by_role("region", name=f"Approve {name}")
    expect(panel).to_contain_text("RX1 has no other administrator")
    assert_reflows(page)
    assert_no_serious_accessibility_violations(page)
    panel.get_by_role("checkbox", name="I have checked the plan and approve these changes").check()
    panel.get_by_role("button", name="Confirm approval").click()
    expect(row.get_by_role("cell").nth(0)).to_have_text("Completed", timeout=90_000)


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_at_320_css_pixels_every_table_reflows_and_every_column_stays_on_screen(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    signed_in(page)
    validate(page, "narrow.csv", current_csv("Sir,Ann,Lee,,Nurse,RX1,,,01632960000,,,,"))

    findings = page.get_by_role("table", name="Validation results")
    first = findings.get_by_role("row").filter(has=page.get_by_role("cell")).first
    for cell in first.get_by_role("cell").all():  # Line, Column, Value, Severity and Message, one under another
        within_width(page, cell)
    for cell in upload_row(page, "narrow.csv").get_by_role("cell").all():
        within_width(page, cell)
    assert_reflows(page)
    assert_no_serious_accessibility_violations(page)
