"""The small error hierarchy. A bad row is a result, never one of these."""

from __future__ import annotations


class RosterError(Exception):
    """Base of Roster's own exceptions."""


class TransientInfrastructureError(RosterError):
    """AWS was briefly unavailable (throttling, conflicts): the state machine retries by this name."""


class NotAwaitingApproval(RosterError):
    """The upload does not wait for approval (any more), so it cannot be approved or cancelled:
    the message says what state it is in. An API answers 409."""


class JobNotFound(RosterError):
    """No job record with this id."""
