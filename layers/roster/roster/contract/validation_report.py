"""The validation report (csv-contract section 5): one CSV line per finding."""

from __future__ import annotations

import csv
import io

from roster.contract.findings import Finding
from roster.contract.spreadsheet import escape_formula

REPORT_COLUMNS = ("Line", "Column", "Value", "Severity", "Message")


def validation_report_csv(findings: list[Finding]) -> str:
    """The report as CSV text (CRLF line endings); cells a spreadsheet would run as a
    formula get a leading `'`, as in the results file."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for f in findings:
        line = "" if f.line is None else str(f.line)
        writer.writerow([escape_formula(cell) for cell in (line, f.column, f.value, f.severity.value, f.message)])
    return out.getvalue()
