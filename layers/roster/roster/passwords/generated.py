"""Generated temporary passwords and their salted scrypt hashes (docs/csv-format.md#generated-values).

The policy for passwords an administrator supplies lives in roster.passwords.policy; a
generated password meets it too, so the length limits are that policy's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

from roster.passwords.policy import MAX_LENGTH, MIN_LENGTH

# 0 O 1 l I are left out because people copy these passwords by eye from the results file.
LOWER = "".join(c for c in string.ascii_lowercase if c != "l")
UPPER = "".join(c for c in string.ascii_uppercase if c not in "OI")
DIGITS = "23456789"
# No = + - @ (a leading one makes a spreadsheet formula, and results cells must never need the
# escaping quote, which would corrupt the password), no comma, quotes, backslash, space or
# semicolon (CSV and copy/paste), no < > (HTML mail clients), and none of ~ ^ _ % $ # either: the
# password is often read out to clinical staff, and these are hard to say and to tell apart. With
# 59 characters a 16-character password still holds 94 bits, far above the policy's
# (docs/csv-format.md#generated-passwords).
SYMBOLS = "!&*?"
CHARACTER_CLASSES: tuple[str, ...] = (LOWER, UPPER, DIGITS, SYMBOLS)
ALPHABET = "".join(CHARACTER_CLASSES)

GENERATED_LENGTH = 16

_SCHEME = "scrypt"
_BLOCK_SIZE = 8
_PARALLELISM = 1
_SALT_BYTES = 16
_HASH_BYTES = 32
MIN_COST_LOG2 = 10
MAX_COST_LOG2 = 20

_random = secrets.SystemRandom()


def generate_password(length: int = GENERATED_LENGTH) -> str:
    """A random password from a cryptographic source with all four character classes and no ambiguous characters."""
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"password length must be {MIN_LENGTH} to {MAX_LENGTH}")
    chosen = [secrets.choice(cls) for cls in CHARACTER_CLASSES]
    chosen += [secrets.choice(ALPHABET) for _ in range(length - len(chosen))]
    _random.shuffle(chosen)
    return "".join(chosen)


def _scrypt(password: str, salt: bytes, cost_log2: int) -> bytes:
    n = 2**cost_log2
    # OpenSSL needs 128*r*(n + 2) bytes for V plus 128*r*p for B; allow that and a little more.
    maxmem = 128 * _BLOCK_SIZE * (n + 2 + _PARALLELISM) + 1024 * 1024
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=_BLOCK_SIZE,
        p=_PARALLELISM,
        maxmem=maxmem,
        dklen=_HASH_BYTES,
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, cost_log2: int) -> str:
    """Salted scrypt hash encoded as `scrypt$<cost_log2>$8$1$<salt b64>$<hash b64>`."""
    if not MIN_COST_LOG2 <= cost_log2 <= MAX_COST_LOG2:
        raise ValueError(f"scrypt cost must be {MIN_COST_LOG2} to {MAX_COST_LOG2} (log2 of n)")
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(password, salt, cost_log2)
    return f"{_SCHEME}${cost_log2}${_BLOCK_SIZE}${_PARALLELISM}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` matches a hash from hash_password; ValueError when `encoded` is not one."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != _SCHEME:
        raise ValueError("not a Roster scrypt password hash")
    try:
        cost_log2, block_size, parallelism = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except ValueError as exc:
        raise ValueError("not a Roster scrypt password hash") from exc
    # Only the parameters hash_password writes: a stored hash must not be able to ask for 100 GB.
    if (block_size, parallelism) != (_BLOCK_SIZE, _PARALLELISM) or not MIN_COST_LOG2 <= cost_log2 <= MAX_COST_LOG2:
        raise ValueError("unsupported scrypt parameters in password hash")
    if len(expected) != _HASH_BYTES:
        raise ValueError("password hash has the wrong length")
    return hmac.compare_digest(_scrypt(password, salt, cost_log2), expected)
