"""The `roster` command with workbooks against `roster local serve` (docs/csv-format.md, "Excel
workbooks"): `roster sample --xlsx`, a workbook uploaded, and `roster results` fetching the
results workbook. The server fixture is test_local_serve.py's."""

from __future__ import annotations

import base64
import io
import json

import openpyxl
import pytest

from roster.contract.columns import CURRENT_COLUMNS, LEGACY_COLUMNS
from tests.e2e.test_local_serve import _upload, served  # noqa: F401  (the fixture, used by name)
from tests.workbooks import one_sheet

pytestmark = pytest.mark.e2e


def test_the_sample_workbook_in_both_formats(served, tmp_path):  # noqa: F811
    current = served.roster("sample", "--xlsx", "-o", str(tmp_path / "sample.xlsx"))
    legacy = served.roster("sample", "--xlsx", "--legacy", "--json")

    assert current.returncode == 0, current.stderr
    sheet = openpyxl.load_workbook(tmp_path / "sample.xlsx").worksheets[0]
    assert [c.value for c in sheet[1]] == list(CURRENT_COLUMNS)
    document = json.loads(legacy.stdout)
    assert document["file_name"] == "roster-legacy-sample.xlsx"
    legacy_sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(document["xlsx_base64"]))).worksheets[0]
    assert [c.value for c in legacy_sheet[1]] == list(LEGACY_COLUMNS)


def test_a_workbook_uploaded_and_its_results_fetched_as_a_workbook(served, tmp_path):  # noqa: F811
    rows: list[list[object]] = [list(CURRENT_COLUMNS)]
    values = {"Title": "Mx", "First Name": "Quillon", "Last Name": "Sheetwright", "Organisation ODSCode": "RX1",
              "Mobile Phone": 447912345777}
    rows.append([values.get(column, "") for column in CURRENT_COLUMNS])
    workbook = tmp_path / "starters.xlsx"
    workbook.write_bytes(one_sheet(rows))

    code, upload = _upload(served, workbook)

    assert (code, upload["state"], upload["counts"]["created"]) == (0, "COMPLETED", 1)
    fetched = served.roster("results", upload["upload_id"], "-o", str(tmp_path / "results.xlsx"))
    assert fetched.returncode == 0, fetched.stderr
    table = [[c.value for c in r] for r in openpyxl.load_workbook(tmp_path / "results.xlsx").worksheets[0].iter_rows()]
    assert table[1][table[0].index("Result")] == "Created"
    assert table[1][table[0].index("Mobile Phone")] == "447912345777"
