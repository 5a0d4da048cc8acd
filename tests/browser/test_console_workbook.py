"""An Excel workbook through the console on `roster local serve` (docs/csv-format.md, "Excel
workbooks"; the console's accessible names, docs/console.md): the sample workbook downloads,
the **CSV file** input takes a workbook, it validates and applies, and its results download as
a workbook. The server and helpers are test_console_local_serve.py's."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import FilePayload, Page, expect

from roster.contract.columns import CURRENT_COLUMNS
from tests.browser.test_console_local_serve import (  # noqa: F401  (fixtures, used by name)
    Shot,
    outcome,
    page,
    served,
    shot,
    signed_in,
    upload_row,
)
from tests.workbooks import one_sheet

pytestmark = pytest.mark.browser
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook() -> bytes:
    """Two new users of RX1; Excel turned the first one's mobile number into a number."""
    rows: list[list[object]] = [list(CURRENT_COLUMNS)]
    for first, mobile in (("Ottoline", 447912345601), ("Perpetua", "07912 345602")):
        values = {"Title": "Dr", "First Name": first, "Last Name": "Workbook", "Organisation ODSCode": "RX1",
                  "Mobile Phone": mobile}
        rows.append([values.get(column, "") for column in CURRENT_COLUMNS])
    return one_sheet(rows)


def test_the_sample_workbook_downloads_with_every_column_as_text(page: Page, shot: Shot) -> None:  # noqa: F811
    signed_in(page)

    with page.expect_download() as sample:
        page.get_by_role("link", name="Download sample workbook").click()

    assert sample.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(sample.value.path()).read_bytes())).worksheets[0]
    assert [c.value for c in sheet[1]] == list(CURRENT_COLUMNS)
    assert sheet.column_dimensions["A"].number_format == "@"


def test_a_workbook_validated_then_uploaded_runs_to_the_end_and_its_results_download_as_a_workbook(
        page: Page, shot: Shot) -> None:  # noqa: F811
    signed_in(page)
    file_input = page.get_by_label("CSV file")
    assert ".xlsx" in (file_input.get_attribute("accept") or "")
    file: FilePayload = {"name": "staff.xlsx", "mimeType": XLSX, "buffer": _workbook()}
    file_input.set_input_files(files=[file])
    page.get_by_role("button", name="Validate").click()

    expect(outcome(page, "staff.xlsx")).to_have_text(re.compile(r"^staff\.xlsx passed validation: 2 rows, no errors"))
    shot("validated")
    page.get_by_role("button", name="Upload", exact=True).click()
    row = upload_row(page, "staff.xlsx")
    expect(row.get_by_role("cell").nth(0)).to_have_text("Completed", timeout=90_000)
    shot("completed")

    with page.expect_download() as results:
        row.get_by_role("link", name="Download results").click()
    assert results.value.suggested_filename == "staff-results.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(Path(results.value.path()).read_bytes())).worksheets[0]
    table = [[c.value for c in r] for r in sheet.iter_rows()]
    result = table[0].index("Result")
    assert [r[result] for r in table[1:]] == ["Created", "Created"]
    assert table[1][table[0].index("Mobile Phone")] == "447912345601"
