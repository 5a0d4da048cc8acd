"""End to end: an Excel workbook through `roster local run`, as an administrator saves one."""

from __future__ import annotations

import csv
import datetime
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import ADMIN, EXAMPLES
from tests.workbooks import Formula, one_sheet

pytestmark = pytest.mark.e2e
ROSTER = Path(sys.executable).parent / "roster"


def _roster(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROSTER), *args], capture_output=True, text=True, timeout=600, check=False)


def _users_rows() -> list[list[object]]:
    with (EXAMPLES / "users.csv").open(encoding="utf-8", newline="") as handle:
        return [list(row) for row in csv.reader(handle)]


def test_a_workbook_is_validated_applied_and_answered_with_a_results_workbook(tmp_path):
    # Given users.csv as a workbook whose first mobile number Excel turned into a number
    rows = _users_rows()
    mobile = rows[0].index("Mobile Phone")
    rows[1][mobile] = 447912345123
    workbook = tmp_path / "users.xlsx"
    workbook.write_bytes(one_sheet(rows))
    out = tmp_path / "out"

    # When it is run through the pipeline
    done = _roster("local", "run", str(workbook), "--directory", str(EXAMPLES / "directory.json"), "--admin",
                   ADMIN, "--out", str(out), "--parameter", "PasswordHashCost=10")

    # Then every row is created, and the results are a workbook of text cells
    assert done.returncode == 0, done.stderr
    folder = out / "01-users"
    upload = json.loads((folder / "job.json").read_text())
    assert upload["state"] == "COMPLETED" and upload["counts"]["created"] == len(rows) - 1
    assert not (folder / "results.csv").exists()
    sheet = openpyxl.load_workbook(folder / "results.xlsx").worksheets[0]
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert table[0] == [*rows[0], "Result", "Message", "Assigned Email", "Temporary Password"]
    assert table[1][mobile] == "447912345123"  # as Excel showed it, now text
    assert {row[len(rows[0])] for row in table[1:]} == {"Created"}
    password = rows[0].index("Password")
    generated = [row[-1] for row, given in zip(table[1:], rows[1:], strict=True) if not given[password]]
    assert generated and all(generated)  # each new user without a password of their own got one
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value is not None)
    assert (folder / "plan.csv").read_text(encoding="utf-8-sig").startswith("Line,Action,Email Address")
    attachment = (folder / "emails" / "01.eml").read_text()
    assert 'filename="users-results.xlsx"' in attachment


def test_a_workbook_with_a_date_and_a_formula_is_refused_line_by_line(tmp_path):
    rows = _users_rows()[:4]
    rows[2][rows[0].index("Job Title")] = datetime.date(2024, 3, 1)
    rows[3][rows[0].index("First Name")] = Formula('PROPER("amelia")', "Amelia")
    workbook = tmp_path / "mistakes.xlsx"
    workbook.write_bytes(one_sheet(rows))
    out = tmp_path / "out"

    done = _roster("local", "run", str(workbook), "--directory", str(EXAMPLES / "directory.json"), "--admin",
                   ADMIN, "--out", str(out))

    assert done.returncode == 0, done.stderr
    folder = out / "01-mistakes"
    assert json.loads((folder / "job.json").read_text())["state"] == "INVALID"
    with (folder / "validation.csv").open(encoding="utf-8-sig", newline="") as handle:
        errors = [(r["Line"], r["Column"], r["Value"], r["Message"]) for r in csv.DictReader(handle)
                  if r["Severity"] == "error"]
    assert [(line, column, value) for line, column, value, _ in errors] == [
        ("3", "Job Title", "2024-03-01"), ("4", "First Name", "Amelia")]
    assert "Format the column as Text" in errors[0][3] and "Paste Special > Values" in errors[1][3]
    assert not (folder / "results.xlsx").exists()
