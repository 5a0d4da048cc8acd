"""The workbook routes (docs/csv-format.md, "Excel workbooks"): GET /sample.xlsx without sign-in,
every column Text; GET /uploads/{id}/results.xlsx to the uploader only; links that say which."""

from __future__ import annotations

import base64
import io

import openpyxl
import pytest

from roster.contract.columns import CURRENT_COLUMNS, LEGACY_COLUMNS
from roster.contract.upload_file import read_upload
from roster.model.uploads import UploadState
from tests.unit.api.conftest import ADMIN, PRACTICE
from tests.workbooks import one_sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("wanted, columns, name", [("current", CURRENT_COLUMNS, "roster-sample.xlsx"),
                                                   ("legacy", LEGACY_COLUMNS, "roster-legacy-sample.xlsx")])
def test_the_sample_workbook_needs_no_sign_in_and_every_column_is_text(api, wanted, columns, name):
    answer = api.request("GET", "/sample.xlsx", as_admin=None, query={"format": wanted})

    assert answer.status == 200 and answer.headers["Content-Type"] == XLSX
    assert f'filename="{name}"' in answer.headers["Content-Disposition"]
    raw = base64.b64decode(answer.body)
    sheet = openpyxl.load_workbook(io.BytesIO(raw)).worksheets[0]
    header, example = [[c.value for c in row] for row in sheet.iter_rows()]
    assert header == list(columns) and example[1] == "Jane"
    assert "07912 345123" in example  # a phone with its leading 0, as text
    text_columns = sheet.column_dimensions["A"]
    assert (text_columns.min, text_columns.max, text_columns.number_format) == (1, len(columns), "@")
    # Roster reads its own sample back as it wrote it.
    assert [r.cells for r in read_upload(raw, 1 << 20)][0] == list(columns)


def test_a_sample_workbook_in_no_known_format_is_400(api):
    assert api.request("GET", "/sample.xlsx", query={"format": "xlsm"}).status == 400


def test_the_results_of_a_workbook_upload_are_a_workbook_to_the_uploader_only(api):
    body = one_sheet([["Title", "Result"], ["Dr", "Created"]])
    api.files.put_bytes("results/j/staff-results.xlsx", body)
    upload = api.upload(UploadState.COMPLETED, uploader=PRACTICE, orgs=("Y0301",), results_key="results/j/staff-results.xlsx")

    by_uploader = api.request("GET", f"/uploads/{upload.upload_id}/results.xlsx", as_admin=PRACTICE)
    by_colleague = api.request("GET", f"/uploads/{upload.upload_id}/results.xlsx", as_admin=ADMIN)
    as_csv = api.request("GET", f"/uploads/{upload.upload_id}/results.csv", as_admin=PRACTICE)
    shown = api.request("GET", f"/uploads/{upload.upload_id}", as_admin=PRACTICE).json()

    assert by_uploader.status == 200 and base64.b64decode(by_uploader.body) == body
    assert 'filename="staff-results.xlsx"' in by_uploader.headers["Content-Disposition"]
    assert by_colleague.status == 403
    assert as_csv.status == 409 and f"/uploads/{upload.upload_id}/results.xlsx" in as_csv.json()["message"]
    assert shown["links"]["results"] == f"/uploads/{upload.upload_id}/results.xlsx"


def test_a_csv_upload_has_no_results_workbook(api):
    api.files.put_bytes("results/j/staff-results.csv", b"Title,Result\r\n")
    upload = api.upload(UploadState.COMPLETED, results_key="results/j/staff-results.csv")

    answer = api.request("GET", f"/uploads/{upload.upload_id}/results.xlsx")
    shown = api.request("GET", f"/uploads/{upload.upload_id}").json()

    assert answer.status == 409 and "results.csv" in answer.json()["message"]
    assert shown["links"]["results"] == f"/uploads/{upload.upload_id}/results.csv"


def test_the_results_workbook_needs_a_sign_in(api):
    upload = api.upload(UploadState.COMPLETED, results_key="results/j/staff-results.xlsx")
    assert api.request("GET", f"/uploads/{upload.upload_id}/results.xlsx", as_admin=None).status == 401
