"""The Transactions port (roster.ports) in memory: all-or-nothing conditional writes over a
FakeDirectory and a FakeUploads, with the conditions adapters.transactions puts on each write."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from roster.model.changes import ChangeRecord
from roster.model.directory import Account, IdentityRecord
from roster.model.writes import (
    MAX_WRITES_PER_TRANSACTION,
    AccountUpdate,
    AddressReservation,
    Cancelled,
    NewAccount,
    OutcomeRecord,
    Write,
)
from tests.unit.fakes.directory import FakeDirectory
from tests.unit.fakes.uploads import FakeUploads


class FakeTransactions:
    """Transactions over a FakeDirectory and FakeUploads: every condition checked before any
    write, all or nothing. `conflict_next(n)` makes the next n commits cancel with a
    TransactionConflict, as when another transaction touched the same items."""

    def __init__(self, directory: FakeDirectory, uploads: FakeUploads) -> None:
        self.directory = directory
        self.uploads = uploads
        self.commits: list[dict[str, Write]] = []  # the ones that committed
        self.cancellations: list[Cancelled] = []
        self.pending_conflicts = 0
        self.before_commit: Callable[[Mapping[str, Write]], None] | None = None
        # The record of changes, by (account, channel, source, line); it is also the ChangeLog port.
        self.change_records: dict[tuple[str, str, str, int], ChangeRecord] = {}

    def conflict_next(self, times: int = 1) -> None:
        self.pending_conflicts += times

    def commit(self, writes: Mapping[str, Write]) -> Cancelled | None:
        assert 0 < len(writes) <= MAX_WRITES_PER_TRANSACTION, "DynamoDB refuses such a transaction"
        if self.before_commit is not None:
            self.before_commit(writes)
        if self.pending_conflicts:
            self.pending_conflicts -= 1
            return self._cancel(Cancelled(conflict=True))
        refused = frozenset(name for name, write in writes.items() if not self._condition_holds(write))
        if refused:
            return self._cancel(Cancelled(refused=refused))
        for write in writes.values():
            self._apply(write)
        self.commits.append(dict(writes))
        return None

    def _cancel(self, cancelled: Cancelled) -> Cancelled:
        self.cancellations.append(cancelled)
        return cancelled

    def _condition_holds(self, write: Write) -> bool:
        directory = self.directory
        if isinstance(write, NewAccount):
            return write.account.email not in directory.accounts_by_email
        if isinstance(write, AddressReservation):
            return write.email not in directory.reservations
        if isinstance(write, IdentityRecord):
            return write.identity not in directory.identity_records
        if isinstance(write, OutcomeRecord):
            return (write.upload_id, write.outcome.line) not in self.uploads.row_outcomes
        if isinstance(write, ChangeRecord):
            return _record_key(write) not in self.change_records
        account = directory.accounts_by_email.get(write.email)
        return account is not None and account.status is write.expected_status and account.ods == write.expected_ods

    def _apply(self, write: Write) -> None:
        directory = self.directory
        if isinstance(write, NewAccount):
            directory.accounts_by_email[write.account.email] = write.account
            directory.credentials[write.account.email] = {"password_hash": write.password_hash,
                                                          "must_change_password": write.must_change_password,
                                                          "created_by_job": write.created_by_upload}
        elif isinstance(write, AddressReservation):
            directory.reservations[write.email] = write.base
        elif isinstance(write, IdentityRecord):
            directory.identity_records[write.identity] = write
        elif isinstance(write, OutcomeRecord):
            self.uploads.row_outcomes[(write.upload_id, write.outcome.line)] = write.outcome
        elif isinstance(write, ChangeRecord):
            self.change_records[_record_key(write)] = write
        else:
            self._update(write)

    # -- the ChangeLog port
    def for_upload(self, upload_id: str, channel: str = "upload") -> Iterator[ChangeRecord]:
        found = [r for r in self.change_records.values() if (r.channel, r.source_id) == (channel, upload_id)]
        return iter(sorted(found, key=lambda r: (r.line, r.email)))

    def for_account(self, email: str) -> list[ChangeRecord]:
        found = [r for r in self.change_records.values() if r.email == email.lower()]
        return sorted(found, key=lambda r: (r.at, r.line), reverse=True)

    def _update(self, write: AccountUpdate) -> None:
        account = self.directory.accounts_by_email[write.email]
        stored = {**account.model_dump(mode="json"), **self.directory.credentials.get(write.email, {})}
        stored.update(write.sets)
        for name in write.removes:
            stored.pop(name, None)
        self.directory.accounts_by_email[write.email] = Account.model_validate(
            {k: v for k, v in stored.items() if k in Account.model_fields})
        self.directory.credentials[write.email] = {k: v for k, v in stored.items() if k not in Account.model_fields}


def _record_key(record: ChangeRecord) -> tuple[str, str, str, int]:
    return (record.email, record.channel, record.source_id, record.line)
