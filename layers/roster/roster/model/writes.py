"""The writes of one row's transaction (ports.Transactions): each conditional as its class says."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from roster.model.changes import ChangeRecord
from roster.model.directory import Account, AccountStatus, IdentityRecord
from roster.model.uploads import RowOutcome


@dataclass(frozen=True)
class NewAccount:
    """Create an account; refused when the address has an account already."""

    account: Account
    password_hash: str
    must_change_password: bool
    created_by_upload: str
    last_change: str | None = None  # the stamp of the change that creates it (adapters.transactions.stamped)


@dataclass(frozen=True)
class AddressReservation:
    """Reserve an address for good; refused when it is reserved already."""

    email: str
    base: str  # first.last@domain: the reservations of one base are looked up together
    upload_id: str
    line: int


@dataclass(frozen=True)
class AccountUpdate:
    """Change an existing account; refused unless it still has the status and organisation
    the change was planned against."""

    email: str
    sets: Mapping[str, Any]  # stored attribute -> new value
    removes: tuple[str, ...]  # stored attributes to remove
    expected_status: AccountStatus
    expected_ods: str


@dataclass(frozen=True)
class OutcomeRecord:
    """Record a row's outcome; refused when the row has one already (the row was done)."""

    upload_id: str
    outcome: RowOutcome


@dataclass(frozen=True)
class DirectoryItem:
    """Put one item of the Directory table (a SCIM user or its userName: docs/scim.md); with
    `if_absent`, refused when its key is taken."""

    item: Mapping[str, Any]
    if_absent: bool = True


@dataclass(frozen=True)
class DirectoryItemRemoval:
    """Delete one item of the Directory table (a SCIM userName given up: docs/scim.md)."""

    key: Mapping[str, str]


# A ChangeRecord is refused when that row's record exists already (docs/approval-and-plan.md#change-records).
Write = (NewAccount | AddressReservation | IdentityRecord | AccountUpdate | OutcomeRecord | DirectoryItem
         | DirectoryItemRemoval | ChangeRecord)
# DynamoDB's limit per TransactWriteItems, and so the port's.
MAX_WRITES_PER_TRANSACTION = 100


@dataclass(frozen=True)
class Cancelled:
    """Why a transaction wrote nothing: the writes (by name) whose condition failed, and
    whether another transaction touched the same items at the same time."""

    refused: frozenset[str] = frozenset()
    conflict: bool = False
