"""Generated email addresses: `first.last@domain` and its numbered candidates (docs/csv-format.md#generated-values)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from anyascii import anyascii

_OUTSIDE_ALLOWED = re.compile(r"[^a-z0-9-]")
_HYPHEN_RUN = re.compile(r"-{2,}")
# The part before @ of any address (RFC 5321), numbered candidates included (docs/csv-format.md#generated-values).
MAX_LOCAL_PART = 64


def name_in_address(name: str) -> str:
    """One name as it appears in an address: ASCII, lower case, only a-z 0-9 and single inner
    hyphens; empty when nothing of it can be written in an address (docs/csv-format.md#generated-values)."""
    ascii_name = anyascii(name or "").lower()
    kept = _OUTSIDE_ALLOWED.sub("", ascii_name)
    return _HYPHEN_RUN.sub("-", kept).strip("-")


def address_local_part(first_name: str, last_name: str) -> str:
    """The `first.last` local part for a person, at most 64 characters; one name alone when the
    other leaves nothing.

    Raises ValueError when neither name has a character that can appear in an address."""
    first, last = name_in_address(first_name), name_in_address(last_name)
    if first and last:
        return _shortened(f"{first}.{last}", MAX_LOCAL_PART)
    if first or last:
        return _shortened(first or last, MAX_LOCAL_PART)
    raise ValueError("neither the first nor the last name has a letter or digit usable in an email address")


def _shortened(local: str, limit: int) -> str:
    """A local part cut to at most `limit` characters at a hyphen or after a letter: never
    ending in the dot between the names, nor in a hyphen."""
    return local if len(local) <= limit else local[:limit].rstrip(".-")


def address_base(first_name: str, last_name: str, domain: str) -> str:
    """The unnumbered address `first.last@domain` (domain lower-cased)."""
    clean_domain = domain.strip().lstrip("@").lower()
    if not clean_domain:
        raise ValueError("the organisation has no mail domain")
    return f"{address_local_part(first_name, last_name)}@{clean_domain}"


def _split(address: str) -> tuple[str, str]:
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"not an email address: {address!r}")
    return local, domain


def candidate_address(base: str, n: int) -> str:
    """Candidate n for a base address: n == 0 is the base itself, n >= 1 is `first.last{n}@domain`,
    the name cut shorter first when the number would take the part before @ past 64 characters."""
    if n < 0:
        raise ValueError("candidate number must be 0 or more")
    if n == 0:
        return base
    local, domain = _split(base)
    return f"{_numbered(local, n)}@{domain}"


def _numbered(local: str, n: int) -> str:
    number = str(n)
    return _shortened(local, MAX_LOCAL_PART - len(number)) + number


def suffix_of(address: str, base: str) -> int | None:
    """The n for which `candidate_address(base, n) == address` (case-insensitive), else None."""
    try:
        local, domain = _split(address.lower())
        base_local, base_domain = _split(base.lower())
    except ValueError:
        return None
    if domain != base_domain:
        return None
    if local == base_local:
        return 0
    digits = len(local) - len(local.rstrip("0123456789"))
    for width in range(1, digits + 1):
        number = local[-width:]
        # candidate_address never writes a leading zero, so "jo.smith01" is someone else's address.
        if number[0] != "0" and _numbered(base_local, int(number)) == local:
            return int(number)
    return None


def first_free_suffix(taken: Iterable[int]) -> int:
    """The smallest candidate number n >= 0 that is not in `taken`."""
    used = {n for n in taken if n is not None and n >= 0}
    n = 0
    while n in used:
        n += 1
    return n


def address_base_of(email: str) -> str:
    """first.last7@domain -> first.last@domain (the base an existing address blocks)."""
    local, _, domain = email.lower().partition("@")
    stripped = local.rstrip("0123456789")
    return f"{stripped or local}@{domain}"
