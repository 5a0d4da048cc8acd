"""Who is calling and what they may see (docs/api.md#sign-in).

The caller is the administrator whose Cognito user the verified ID token names by its `sub`
(immutable, bound by `roster directory load` when it created the user), never the `email` the
token carries (a user could once change it) nor anything in the request body; what they may see
follows from the organisations the directory says they administer (docs/security.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from roster.api.errors import Forbidden, NotSignedIn
from roster.model.uploads import Upload

SIGN_IN_AGAIN = "Sign in again (roster login) and retry."
NO_ORGANISATION = ("You do not administer any organisation, so Roster has nothing to show you. Ask an administrator "
                   "of your organisation to give you administrator rights.")
NOT_YOURS = "This upload belongs to organisations you do not administer."
NOT_THE_UPLOADER = ("Only the administrator who uploaded this file can do this: its results hold the new users' "
                    "temporary passwords.")


@dataclass(frozen=True)
class SignedIn:
    """What a verified ID token says: the Cognito user (`sub`) and the address it carries."""

    sub: str
    email: str


def signed_in_user(claims: dict[str, Any]) -> SignedIn:
    """The Cognito user of the authorizer's claims: an ID token with a `sub` and a verified email."""
    if not claims:
        raise NotSignedIn(f"You are not signed in. {SIGN_IN_AGAIN}")
    if claims.get("token_use") != "id":
        raise NotSignedIn(f"Send the ID token of your sign-in, not the {claims.get('token_use')} token. "
                          f"{SIGN_IN_AGAIN}")
    sub = str(claims.get("sub") or "").strip()
    if not sub:
        raise NotSignedIn(f"Your sign-in names no user. {SIGN_IN_AGAIN}")
    email = str(claims.get("email") or "").strip().lower()
    if "@" not in email:
        raise NotSignedIn(f"Your sign-in carries no email address. {SIGN_IN_AGAIN}")
    # The authorizer passes every claim as a string ("true"); a token issued in-process may carry a bool.
    if str(claims.get("email_verified", "")).lower() != "true":
        raise NotSignedIn("Your sign-in's email address is not verified: ask your AWS engineer to load you "
                          "again with roster directory load.")
    return SignedIn(sub, email)


@dataclass(frozen=True)
class Caller:
    """A signed-in administrator and the organisations they administer (ODS codes, upper case)."""

    email: str
    administered: frozenset[str]

    def require_an_organisation(self) -> None:
        """An administrator of no organisation may only read /config and the sample file."""
        if not self.administered:
            raise Forbidden(NO_ORGANISATION)

    def may_see(self, upload: Upload) -> bool:
        """Their own uploads, uploads whose every organisation they administer, and uploads waiting
        for the approval of an organisation they administer now."""
        if not self.administered:
            return False
        if upload.uploader.lower() == self.email or (bool(upload.orgs) and set(upload.orgs) <= self.administered):
            return True
        # An administrator of an organisation an upload waits for (docs/csv-format.md) sees it, and its plan,
        # as long as the directory says so: one removed since it started waiting no longer does.
        return bool(set(upload.approval_administrators) & self.administered)

    def require_to_see(self, upload: Upload) -> None:
        self.require_an_organisation()
        if not self.may_see(upload):
            raise Forbidden(NOT_YOURS)

    def require_uploader(self, upload: Upload) -> None:
        """Results (temporary passwords) and applying are the uploader's alone."""
        self.require_to_see(upload)
        if upload.uploader.lower() != self.email:
            raise Forbidden(NOT_THE_UPLOADER)

    def require_administers(self, ods: str) -> None:
        self.require_an_organisation()
        if ods.upper() not in self.administered:
            raise Forbidden(f"You do not administer organisation {ods.upper()}.")
