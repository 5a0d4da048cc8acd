"""The validation report CSV (docs/csv-format.md#validation-report)."""

from __future__ import annotations

import csv
import io

from roster.contract.csv_output import without_byte_order_mark
from roster.contract.findings import error, warning
from roster.contract.validation_report import validation_report_csv


def test_header_only_when_there_are_no_findings() -> None:
    # Like every CSV Roster writes (docs/csv-format.md#results-file): a byte-order mark, then CRLF lines.
    assert validation_report_csv([]) == "\ufeffLine,Column,Value,Severity,Message\r\n"


def test_one_line_per_finding_with_blank_line_for_file_level_findings() -> None:
    text = validation_report_csv([
        error(None, "", "", "The file is empty."),
        error(3, "Mailbox Size", "8", "Mailbox Size 8 GB is above the 4 GB that organisation RX1 has purchased."),
        warning(4, "Email Address", "a@nhs.net",
                "User already exists in Leaver state and will be moved to given Organisation"),
    ])
    assert text.count("\r\n") == 4
    assert list(csv.reader(io.StringIO(without_byte_order_mark(text)))) == [
        ["Line", "Column", "Value", "Severity", "Message"],
        ["", "", "", "error", "The file is empty."],
        ["3", "Mailbox Size", "8", "error", "Mailbox Size 8 GB is above the 4 GB that organisation RX1 has purchased."],
        ["4", "Email Address", "a@nhs.net", "warning",
         "User already exists in Leaver state and will be moved to given Organisation"],
    ]


def test_values_that_a_spreadsheet_would_run_are_escaped() -> None:
    text = validation_report_csv([error(2, "Title", "=HYPERLINK(\"x\")", "Title starts with '='."),
                                  error(3, "Job Title", "-5", "bad"), error(4, "Job Title", "@x, \"y\"\nz", "bad")])
    rows = list(csv.reader(io.StringIO(without_byte_order_mark(text))))
    assert [r[2] for r in rows[1:]] == ["'=HYPERLINK(\"x\")", "'-5", "'@x, \"y\"\nz"]
