"""A file's name as Roster shows it: in email subjects and attachment names, in the console and on
the terminal. A name holding a character none of them can show faithfully (a control or format
character, a line or paragraph separator, a lone surrogate, an unassigned code point) is refused
at `POST /uploads`, naming the character; one that reaches Roster another way (a file put in the
bucket directly) is shown with each such character replaced (docs/security.md)."""

from __future__ import annotations

import unicodedata

# Cc controls (U+0000-U+001F, U+007F-U+009F, U+0085 among them), Cf format characters (bidi
# overrides, zero-width ones), Cs lone surrogates, Co private use, Cn unassigned, Zl/Zp the line
# and paragraph separators (U+2028, U+2029): an email header refuses some, a terminal acts on others,
# and the rest make a name look like another.
UNSHOWABLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
REPLACEMENT = "\ufffd"


def _unshowable(ch: str) -> bool:
    return unicodedata.category(ch) in UNSHOWABLE_CATEGORIES


def unshowable_character(name: str) -> str | None:
    """The first character of `name` Roster cannot show, described ("U+2028 (LINE SEPARATOR) at
    position 6"), or None when every character can be shown."""
    for position, ch in enumerate(name, start=1):
        if _unshowable(ch):
            return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'an unnamed character')}) at position {position}"
    return None


def shown_file_name(name: str) -> str:
    """The name with each character Roster cannot show replaced by U+FFFD."""
    return "".join(REPLACEMENT if _unshowable(ch) else ch for ch in name)
