"""Column names of the two upload formats and of the results file
(docs/csv-format.md#current-format, #legacy-format, #results-file)."""

from __future__ import annotations

from enum import Enum


class UploadFormat(str, Enum):
    """The two upload formats (docs/csv-format.md#current-format and #legacy-format); the value is job.json's
    `format`."""
    CURRENT = "current"
    LEGACY = "legacy"


CURRENT_COLUMNS: tuple[str, ...] = (
    "Title",
    "First Name",
    "Last Name",
    "Display Name",
    "Job Title",
    "Organisation ODSCode",
    "Organisational Unit",
    "Business Phone",
    "Mobile Phone",
    "Mailbox Size",
    "Password",
    "Email Address",
    "Status",
)

LEGACY_COLUMNS: tuple[str, ...] = (
    "Surname",
    "Forename",
    "Title",
    "ODS Code",
    "Department",
    "Job Role",
    "Telephone",
    "Mobile",
    "Password",
    "Mailbox Quota (MB)",
)

RESULT_COLUMNS: tuple[str, ...] = ("Result", "Message", "Assigned Email", "Temporary Password")

# Legacy column -> the current-format field it fills (docs/csv-format.md#legacy-format).
LEGACY_TO_CURRENT: dict[str, str] = {
    "Surname": "Last Name",
    "Forename": "First Name",
    "Title": "Title",
    "ODS Code": "Organisation ODSCode",
    "Department": "Organisational Unit",
    "Job Role": "Job Title",
    "Telephone": "Business Phone",
    "Mobile": "Mobile Phone",
    "Password": "Password",
    "Mailbox Quota (MB)": "Mailbox Size",
}

MASKED_PASSWORD = "********"

# Current-format column -> the UserFields attribute it fills.
FIELD_OF_COLUMN: dict[str, str] = {
    "Title": "title",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Display Name": "display_name",
    "Job Title": "job_title",
    "Organisation ODSCode": "ods",
    "Organisational Unit": "unit",
    "Business Phone": "business_phone",
    "Mobile Phone": "mobile_phone",
    "Mailbox Size": "mailbox_gb",
    "Password": "password",
    "Email Address": "email",
    "Status": "status",
}
# The UserFields attribute -> its column's name in the current format (plan.csv's Field column, messages).
COLUMN_OF_FIELD: dict[str, str] = {name: column for column, name in FIELD_OF_COLUMN.items()}
