"""The validation report (csv-contract section 5): one CSV line per finding."""

from __future__ import annotations

from roster.contract.csv_output import csv_text
from roster.contract.findings import Finding

REPORT_COLUMNS = ("Line", "Column", "Value", "Severity", "Message")


def validation_report_csv(findings: list[Finding]) -> str:
    """The report as CSV text (csv_output.csv_text: byte-order mark, CRLF, and a leading `'`
    on cells a spreadsheet would run as a formula, as in the results file)."""
    return csv_text(REPORT_COLUMNS, (("" if f.line is None else f.line, f.column, f.value, f.severity.value,
                                      f.message) for f in findings))
