"""Free-text columns that only have a length limit (docs/csv-format.md#current-format)."""

from __future__ import annotations

from roster.rules import InvalidCell

MAX_DISPLAY_NAME = 256
MAX_JOB_TITLE = 128
MAX_UNIT_NAME = 256


def display_name(value: str, column: str) -> str:
    """A display name of at most 256 characters."""
    return _at_most(value, column, MAX_DISPLAY_NAME)


def job_title(value: str, column: str) -> str:
    """A job title of at most 128 characters."""
    return _at_most(value, column, MAX_JOB_TITLE)


def unit_name(value: str, column: str) -> str:
    """An organisational unit's name as written (whether the unit exists is a directory rule)."""
    return _at_most(value, column, MAX_UNIT_NAME)


def _at_most(value: str, column: str, limit: int) -> str:
    if len(value) > limit:
        raise InvalidCell(f"{column} is {len(value)} characters long; at most {limit} are allowed.")
    return value
