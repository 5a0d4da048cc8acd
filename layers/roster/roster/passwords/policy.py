"""The policy for a password that the administrator supplies (docs/csv-format.md#current-format).

Messages never repeat the password: the validation report is emailed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from roster.rules import InvalidCell

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_CHARACTER_KINDS = 3
MIN_NAME_PART = 3

# Look-alike substitutions undone before the common-password check ("P@ssw0rd" -> "password").
# "1" stands for both "i" and "l", so both readings are tried.
_LOOKALIKES = {"@": "a", "4": "a", "8": "b", "3": "e", "6": "g", "9": "g", "0": "o", "$": "s", "5": "s",
               "7": "t", "+": "t", "2": "z", "!": "i", "|": "i"}
_AS_I = str.maketrans({**_LOOKALIKES, "1": "i"})
_AS_L = str.maketrans({**_LOOKALIKES, "1": "l"})
_NOT_LETTERS = re.compile(r"[^a-z]+")
_TRAILING_DECORATION = re.compile(r"[^A-Za-z]+$")
_LEADING_DIGITS = re.compile(r"^[0-9]+")
_NAME_PARTS = re.compile(r"[^\W\d_]+")


def check_password(password: str, column: str, names: Iterable[str | None] = ()) -> None:
    """Refuse a password that breaks the policy: 12-128 characters, at least three of lower
    case, upper case, digit and symbol, none of the user's names (parts of 3+ letters), not a
    well-known common password. One message lists every problem."""
    problems = password_problems(password, names)
    if problems:
        sentences = [f"{column} {problems[0]}", *(f"It {p}" for p in problems[1:])]
        raise InvalidCell(" ".join(sentences) + " Or leave it blank to have one generated.")


def password_problems(password: str, names: Iterable[str | None] = ()) -> list[str]:
    """Each way the password breaks the policy, as a sentence without its subject ("has 9 characters; ...")."""
    problems = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problems.append(
            f"has {len(password)} characters; give {MIN_LENGTH} to {MAX_LENGTH} characters."
        )
    kinds = character_kinds(password)
    if kinds < MIN_CHARACTER_KINDS:
        problems.append(
            f"uses {kinds} of the four kinds of character; use at least {MIN_CHARACTER_KINDS} of lower case "
            "letters, upper case letters, digits and symbols."
        )
    if contains_name(password, names):
        problems.append("contains the user's first or last name; choose one without their name.")
    if is_common_password(password):
        problems.append(
            "is a well-known common password, or one with digits or symbols added; choose one that is hard to guess."
        )
    return problems


def character_kinds(password: str) -> int:
    """How many of lower case, upper case, digit and symbol (anything else) the password uses."""
    lower = upper = digit = symbol = False
    for ch in password:
        if ch.islower():
            lower = True
        elif ch.isupper():
            upper = True
        elif ch.isdigit():
            digit = True
        else:
            symbol = True
    return lower + upper + digit + symbol


def contains_name(password: str, names: Iterable[str | None]) -> bool:
    """Whether the password holds any part (3+ letters) of these names, in any case."""
    folded = password.casefold()
    undone = folded.translate(_AS_I), folded.translate(_AS_L)
    for name in names:
        for part in _NAME_PARTS.findall((name or "").casefold()):
            if len(part) >= MIN_NAME_PART and (part in folded or part in undone[0] or part in undone[1]):
                return True
    return False


def is_common_password(password: str) -> bool:
    """Whether the password, or its letters with look-alikes undone and decoration dropped,
    is on the shipped common-password list."""
    common = _common_passwords()
    lowered = password.lower()
    if lowered in common:
        return True
    undecorated = _LEADING_DIGITS.sub("", _TRAILING_DECORATION.sub("", lowered))
    roots = {
        _NOT_LETTERS.sub("", lowered),
        _NOT_LETTERS.sub("", undecorated.translate(_AS_I)),
        _NOT_LETTERS.sub("", undecorated.translate(_AS_L)),
    }
    return any(root in common for root in roots if root)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files("roster").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
