"""The organisation report (`GET /report.csv`, docs/api.md#routes): every account of one organisation in
the current upload format with Email Address filled in, so that an administrator can edit
it (Status `leaver`, or any cell) and upload it back. Unedited, every row is Unchanged.

A display name that is the default (`LAST, First (Organisation)`) is left blank, so that it stays
the default when the names or the organisation change on the way back
(roster.accounts.change_plan.default_display_name_follows)."""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers
from phonenumbers import PhoneNumberFormat

from roster.accounts.change_plan import default_display_name
from roster.api.csv_text import csv_text
from roster.contract.columns import CURRENT_COLUMNS
from roster.contract.spreadsheet import escape_formula
from roster.model.directory import Account, AccountStatus, Organisation


def organisation_report_csv(accounts: Iterable[Account], organisation: Organisation | None = None) -> str:
    """The accounts, sorted by address, one upload row each (Password blank; a default display name blank)."""
    rows = [CURRENT_COLUMNS]
    for account in sorted(accounts, key=lambda a: a.email):
        rows.append(tuple(escape_formula(cell) for cell in _row(account, organisation)))
    return csv_text(rows)


def report_file_name(ods: str) -> str:
    return f"{ods.upper()}-accounts.csv"


def _row(account: Account, organisation: Organisation | None) -> tuple[str, ...]:
    default = organisation is not None and account.display_name == default_display_name(
        account.first_name, account.last_name, organisation)
    return (
        account.title or "",
        account.first_name,
        account.last_name,
        "" if default else account.display_name or "",
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
