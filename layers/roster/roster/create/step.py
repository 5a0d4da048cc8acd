"""The create phase: apply one batch of validated rows to the directory, each row exactly once.

Every row ends in one transaction that writes the row's outcome together with its effect
(account, address reservation, identity record) and the record of that change
(docs/approval-and-plan.md#change-records), each conditional. A retried batch, a
Lambda that died after writing, or a second upload of the same people finds the row or the
person already there and reports the same outcome: no row ever makes a second account.

New users: create/new_users.py. Leavers, joiners and updates: create/account_changes.py."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aws_lambda_powertools import Logger

from roster.accounts.addresses import address_base, name_in_address
from roster.audit.records import Provenance
from roster.create.account_changes import AccountChanges
from roster.create.batches import BatchRow, read_batch
from roster.create.new_users import NewUser, NewUsers
from roster.create.outcomes import RowRecorder
from roster.model.directory import Account, IdentityRecord, Organisation
from roster.model.person_key import identity_key
from roster.model.requests import BatchRequest
from roster.model.uploads import RESULT_COUNT, RowOutcome, utc_now
from roster.passwords.sealing import UploadCipher
from roster.ports import ChangeLog, Directory, Transactions, UploadFiles, UploadRecords

logger = Logger(child=True)


@dataclass
class CreateStep:
    """Everything one batch needs: the ports, the upload's cipher, and deployment settings."""

    upload_id: str
    directory: Directory
    uploads: UploadRecords
    files: UploadFiles
    transactions: Transactions
    cipher: UploadCipher
    password_hash_cost: int
    identity_retention_days: int
    provenance: Provenance  # the uploader, and how long the record of each change is kept
    change_log: ChangeLog  # what changed an account since its row was planned
    now: str = field(default_factory=utc_now)

    def run_batch(self, request: BatchRequest) -> dict[str, Any]:
        """Apply every row of one batch file; returns the batch's tally (plain data)."""
        rows = read_batch(self.files, request.batch_key)
        done = self.uploads.outcomes_for(self.upload_id, [r.line for r in rows])
        todo = [r for r in rows if r.line not in done]
        outcomes = {**done, **self._apply(todo)}
        tally = Counter(RESULT_COUNT[o.result] for o in outcomes.values())
        self.uploads.record_batch_progress(self.upload_id, request.batch_no, dict(tally))
        logger.info("batch done", extra={"upload_id": self.upload_id, "batch_no": request.batch_no,
                                         "rows": len(rows), "replayed_rows": len(done), "tally": dict(tally)})
        return {"batch_no": request.batch_no, "rows": len(rows), **tally}

    def _apply(self, rows: list[BatchRow]) -> dict[int, RowOutcome]:
        """Each row's outcome: changes applied in turn, new users created together at the end."""
        prefetch = Prefetch.load(self.directory, rows)
        recorder = RowRecorder(self.upload_id, self.uploads, self.transactions, self.now, self.provenance)
        new_users = NewUsers(recorder, self.directory, self.cipher, self.password_hash_cost,
                             self.identity_retention_days)
        changes = AccountChanges(recorder, self.directory, self.cipher, self.password_hash_cost,
                                 prefetch.organisations, self.change_log)
        outcomes: dict[int, RowOutcome] = {}
        waiting: list[NewUser] = []
        for row in rows:
            # One row's unexpected error is that row's Failed outcome (RowRecorder.guarded), never the batch's.
            if not row.is_new_user:
                account = prefetch.accounts.get((row.fields.email or "").lower())
                outcomes[row.line] = recorder.guarded(row.line, partial(changes.apply, row, account))
                continue
            prepared = recorder.guarded(row.line, partial(new_users.prepare, row, prefetch.organisations,
                                                          prefetch.identities))
            if isinstance(prepared, NewUser):
                waiting.append(prepared)
            else:
                outcomes[row.line] = prepared
        for new_user, outcome in new_users.create_all(waiting, prefetch.reserved):
            outcomes[new_user.row.line] = outcome
        return outcomes


@dataclass
class Prefetch:
    """Directory reads for a whole batch, done up front in batched calls."""

    organisations: dict[str, Organisation]
    accounts: dict[str, Account]
    identities: dict[str, IdentityRecord]
    reserved: set[str]  # base addresses already reserved

    @classmethod
    def load(cls, directory: Directory, rows: list[BatchRow]) -> Prefetch:
        """What the rows need: their organisations (a joiner's old one too), accounts, earlier
        identities and base addresses."""
        creates = [r for r in rows if r.is_new_user]
        accounts = directory.accounts({r.fields.email.lower() for r in rows if r.fields.email})
        organisations = directory.organisations({r.fields.ods for r in rows if r.fields.ods} |
                                                {a.ods for a in accounts.values()})
        identities = directory.identities({identity_key(r.fields) for r in creates})
        bases = {address_base(r.fields.first_name or "", r.fields.last_name or "", organisations[r.fields.ods].domain)
                 for r in creates if r.fields.ods in organisations and _names_make_an_address(r)}
        return cls(organisations, accounts, identities, directory.reserved_addresses(bases))


def _names_make_an_address(row: BatchRow) -> bool:
    """Rows whose names make no address fail on their own (NewUsers.prepare), not the whole batch here."""
    return bool(name_in_address(row.fields.first_name or "") or name_in_address(row.fields.last_name or ""))
