"""The Title column (docs/csv-format.md#current-format)."""

from __future__ import annotations

from roster.rules import InvalidCell

TITLES: tuple[str, ...] = ("Mr", "Mrs", "Miss", "Ms", "Mx", "Dr", "Prof", "Rev")
_BY_KEY = {t.casefold(): t for t in TITLES}


def title(value: str, column: str) -> str:
    """A title from TITLES, any case, with an optional trailing dot; returned as spelled in TITLES."""
    key = value[:-1] if value.endswith(".") else value
    found = _BY_KEY.get(key.strip().casefold())
    if found is None:
        raise InvalidCell(
            f"{column} '{value}' is not one of the allowed titles: {', '.join(TITLES)} "
            "(a trailing dot is fine); leave it blank for no title."
        )
    return found
