"""Characters nobody can see in Excel or a text editor, named in messages (docs/csv-format.md#validation-report:
a message says what is wrong), so that an administrator can find what makes a cell or a
line that looks right, or looks blank, wrong."""

from __future__ import annotations

import unicodedata

# The ones files actually carry, by name; any other format character or unusual space is
# named by its code point.
_NAMED = {
    "\ufeff": "a byte-order mark (U+FEFF)",
    "\u00a0": "a non-breaking space (U+00A0)",
    "\u200b": "a zero-width space (U+200B)",
    "\u200c": "a zero-width non-joiner (U+200C)",
    "\u200d": "a zero-width joiner (U+200D)",
    "\u2060": "a word joiner (U+2060)",
    "\u00ad": "a soft hyphen (U+00AD)",
    "\u200e": "a left-to-right mark (U+200E)",
    "\u200f": "a right-to-left mark (U+200F)",
    "\u202f": "a narrow no-break space (U+202F)",
    "\u2007": "a figure space (U+2007)",
    "\u3000": "an ideographic space (U+3000)",
}
BYTE_ORDER_MARK = "\ufeff"
JOINED_FILES_HINT = (" A byte-order mark inside a file usually means two files were joined together: it is the "
                     "start of the second one, so remove it where they meet.")


def _is_invisible(ch: str) -> bool:
    if ch in _NAMED:
        return True
    category = unicodedata.category(ch)
    return category == "Cf" or (category == "Zs" and ch != " ")


def invisible_characters(text: str) -> list[str]:
    """The invisible characters in `text`, named ("a byte-order mark (U+FEFF)"), each once, in order."""
    if text.isascii():
        return []
    names: list[str] = []
    for ch in text:
        if _is_invisible(ch):
            name = _NAMED.get(ch, f"the invisible character U+{ord(ch):04X}")
            if name not in names:
                names.append(name)
    return names


def without_invisible(text: str) -> str:
    """The text as it would be typed again: unusual spaces as spaces, other invisible characters gone."""
    if text.isascii():
        return text
    return "".join(" " if unicodedata.category(ch) == "Zs" else "" if _is_invisible(ch) else ch for ch in text)


def listed(names: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def is_blank_line(cells: list[str]) -> bool:
    """Whether a record holds nothing a person can see: no cells, or cells of spaces and invisible characters."""
    return not any(without_invisible(cell).strip() for cell in cells)
