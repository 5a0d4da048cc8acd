"""The sample files (`GET /sample.csv`, `GET /sample.xlsx`): each format's header row and one
example row; the workbook's columns are formatted as Text (docs/csv-format.md)."""

from __future__ import annotations

from roster.api.csv_text import csv_text
from roster.contract.columns import CURRENT_COLUMNS, LEGACY_COLUMNS, UploadFormat
from roster.contract.sample_row import EXAMPLE_JOB_TITLE
from roster.contract.workbook_writer import workbook_bytes

# An example a file can start from: a new user (Email Address and Status blank), in each format.
# Its Job Title marks it as the example, which validation refuses (roster.contract.sample_row).
_EXAMPLES = {
    UploadFormat.CURRENT: ("Dr", "Jane", "Doe", "", EXAMPLE_JOB_TITLE, "RX1", "Cardiology", "020 7946 0123",
                           "07912 345123", "4GB", "", "", ""),
    UploadFormat.LEGACY: ("Doe", "Jane", "Dr", "RX1", "Cardiology", EXAMPLE_JOB_TITLE, "020 7946 0123",
                          "07912 345123", "", "4096"),
}


def sample_csv(upload_format: UploadFormat) -> str:
    """The format's sample file: header and one example row."""
    columns = CURRENT_COLUMNS if upload_format is UploadFormat.CURRENT else LEGACY_COLUMNS
    return csv_text([columns, _EXAMPLES[upload_format]])


def sample_file_name(upload_format: UploadFormat) -> str:
    return "roster-sample.csv" if upload_format is UploadFormat.CURRENT else "roster-legacy-sample.csv"


def sample_workbook(upload_format: UploadFormat) -> bytes:
    """The format's sample workbook: header and one example row, every column Text."""
    columns = CURRENT_COLUMNS if upload_format is UploadFormat.CURRENT else LEGACY_COLUMNS
    return workbook_bytes(columns, [_EXAMPLES[upload_format]], sheet_name="Users", column_count=len(columns))


def sample_workbook_name(upload_format: UploadFormat) -> str:
    return sample_file_name(upload_format).removesuffix(".csv") + ".xlsx"
