"""SCIM bearer tokens (docs/scim.md#tokens): issued by an administrator for one organisation,
shown once, stored only as a SHA-256 digest, revocable. A token is 256 random bits, so one
unsalted SHA-256 is enough (nothing to guess from a dictionary); the digest is the item's key,
and the stored digest is compared again in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

TOKEN_PREFIX = "roster_scim_"
MAX_NAME = 64


@dataclass(frozen=True)
class ScimToken:
    """A token as stored: never the token itself. `name` is the actor of what it changes."""

    token_id: str
    ods: str
    name: str
    issued_by: str
    issued_at: str
    digest: str
    revoked_at: str | None = None
    revoked_by: str | None = None

    def listing(self) -> dict[str, str | None]:
        """What `roster scim tokens` shows (never the digest)."""
        return {"token_id": self.token_id, "ods": self.ods, "name": self.name, "issued_by": self.issued_by,
                "issued_at": self.issued_at, "revoked_at": self.revoked_at, "revoked_by": self.revoked_by}


def new_secret() -> str:
    """A fresh token: the prefix (so a leaked one is recognisable) and 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_token_id() -> str:
    """A token's public id (what `roster scim revoke` takes)."""
    return secrets.token_hex(8)


def digest_of(secret: str) -> str:
    """What is stored of a token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_digest(stored: str, secret: str) -> bool:
    """Whether `secret` is the token stored as `stored` (constant time)."""
    return hmac.compare_digest(stored.encode("ascii"), digest_of(secret).encode("ascii"))


def bearer_secret(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer ...` header, or None."""
    value = (authorization or "").strip()
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip().startswith(TOKEN_PREFIX):
        return None
    return token.strip()


def checked_name(name: str | None, ods: str) -> str:
    """A token's name: what records show as the actor. Default `scim:<ODS>`."""
    chosen = (name or "").strip() or f"scim:{ods}"
    if len(chosen) > MAX_NAME or not chosen.isprintable():
        raise ValueError(f"A token's name is at most {MAX_NAME} printable characters; give a shorter --name.")
    return chosen
