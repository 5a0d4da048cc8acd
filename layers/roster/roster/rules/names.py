"""First and last names (docs/csv-format.md#current-format)."""

from __future__ import annotations

import re
import unicodedata

from roster.rules import InvalidCell

MAX_NAME_LENGTH = 64
_ASCII_NAME = re.compile(r"[A-Za-z .'\u2019-]+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_PUNCTUATION = frozenset(" .'\u2019-")


def person_name(value: str, column: str) -> str:
    """A first or last name: 1-64 characters of letters (any script), spaces, hyphens,
    apostrophes (' or ’) and dots, with at least one letter. Returned in NFC with single spaces."""
    name = " ".join(value.split())
    if not name.isascii():
        name = unicodedata.normalize("NFC", name)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidCell(f"{column} is {len(name)} characters long; a name may have at most {MAX_NAME_LENGTH}.")
    if _ASCII_NAME.fullmatch(name):
        if not _ASCII_LETTER.search(name):
            raise _no_letter(column, name)
        return name
    has_letter = False
    for ch in name:
        if ch.isalpha():
            has_letter = True
        elif ch not in _PUNCTUATION and not unicodedata.category(ch).startswith("M"):
            # Combining marks (category M) are accents written as separate characters.
            raise InvalidCell(
                f"{column} '{name}' contains {_describe(ch)}, which a name may not contain; "
                "use letters, spaces, hyphens (-), apostrophes (') and dots (.) only."
            )
    if not has_letter:
        raise _no_letter(column, name)
    return name


def _no_letter(column: str, name: str) -> InvalidCell:
    return InvalidCell(f"{column} '{name}' has no letters; a name needs at least one letter.")


def _describe(ch: str) -> str:
    if ch.isdigit():
        return f"the digit '{ch}'"
    if ch.isprintable() and not ch.isspace():
        return f"'{ch}'"
    return f"the character U+{ord(ch):04X}"
