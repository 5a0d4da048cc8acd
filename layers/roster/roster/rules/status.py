"""The Status column (docs/csv-format.md#current-format and #what-a-row-does)."""

from __future__ import annotations

from roster.rules import InvalidCell

LEAVER = "leaver"


def upload_status(value: str, column: str) -> str:
    """`leaver` in any case (a blank Status is never passed to a rule)."""
    if value.casefold() != LEAVER:
        raise InvalidCell(
            f"{column} '{value}' is not allowed; write leaver to mark the account as a leaver, "
            "or leave it blank."
        )
    return LEAVER
