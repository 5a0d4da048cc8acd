"""The console's small pure modules (CSV reading, number formatting), run in the browser that runs the page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def run_module(page: Page, module: str, expression: str, *args: Any) -> Any:
    """Evaluate `expression` (a function of the module `m` and `args`) in the page, module imported as served."""
    return page.evaluate(f"async (args) => {{ const m = await import('./{module}'); return ({expression})(m, ...args); }}",
                         list(args))


def test_reports_with_a_byte_order_mark_crlf_and_quoted_cells_are_read_cell_by_cell(page: Page) -> None:
    report = ('\ufeffLine,Column,Value,Severity,Message\r\n'
              '3,Display Name,"Smith, ""Jo""",error,"Two\r\nlines"\r\n'
              ',,,error,The file has no data rows.\r\n'
              ',,,,\r\n')

    records = run_module(page, "csv.js", "(m, text) => m.csvRecords(text)", report)

    assert records == [
        {"Line": "3", "Column": "Display Name", "Value": 'Smith, "Jo"', "Severity": "error", "Message": "Two\r\nlines"},
        {"Line": "", "Column": "", "Value": "", "Severity": "error", "Message": "The file has no data rows."},
    ]


def test_a_file_without_a_final_line_break_keeps_its_last_row(page: Page) -> None:
    rows = run_module(page, "csv.js", "(m, text) => m.parseCsv(text)", 'a,b\n1,"2"')
    assert rows == [["a", "b"], ["1", "2"]]


def test_progress_and_counts_are_formatted_for_people(page: Page) -> None:
    formatted = run_module(page, "format.js", """(m) => [
        m.formatProgress({applied: 1200, rows: 10000}),
        m.formatProgress({applied: 0, rows: 3}),
        m.formatProgress({applied: 0, rows: 0}),
        m.formatProgress(undefined),
        m.plural(1, 'warning'), m.plural(1200, 'row'),
        m.stateLabel('AWAITING_APPROVAL'), m.stateLabel('SOMETHING_NEW'),
        m.fileStem('C:\\\\Users\\\\me\\\\Starters.CSV'), m.fileStem('staff.xlsx'),
    ]""")
    assert formatted == ["1,200 / 10,000", "0 / 3", "–", "–", "1 warning", "1,200 rows", "Awaiting approval",
                         "Something new", "Starters", "staff"]
