"""The organisation report edited and uploaded back changes only what was edited, and a default
display name stays the default (issue 19): blank in the report, it follows a changed name or
organisation; an older report that wrote the default out counts the same; a chosen one is kept."""

from __future__ import annotations

import csv
import io

from roster.accounts.change_plan import default_display_name
from roster.api.report import organisation_report_csv
from roster.contract.csv_output import without_byte_order_mark
from roster.contract.plan_file import parse_plan_csv
from roster.model.directory import AccountStatus
from tests.unit.conftest import AMIR, LEEDS, SARAH, TOM, YORK, Roster

AMIR_DEFAULT = AMIR.model_copy(update={"display_name": default_display_name("Amir", "Khan", LEEDS)})


def _report(roster: Roster) -> tuple[list[str], list[list[str]]]:
    accounts = [a for a in roster.directory.accounts_by_email.values() if a.ods == "RX1"]
    rows = list(csv.reader(io.StringIO(without_byte_order_mark(organisation_report_csv(accounts, LEEDS)))))
    return rows[0], rows[1:]


def _text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue()


def _plan(roster: Roster, text: str) -> list[tuple[str, str, str, str, str]]:
    upload = roster.upload(text, validate_only=True)
    assert upload.state.value == "VALIDATED", roster.files.text(upload.report_key or "")
    return [(p.action, p.email, p.field, p.old, p.new) for p in parse_plan_csv(roster.files.text(upload.plan_key or ""))]


def _cell(header: list[str], rows: list[list[str]], email: str, column: str, value: str | None = None) -> str:
    row = next(r for r in rows if r[header.index("Email Address")] == email)
    if value is not None:
        row[header.index(column)] = value
    return row[header.index(column)]


def test_a_default_display_name_is_blank_in_the_report_and_a_chosen_one_is_shown(roster: Roster) -> None:
    roster.directory.add_account(AMIR_DEFAULT)
    roster.directory.add_account(SARAH.model_copy(update={"display_name": "Sally O'Connor"}))

    header, rows = _report(roster)

    assert _cell(header, rows, AMIR.email, "Display Name") == ""
    assert _cell(header, rows, SARAH.email, "Display Name") == "Sally O'Connor"


def test_the_report_uploaded_back_with_one_cell_edited_changes_only_that_cell(roster: Roster) -> None:
    roster.directory.add_account(AMIR_DEFAULT)
    header, rows = _report(roster)
    _cell(header, rows, AMIR.email, "Job Title", "Lead Radiographer")

    plan = _plan(roster, _text(header, rows))

    assert [p for p in plan if p[0] != "Unchanged"] == [
        ("Update", AMIR.email, "Job Title", "Radiographer", "Lead Radiographer")]


def test_a_surname_changed_in_the_report_takes_the_display_name_with_it(roster: Roster) -> None:
    roster.directory.add_account(AMIR_DEFAULT)
    header, rows = _report(roster)
    _cell(header, rows, AMIR.email, "Last Name", "Shah")

    plan = _plan(roster, _text(header, rows))

    assert [p for p in plan if p[0] != "Unchanged"] == [
        ("Update", AMIR.email, "Last Name", "Khan", "Shah"),
        ("Update", AMIR.email, "Display Name", AMIR_DEFAULT.display_name, "SHAH, Amir (Leeds Teaching Hospitals)")]


def test_an_older_report_that_wrote_the_default_out_counts_as_the_default(roster: Roster) -> None:
    roster.directory.add_account(AMIR_DEFAULT)
    header, rows = _report(roster)
    _cell(header, rows, AMIR.email, "Display Name", AMIR_DEFAULT.display_name)
    _cell(header, rows, AMIR.email, "Last Name", "Shah")

    plan = _plan(roster, _text(header, rows))

    assert ("Update", AMIR.email, "Display Name", AMIR_DEFAULT.display_name,
            "SHAH, Amir (Leeds Teaching Hospitals)") in plan


def test_a_chosen_display_name_stays_when_the_surname_changes(roster: Roster) -> None:
    roster.directory.add_account(AMIR.model_copy(update={"display_name": "Amir K"}))
    header, rows = _report(roster)
    _cell(header, rows, AMIR.email, "Last Name", "Shah")

    plan = _plan(roster, _text(header, rows))

    assert [p[2] for p in plan if p[0] == "Update"] == ["Last Name"]


def test_a_joiner_moved_with_the_report_takes_the_new_organisations_default(roster: Roster) -> None:
    tom = TOM.model_copy(update={"display_name": default_display_name("Tom", "Baker", LEEDS)})
    roster.directory.add_account(tom)
    header, rows = _report(roster)
    _cell(header, rows, TOM.email, "Status", "")
    _cell(header, rows, TOM.email, "Organisation ODSCode", YORK.ods)
    _cell(header, rows, TOM.email, "Organisational Unit", "District Nursing")

    plan = _plan(roster, _text(header, rows))

    assert ("Joiner", TOM.email, "Display Name", tom.display_name, "BAKER, Tom (York Hospital)") in plan
    assert tom.status is AccountStatus.LEAVER
