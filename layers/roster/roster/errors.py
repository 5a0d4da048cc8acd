"""The small error hierarchy. A bad row is a result, never one of these."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError


class RosterError(Exception):
    """Base of Roster's own exceptions."""


class TransientInfrastructureError(RosterError):
    """AWS was briefly unavailable (throttling, conflicts): the state machine retries by this name."""


class NotAwaitingApproval(RosterError):
    """The upload does not wait for approval (any more), so it cannot be approved or cancelled:
    the message says what state it is in. An API answers 409."""


class UploadNotFound(RosterError):
    """No upload record with this id."""


class UploadStateChanged(RosterError):
    """A conditional upload update found the upload in another state (another attempt got there first)."""


def is_infrastructure_error(exc: BaseException) -> bool:
    """Whether an error is AWS's or the network's, not a row's: raised, so that the state
    machine retries the step (or, past its retries, the upload fails and says so)."""
    return isinstance(exc, (TransientInfrastructureError, ClientError, BotoCoreError))
