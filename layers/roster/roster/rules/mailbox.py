"""Mailbox sizes (docs/csv-format.md#current-format and #legacy-format): whole gigabytes, 4 GB unless the
organisation has purchased a larger mailbox (a top-up)."""

from __future__ import annotations

import re

from roster.model.directory import DEFAULT_MAILBOX_GB, Organisation
from roster.rules import InvalidCell

MB_PER_GB = 1024
_SIZE = re.compile(r"(\d{1,9})\s*(gb|mb)?", re.IGNORECASE)
_LEGACY_SIZE = re.compile(r"(\d{1,12})\s*(?:mb)?", re.IGNORECASE)


def mailbox_size_gb(value: str, column: str) -> int:
    """A current-format Mailbox Size: `4`, `4GB`, `4 GB` or `4096MB`, in whole GB (at least 1)."""
    match = _SIZE.fullmatch(value)
    if not match:
        raise InvalidCell(
            f"{column} '{value[:40]}' is not a mailbox size; write a whole number of gigabytes such as 4, "
            "4GB, 4 GB or 4096MB, or leave it blank for 4 GB."
        )
    number, unit = int(match.group(1)), (match.group(2) or "gb").lower()
    if unit == "mb":
        return _whole_gb_from_mb(number, value, column)
    return _at_least_one(number, column)


def legacy_mailbox_size_gb(value: str, column: str) -> int:
    """A legacy Mailbox Quota (MB): megabytes, a multiple of 1024, returned in GB."""
    match = _LEGACY_SIZE.fullmatch(value)
    if not match:
        raise InvalidCell(
            f"{column} '{value[:40]}' is not a number of megabytes; write a multiple of 1024 such as "
            "4096 (4 GB), or leave it blank for 4 GB."
        )
    return _whole_gb_from_mb(int(match.group(1)), value, column)


def check_purchased(size_gb: int, organisation: Organisation, column: str) -> None:
    """Refuse a mailbox above 4 GB that is also above what the organisation has purchased."""
    allowed = max(DEFAULT_MAILBOX_GB, organisation.mailbox_max_gb)
    if size_gb > allowed:
        hint = ""
        if size_gb >= MB_PER_GB and size_gb % MB_PER_GB == 0:
            hint = f" (for megabytes write {size_gb}MB)"
        raise InvalidCell(
            f"{column} {size_gb} GB is above the {allowed} GB that organisation {organisation.ods} has "
            f"purchased; give at most {allowed} GB{hint}, or ask for a mailbox top-up for the organisation."
        )


def _whole_gb_from_mb(megabytes: int, value: str, column: str) -> int:
    if megabytes % MB_PER_GB:
        raise InvalidCell(
            f"{column} '{value}' is not a whole number of gigabytes; give a multiple of 1024 MB "
            "such as 4096MB for 4 GB."
        )
    return _at_least_one(megabytes // MB_PER_GB, column)


def _at_least_one(size_gb: int, column: str) -> int:
    if size_gb < 1:
        raise InvalidCell(f"{column} must be at least 1 GB; leave it blank for {DEFAULT_MAILBOX_GB} GB.")
    return size_gb
