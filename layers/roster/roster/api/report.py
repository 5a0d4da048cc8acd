"""The organisation report (api.md `GET /report.csv`): every account of one organisation in
the current upload format with Email Address filled in, so that an administrator can edit
it (Status `leaver`, or any cell) and upload it back. Unedited, every row is Unchanged."""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers
from phonenumbers import PhoneNumberFormat

from roster.api.csv_text import csv_text
from roster.contract.columns import CURRENT_COLUMNS
from roster.contract.spreadsheet import escape_formula
from roster.model.directory import Account, AccountStatus


def organisation_report_csv(accounts: Iterable[Account]) -> str:
    """The accounts, sorted by address, one upload row each (Password blank)."""
    rows = [CURRENT_COLUMNS]
    for account in sorted(accounts, key=lambda a: a.email):
        rows.append(tuple(escape_formula(cell) for cell in _row(account)))
    return csv_text(rows)


def report_file_name(ods: str) -> str:
    return f"{ods.upper()}-accounts.csv"


def _row(account: Account) -> tuple[str, ...]:
    return (
        account.title or "",
        account.first_name,
        account.last_name,
        account.display_name or "",
        account.job_title or "",
        account.ods,
        account.unit or "",
        _national(account.business_phone),
        _national(account.mobile_phone),
        f"{account.mailbox_gb}GB",
        "",  # Password: never shown; blank leaves it as it is
        account.email,
        "leaver" if account.status is AccountStatus.LEAVER else "",
    )


def _national(e164: str | None) -> str:
    """A stored E.164 number as a UK administrator writes it (0113 496 0001): it reads back the same,
    and no spreadsheet takes its + for a formula."""
    if not e164:
        return ""
    try:
        return str(phonenumbers.format_number(phonenumbers.parse(e164, "GB"), PhoneNumberFormat.NATIONAL))
    except phonenumbers.NumberParseException:
        return e164
