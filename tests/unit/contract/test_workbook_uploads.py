"""A workbook upload through the steps on fakes (docs/csv-format.md, "Excel workbooks"): its
results are a workbook, attached as one, and the email's idempotency payload carries it intact."""

from __future__ import annotations

import io

import openpyxl

from roster.adapters.ses import _as_dict, _from_dict
from roster.contract.columns import CURRENT_COLUMNS, RESULT_COLUMNS
from roster.emails import to_mime
from roster.model.uploads import UploadState
from tests.unit.conftest import ADMIN, Roster
from tests.workbooks import one_sheet

ROWS = [list(CURRENT_COLUMNS),
        ["", "Jane", "Doe", "", "Nurse", "RX1", "Cardiology", "", 447912345123, "", "", "", ""],
        ["", "", "", "", "=Lead Radiographer", "", "", "", "", "", "", "amir.khan@nhs.net", ""]]


def _apply_workbook(roster: Roster, rows: list[list[object]]):
    key = roster.files.upload(ADMIN, "users.xlsx", one_sheet(rows), False)
    upload = roster.validate_step().receive(key, None)
    if upload.state is UploadState.CREATING:
        roster.run_batches(upload.upload_id)
        return roster.notify_step().finish(upload.upload_id)
    return upload


def test_given_a_workbook_upload_when_applied_then_its_results_are_a_workbook_of_text(roster: Roster) -> None:
    upload = _apply_workbook(roster, ROWS[:2])

    assert upload.state is UploadState.COMPLETED and upload.results_key.endswith("/users-results.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(roster.files.read(upload.results_key))).worksheets[0]
    assert sheet.title == "Users"  # the uploaded sheet's name
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert table[0] == [*CURRENT_COLUMNS, *RESULT_COLUMNS]
    assert table[1][8] == "447912345123" and table[1][13:16] == ["Created", table[1][14], "jane.doe@nhs.net"]
    assert len(table[1][16]) == 16  # the temporary password
    assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row if c.value is not None)
    [email] = roster.mailer.emails_for(upload.upload_id)
    assert email.attachment_name == "users-results.xlsx" and email.attachment == roster.files.read(upload.results_key)


def test_given_a_workbook_with_a_formula_like_text_then_it_is_refused_as_in_a_csv(roster: Roster) -> None:
    upload = _apply_workbook(roster, ROWS)
    assert upload.state is UploadState.INVALID  # "=Lead Radiographer" is text that starts a formula: the CSV rule


def test_a_workbook_attachment_survives_the_idempotency_payload_and_goes_out_as_a_workbook(roster: Roster) -> None:
    upload = _apply_workbook(roster, ROWS[:2])
    [email] = roster.mailer.emails_for(upload.upload_id)

    again = _from_dict(_as_dict(email))

    assert again == email
    mime = to_mime(again)
    assert b"vnd.openxmlformats-officedocument.spreadsheetml.sheet" in mime and b'filename="users-results.xlsx"' in mime
