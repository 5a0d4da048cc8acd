"""The validation report (docs/csv-format.md#validation-report): one CSV line per finding."""

from __future__ import annotations

import csv
import io

from roster.contract.csv_output import csv_text, without_byte_order_mark
from roster.contract.findings import Finding, Severity
from roster.contract.spreadsheet import unescape_formula

REPORT_COLUMNS = ("Line", "Column", "Value", "Severity", "Message")


def validation_report_csv(findings: list[Finding]) -> str:
    """The report as CSV text (csv_output.csv_text: byte-order mark, CRLF, and a leading `'`
    on cells a spreadsheet would run as a formula, as in the results file)."""
    return csv_text(REPORT_COLUMNS, (("" if f.line is None else f.line, f.column, f.value, f.severity.value,
                                      f.message) for f in findings))


def parse_validation_report(text: str) -> list[Finding]:
    """The findings of a report that validation_report_csv wrote."""
    reader = csv.DictReader(io.StringIO(without_byte_order_mark(text), newline=""))
    return [Finding(int(row["Line"]) if row["Line"] else None, unescape_formula(row["Column"]),
                    unescape_formula(row["Value"]), Severity(row["Severity"]), unescape_formula(row["Message"]))
            for row in reader]
