"""The small error hierarchy. A bad row is a result, never one of these."""

from __future__ import annotations


class RosterError(Exception):
    """Base of Roster's own exceptions."""


class TransientInfrastructureError(RosterError):
    """AWS was briefly unavailable (throttling, conflicts): the state machine retries by this name."""


class JobNotFound(RosterError):
    """No job record with this id."""


class JobStateChanged(RosterError):
    """A conditional job update found the job in another state (another attempt got there first)."""
