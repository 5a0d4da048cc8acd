"""Refusals the HTTP API answers with a status and a message an administrator can act on."""

from __future__ import annotations

from roster.errors import RosterError


class ApiRefusal(RosterError):
    """A request the API refuses; `status` is the HTTP status, the message is shown as it is."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ApiRefusal):
    status = 400


class NotSignedIn(ApiRefusal):
    status = 401


class Forbidden(ApiRefusal):
    status = 403


class NotFound(ApiRefusal):
    status = 404


class Conflict(ApiRefusal):
    status = 409


class TooLarge(ApiRefusal):
    status = 413
