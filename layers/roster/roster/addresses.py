"""Generated email addresses: `first.last@domain` and its numbered candidates (csv-contract 6)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from anyascii import anyascii

_OUTSIDE_ALLOWED = re.compile(r"[^a-z0-9-]")
_HYPHEN_RUN = re.compile(r"-{2,}")
_DIGITS = re.compile(r"[1-9][0-9]*")


def name_in_address(name: str) -> str:
    """One name as it appears in an address: ASCII, lower case, only a-z 0-9 and single inner
    hyphens; empty when nothing of it can be written in an address (csv-contract 6)."""
    ascii_name = anyascii(name or "").lower()
    kept = _OUTSIDE_ALLOWED.sub("", ascii_name)
    return _HYPHEN_RUN.sub("-", kept).strip("-")


def address_local_part(first_name: str, last_name: str) -> str:
    """The `first.last` local part for a person; one name alone when the other leaves nothing.

    Raises ValueError when neither name has a character that can appear in an address."""
    first, last = name_in_address(first_name), name_in_address(last_name)
    if first and last:
        return f"{first}.{last}"
    if first or last:
        return first or last
    raise ValueError("neither the first nor the last name has a letter or digit usable in an email address")


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
    """Candidate n for a base address: n == 0 is the base itself, n >= 1 is `first.last{n}@domain`."""
    if n < 0:
        raise ValueError("candidate number must be 0 or more")
    if n == 0:
        return base
    local, domain = _split(base)
    return f"{local}{n}@{domain}"


def suffix_of(address: str, base: str) -> int | None:
    """The n for which `candidate_address(base, n) == address` (case-insensitive), else None."""
    try:
        local, domain = _split(address.lower())
        base_local, base_domain = _split(base.lower())
    except ValueError:
        return None
    if domain != base_domain or not local.startswith(base_local):
        return None
    rest = local[len(base_local) :]
    if rest == "":
        return 0
    # candidate_address never writes a leading zero, so "jo.smith01" is someone else's address.
    if _DIGITS.fullmatch(rest):
        return int(rest)
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
