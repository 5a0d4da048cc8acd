"""A new user's identity: the columns of the duplicate-person check (csv-contract 4 and 8)."""

from __future__ import annotations

import hashlib

from roster.model.rows import UserFields


def identity_columns(fields: UserFields) -> tuple[str, ...]:
    """Organisation, first and last name, job title, unit and phones, case-folded (Password excluded)."""
    parts = (
        fields.ods,
        fields.first_name,
        fields.last_name,
        fields.job_title,
        fields.unit,
        fields.business_phone,
        fields.mobile_phone,
    )
    return tuple((p or "").casefold().strip() for p in parts)


def identity_key(fields: UserFields) -> str:
    """A stable key for `identity_columns`: two rows with the same key are the same new user."""
    joined = "\x1f".join(identity_columns(fields))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()
