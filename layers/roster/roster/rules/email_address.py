"""The Email Address column: the address of an existing account (docs/csv-format.md#what-a-row-does)."""

from __future__ import annotations

import re

from roster.rules import InvalidCell

_ADDRESS = re.compile(r"[^@\s,;<>()\[\]\"]+@[^@\s,;<>()\[\]\"]+\.[^@\s,;<>()\[\]\".]+")


def account_address(value: str, column: str) -> str:
    """An email address, lower-cased (whether the account exists is a directory rule)."""
    # isprintable: no invisible character (a zero-width or non-breaking space) inside the address.
    if len(value) > 254 or not value.isprintable() or not _ADDRESS.fullmatch(value):
        raise InvalidCell(
            f"{column} '{value[:80]}' is not an email address; give the address of an existing account "
            "(such as jane.smith@nhs.net), or leave it blank to create a new user."
        )
    return value.lower()
