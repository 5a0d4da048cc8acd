"""End to end: the `roster local run` command, as the README runs it."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ADMIN, APPROVER, EXAMPLES

pytestmark = pytest.mark.e2e
ROSTER = Path(sys.executable).parent / "roster"


def _roster(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROSTER), *args], capture_output=True, text=True, timeout=600, check=False)


def test_local_run_writes_the_documented_layout(tmp_path):
    out = tmp_path / "out"
    # As `make run` runs it: updates.csv retires one of RY2's six accounts, over the 10% one
    # administrator may retire alone, so RY2's other administrator approves it.
    done = _roster("local", "run", str(EXAMPLES / "users.csv"), str(EXAMPLES / "updates.csv"),
                   "--directory", str(EXAMPLES / "directory.json"), "--admin", ADMIN, "--out", str(out),
                   "--parameter", "PasswordHashCost=10", "--approve-as", APPROVER)

    assert done.returncode == 0, done.stderr
    assert "rows validated" in done.stderr  # progress is shown while it works
    first, second = out / "01-users", out / "02-updates"
    for folder in (first, second):
        upload = json.loads((folder / "job.json").read_text())
        assert upload["state"] == "COMPLETED" and upload["format"] == "current"
        assert set(upload["counts"]) >= {"rows", "created", "updated", "leavers", "joiners", "unchanged", "failed",
                                         "errors", "warnings"}
        assert (folder / "validation.csv").read_text(encoding="utf-8").startswith(
            "\ufeffLine,Column,Value,Severity,Message\n")  # a byte-order mark, as Excel wants it
        assert (folder / "results.csv").exists()
        assert (folder / "plan.csv").read_text(encoding="utf-8-sig").startswith("Line,Action,Email Address,Field")
    assert [p.name for p in (first / "emails").iterdir()] == ["01.eml"]
    # Issue 11 adds the approval: the second upload's Approval needed email, then its results.
    assert sorted(p.name for p in (second / "emails").iterdir()) == ["01.eml", "02.eml"]
    assert f"approved by {APPROVER}" in done.stderr
    raw = (out / "mailbox-report.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfEmail Address,") and b"\r\n" in raw  # as every CSV Roster writes
    with (out / "mailbox-report.csv").open(encoding="utf-8-sig", newline="") as handle:
        report = list(csv.DictReader(handle))
    phones = [r["Mobile Phone"] for r in report if r["Mobile Phone"]]
    assert phones and all(p.startswith("'+44") for p in phones)  # no cell a spreadsheet runs as a formula
    assert list(report[0]) == ["Email Address", "Title", "First Name", "Last Name", "Display Name", "Job Title",
                               "Organisation ODSCode", "Organisational Unit", "Business Phone", "Mobile Phone",
                               "Mailbox Size (GB)", "Status", "Created"]
    emails = [r["Email Address"] for r in report]
    assert emails == sorted(emails) and len(emails) == len(set(emails)) == 5 + 20 + 1
    assert {r["Status"] for r in report} == {"active", "leaver"}


def test_a_file_full_of_mistakes_is_reported_line_by_line_and_creates_nothing(tmp_path):
    bad = tmp_path / "mistakes.csv"
    bad.write_text(
        "Title,First Name,Last Name,Display Name,Job Title,Organisation ODSCode,Organisational Unit,"
        "Business Phone,Mobile Phone,Mailbox Size,Password,Email Address,Status\n"
        "Sir,Ann,Lee,,Nurse,RX1,,,,,,,\n"
        "Dr,=cmd,Lee,,Nurse,RX1,,,,,,,\n"
        "Dr,Bob,Hay,,Nurse,ZZZ9,,,,,,,\n"
        "Dr,Cat,Ray,,Nurse,RX1,,12345,,,,,\n"
        "Dr,Dan,Fox,,Nurse,RX1,,,01632 960000,,,,\n"
        "Dr,Eve,Kim,,Nurse,RX1,,,,8GB,,,\n"
        "Dr,Fay,Lin,,Nurse,RX1,,,,,short,,\n"
        "Dr,Gus,Orr,,Nurse,RX1,,,,,,nobody@nhs.net,\n"
        "Dr,Hal,Poe,,Nurse,RX1,,,,,,,leaver\n",
        encoding="utf-8")
    out = tmp_path / "out"
    done = _roster("local", "run", str(bad), "--directory", str(EXAMPLES / "directory.json"), "--admin", ADMIN,
                   "--out", str(out))

    assert done.returncode == 0, done.stderr
    folder = out / "01-mistakes"
    assert json.loads((folder / "job.json").read_text())["state"] == "INVALID"
    with (folder / "validation.csv").open(encoding="utf-8-sig", newline="") as handle:
        findings = [r for r in csv.DictReader(handle) if r["Severity"] == "error"]
    assert {int(f["Line"]) for f in findings} == set(range(2, 11))
    assert {f["Column"] for f in findings} >= {"Title", "First Name", "Organisation ODSCode", "Business Phone",
                                               "Mobile Phone", "Mailbox Size", "Password", "Email Address", "Status"}
    assert not (folder / "results.csv").exists() and not (folder / "plan.csv").exists()
    with (out / "mailbox-report.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 5  # only the directory's own accounts


def test_an_upload_the_uploader_may_not_approve_alone_ends_the_command_waiting(tmp_path):
    out = tmp_path / "out"
    done = _roster("local", "run", str(EXAMPLES / "updates.csv"), "--directory", str(EXAMPLES / "directory.json"),
                   "--admin", ADMIN, "--approve-as", ADMIN, "--out", str(out))

    assert done.returncode == 0, done.stderr  # a wait for a person is where the command ends
    assert "You uploaded this file, so another administrator" in done.stderr
    folder = out / "01-updates"
    assert json.loads((folder / "job.json").read_text())["state"] == "AWAITING_APPROVAL"
    assert "AWAITING_APPROVAL" in done.stdout
    assert (folder / "plan.csv").exists() and not (folder / "results.csv").exists()
    assert [p.name for p in (folder / "emails").iterdir()] == ["01.eml"]


@pytest.mark.parametrize("args, message", [
    (["missing.csv"], "no such file"),
    (["{users}", "--chaos", "create:sometimes:0.5"], "WHEN must be before or after"),
    (["{users}", "--parameter", "NoSuchParameter=1"], "no parameter NoSuchParameter"),
    (["{users}", "--parameter", "MaxRows=abc"], "template parameter MaxRows must be a number from 1 to 150000"),
    (["{users}", "--parameter", "LogLevel=LOUD"], "LogLevel must be one of DEBUG, INFO, WARNING, ERROR"),
])
def test_wrong_arguments_are_refused_with_a_message(tmp_path, args, message):
    args = [a.replace("{users}", str(EXAMPLES / "users.csv")) for a in args]
    done = _roster("local", "run", *args, "--directory", str(EXAMPLES / "directory.json"), "--admin", ADMIN,
                   "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert message in done.stderr


def test_a_bad_directory_file_names_the_field(tmp_path):
    directory = tmp_path / "directory.json"
    directory.write_text(json.dumps({"organisations": [{"ods": "RX1", "name": "X", "domain": "nhs.net",
                                                         "mailbox_max_gb": "lots"}]}))
    done = _roster("local", "run", str(EXAMPLES / "users.csv"), "--directory", str(directory), "--admin", ADMIN,
                   "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "organisations.0.mailbox_max_gb" in done.stderr


def test_an_out_folder_that_is_a_file_or_an_admin_that_is_no_address_is_refused_without_a_traceback(tmp_path):
    a_file = tmp_path / "out.txt"
    a_file.write_text("not a folder")
    for admin, out, message in ((ADMIN, a_file, "is a file; name a folder"),
                                ("not an address", tmp_path / "out", "is not an email address")):
        done = _roster("local", "run", str(EXAMPLES / "users.csv"), "--directory", str(EXAMPLES / "directory.json"),
                       "--admin", admin, "--out", str(out))
        assert done.returncode == 2
        assert message in done.stderr and "Traceback" not in done.stderr


def test_an_upload_that_cannot_progress_is_named_and_no_metrics_warning_shows(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    done = _roster("local", "run", str(empty), "--directory", str(EXAMPLES / "directory.json"), "--admin", ADMIN,
                   "--out", str(tmp_path / "out"), "--parameter", "PasswordHashCost=10", "--chaos", "validate:before:1.0")
    assert done.returncode == 1
    assert "upload 01 (empty.csv)" in done.stderr
    assert "No application metrics" not in done.stderr
