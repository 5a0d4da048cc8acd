"""A new user's identity: the columns of the duplicate-person check (docs/csv-format.md#checks-across-rows
and #safe-to-repeat)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from roster.model.rows import UserFields

# The fields that say who a new user is: two new-user rows alike in all of them are one person.
IDENTITY_FIELDS = ("ods", "first_name", "last_name", "job_title", "unit", "business_phone", "mobile_phone")


def identity_columns(fields: UserFields) -> tuple[str, ...]:
    """Organisation, first and last name, job title, unit and phones, case-folded (Password excluded)."""
    return identity_of_values({name: getattr(fields, name) for name in IDENTITY_FIELDS})


def identity_of_values(values: Mapping[str, object]) -> tuple[str, ...]:
    """`identity_columns` of values by field name (a row's cells before it is planned)."""
    return tuple(str(values.get(name) or "").casefold().strip() for name in IDENTITY_FIELDS)


def identity_key(fields: UserFields) -> str:
    """A stable key for `identity_columns`: two rows with the same key are the same new user."""
    joined = "\x1f".join(identity_columns(fields))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()
