"""SCIM tokens: who may issue, list and revoke them (an administrator of the organisation), and
which token a SCIM request carries (docs/scim.md#tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from roster.model.uploads import utc_now
from roster.ports import Directory, ScimLinks, ScimTokens
from roster.scim.apply import RowApplier
from roster.scim.errors import ScimError
from roster.scim.http import UNAUTHORISED
from roster.scim.leaver_guard import LeaverGuard
from roster.scim.service import ScimUsers
from roster.scim.tokens import ScimToken, bearer_secret, checked_name, digest_of, new_secret, new_token_id, same_digest


class TokenRefused(Exception):
    """An administrator may not do this with a token; `status` and the message say why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class ScimDesk:
    """Issues, lists and revokes tokens; authenticates SCIM requests."""

    tokens: ScimTokens
    links: ScimLinks
    directory: Directory
    applier: RowApplier
    guard: LeaverGuard

    def users_for(self, authorization: str | None, base_url: str) -> ScimUsers:
        """The Users endpoint of the request's token: 401 unless it is live and its issuer still
        administers its organisation (an administrator removed takes their tokens' rights with them)."""
        secret = bearer_secret(authorization)
        token = self.tokens.token_by_digest(digest_of(secret)) if secret else None
        if token is None or secret is None or not same_digest(token.digest, secret):
            raise ScimError(401, UNAUTHORISED)
        administered = self.directory.administered(token.issued_by)
        if token.ods not in administered:
            raise ScimError(401, f"This token's issuer, {token.issued_by}, no longer administers {token.ods}; ask "
                                 "an administrator of the organisation for a new token.")
        return ScimUsers(token, self.directory, self.links, self.applier, self.guard.check, base_url, administered)

    def issue(self, administrators_of: frozenset[str], email: str, ods: str, name: str | None) -> dict[str, Any]:
        """A new token for `ods`, by one of its administrators; the token is in this answer only."""
        code = _administered(administrators_of, ods)
        try:
            chosen = checked_name(name, code)
        except ValueError as exc:
            raise TokenRefused(400, str(exc)) from None
        secret = new_secret()
        token = ScimToken(token_id=new_token_id(), ods=code, name=chosen, issued_by=email.lower(),
                          issued_at=utc_now(), digest=digest_of(secret))
        self.tokens.add_token(token)
        return {**token.listing(), "token": secret}

    def list(self, administrators_of: frozenset[str], ods: str) -> dict[str, Any]:
        """The organisation's tokens (never a token itself)."""
        code = _administered(administrators_of, ods)
        return {"ods": code, "tokens": [token.listing() for token in self.tokens.tokens(code)]}

    def revoke(self, administrators_of: frozenset[str], email: str, token_id: str) -> dict[str, Any]:
        """Revoke a token of an organisation the caller administers; revoking twice answers the same."""
        token = self.tokens.token_by_id(token_id.strip())
        if token is None or token.ods not in administrators_of:
            raise TokenRefused(404, f"There is no SCIM token {token_id} of an organisation you administer.")
        if token.revoked_at is None:
            self.tokens.revoke(token, email.lower(), utc_now())
            token = self.tokens.token_by_id(token.token_id) or token
        return token.listing()


def _administered(administrators_of: frozenset[str], ods: str | None) -> str:
    code = (ods or "").strip().upper()
    if not code.isalnum() or not 3 <= len(code) <= 10:
        raise TokenRefused(400, "Give the organisation's ODS code (3 to 10 letters or digits).")
    if code not in administrators_of:
        raise TokenRefused(403, f"You do not administer {code}, so you cannot manage its SCIM tokens.")
    return code
