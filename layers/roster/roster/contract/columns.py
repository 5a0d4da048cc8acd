"""Column names of the two upload formats and of the results file (csv-contract 2, 3, 7)."""

from __future__ import annotations

from enum import Enum


class UploadFormat(str, Enum):
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

# Legacy column -> the current-format field it fills (csv-contract section 3).
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
