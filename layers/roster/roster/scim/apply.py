"""A SCIM write applied as a file row is (docs/scim.md#what-roster-does): the row validated and
planned by roster.validate, then applied by the create phase's own NewUsers and AccountChanges,
in their transactions. The SCIM user's own items (its link and userName claim) ride in the same
transaction as the account's change and the row's outcome, so they are written together or not
at all (roster.scim.apply.ScimRecorder)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from roster.audit.records import Provenance
from roster.create.account_changes import AccountChanges
from roster.create.batches import BatchRow
from roster.create.new_users import NewUser, NewUsers
from roster.create.outcomes import RowRecorder
from roster.model.directory import Account
from roster.model.person_key import identity_key
from roster.model.rows import PlannedRow, RowAction, RowResult
from roster.model.uploads import RowOutcome, utc_now
from roster.model.writes import Cancelled, OutcomeRecord, Write
from roster.passwords.sealing import UploadCipher
from roster.ports import Directory, Transactions, UploadRecords
from roster.scim.errors import ScimError

# The row's own writes decide the SCIM items: given the outcome about to be recorded, what else to write.
ExtraWrites = Callable[[RowOutcome], Mapping[str, Write]]
_CLAIM = "scim_name"


class UserNameTaken(Exception):
    """The transaction was refused because another user holds the userName."""


@dataclass
class ScimRecorder(RowRecorder):
    """The create phase's RowRecorder, adding the SCIM user's items to every row transaction
    whose outcome is not Failed. `channel` and `actor` say who made the change, for the records
    of changes written in these same transactions (docs/scim.md#tokens: the token's name)."""

    extra: ExtraWrites = field(default=lambda outcome: {})
    channel: str = "scim"
    actor: str = ""

    def commit(self, writes: Mapping[str, Write]) -> Cancelled | None:
        recorded = writes.get("outcome")
        outcome = recorded.outcome if isinstance(recorded, OutcomeRecord) else None
        extra = self.extra(outcome) if outcome is not None and outcome.result is not RowResult.FAILED else {}
        cancelled = self.transactions.commit({**writes, **extra})
        if cancelled is not None and _CLAIM in cancelled.refused:
            raise UserNameTaken
        return cancelled


@dataclass
class RowApplier:
    """Applies one planned row for SCIM: its outcome, with the account's address."""

    directory: Directory
    uploads: UploadRecords
    transactions: Transactions
    password_hash_cost: int
    identity_retention_days: int
    audit_retention_days: int = 400  # how long each change's record is kept (AuditRetentionDays)

    def apply(self, row: PlannedRow, extra: ExtraWrites, account: Account | None = None, actor: str = "") -> RowOutcome:
        """Apply the row once to `account` as read (read again should it have changed); a row whose
        userName is taken meanwhile raises ScimError 409."""
        # Every SCIM write is its own one-row change, under an id of its own (outcome line 1).
        change_id = f"scim-{uuid.uuid4().hex}"
        # The change's record says the channel is SCIM and the actor the token's name (docs/scim.md#tokens).
        provenance = Provenance(source_id=change_id, by=actor, retention_days=self.audit_retention_days,
                                channel="scim")
        recorder = ScimRecorder(change_id, self.uploads, self.transactions, utc_now(), provenance, extra=extra,
                                actor=actor)
        # A SCIM user signs in through the identity provider: the password generated for a new
        # account is sealed with a key nobody keeps, so it is never shown to anyone.
        cipher = UploadCipher(os.urandom(32), recorder.upload_id)
        batch_row = BatchRow(line=1, action=row.action, fields=row.fields)
        try:
            if row.action in (RowAction.CREATE, RowAction.UNCHANGED) and row.fields.email is None:
                return self._create(recorder, cipher, batch_row)
            # Only a joiner's plan looks at organisations (its old and new one).
            joiner = row.action is RowAction.JOINER
            joining = {row.fields.ods or "", account.ods if account else ""} if joiner else set()
            changes = AccountChanges(recorder, self.directory, cipher, self.password_hash_cost,
                                     self.directory.organisations(joining) if joining else {})
            return changes.apply(batch_row, account or self.directory.account(row.fields.email or ""))
        except UserNameTaken:
            raise ScimError(409, "Another User of this organisation took this userName meanwhile; look it up "
                                 "with a filter and update it instead.", "uniqueness") from None

    def _create(self, recorder: ScimRecorder, cipher: UploadCipher, row: BatchRow) -> RowOutcome:
        new_users = NewUsers(recorder, self.directory, cipher, self.password_hash_cost, self.identity_retention_days)
        organisations = self.directory.organisations({row.fields.ods or ""})
        identities = self.directory.identities({identity_key(row.fields)})
        prepared = new_users.prepare(row, organisations, identities)
        return new_users.create_one(prepared) if isinstance(prepared, NewUser) else prepared
