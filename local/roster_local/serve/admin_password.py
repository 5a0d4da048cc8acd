"""The one password `roster local serve` gives every administrator when none is given: easy to
copy and to paste into a shell (letters and digits in groups joined by hyphens: no `$`, `!`,
`&`, quotes or anything else a shell reads specially), and within the user pool's policy
(14+ characters, lower and upper case, a digit, a symbol: the hyphen). 4 groups of 5 from 55
characters: over 115 bits (docs/local-run.md)."""

from __future__ import annotations

import secrets

from roster.passwords.generated import DIGITS, LOWER, UPPER

GROUPS, GROUP_LENGTH = 4, 5
_ALPHABET = LOWER + UPPER + DIGITS


def local_admin_password() -> str:
    """A password like `Fq7kd-Mx2Ra-...`: every class present, no character a shell treats specially."""
    while True:
        characters = "".join(secrets.choice(_ALPHABET) for _ in range(GROUPS * GROUP_LENGTH))
        if all(set(characters) & set(kind) for kind in (LOWER, UPPER, DIGITS)):
            return "-".join(characters[i:i + GROUP_LENGTH] for i in range(0, len(characters), GROUP_LENGTH))
