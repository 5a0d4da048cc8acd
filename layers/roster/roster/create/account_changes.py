"""Leaver, joiner and update rows in the create phase: the change planned at validation,
re-checked against the account as it is now (roster.accounts.change_plan.recheck), then written
with the row's outcome and the change's record (docs/approval-and-plan.md#change-records)
in one transaction that only commits if the account has not changed since it was read. A row
whose plan no longer holds fails, saying what changed it, by whom and when."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from roster.accounts.change_plan import ChangePlan, Refusal, joined_organisation, recheck
from roster.audit.attribution import changed_since
from roster.audit.records import updated_record
from roster.contract.columns import COLUMN_OF_FIELD
from roster.create.batches import BatchRow, password_purpose
from roster.create.outcomes import MAX_CONFLICT_RETRIES, RowRecorder
from roster.errors import TransientInfrastructureError
from roster.model.directory import Account, AccountStatus, Organisation
from roster.model.reversal import Reversal
from roster.model.rows import RowAction, RowResult, UserFields
from roster.model.uploads import RowOutcome
from roster.model.writes import AccountUpdate
from roster.passwords.generated import hash_password, verify_password
from roster.passwords.sealing import UploadCipher
from roster.ports import ChangeLog, Directory
from roster.rules.status import LEAVER
from roster.undo.reversals import differences, later_change, left_alone_message


@dataclass
class AccountChange:
    """What applying a row does: its result and message, and the stored attributes it sets
    and removes on an account that must still have `expected_status`."""

    result: RowResult
    message: str
    sets: dict[str, Any] = field(default_factory=dict)
    removes: list[str] = field(default_factory=list)
    expected_status: AccountStatus = AccountStatus.ACTIVE
    password_hash_needed: bool = False
    no_longer_holds: bool = False  # failed because the account changed since the row was planned


def plan_change(row: BatchRow, account: Account, now: str, organisations: Mapping[str, Organisation] | None = None,
                *, password_in_place: bool = False) -> AccountChange:
    """What a leaver, joiner or update row does to the account as it is now
    (docs/csv-format.md#what-a-row-does and docs/approval-and-plan.md#the-plan): the planned action re-checked, as
    stored attributes. A supplied password that the account has already (`password_in_place`) changes nothing
    (docs/csv-format.md#safe-to-repeat)."""
    password_given = row.sealed_password is not None and not password_in_place
    plan = recheck(row.action, row.fields, account, password_given=password_given, organisations=organisations)
    return account_change(plan, row.fields, account, now)


def account_change(plan: ChangePlan, fields: UserFields, account: Account, now: str) -> AccountChange:
    """A change plan as the result, message and stored attributes of applying it."""
    if plan.action is None:
        return AccountChange(RowResult.FAILED, plan.reason,
                             no_longer_holds=plan.refusal is Refusal.PLAN_NO_LONGER_HOLDS)
    if plan.action is RowAction.UNCHANGED:
        if fields.status == LEAVER:
            return AccountChange(RowResult.UNCHANGED, f"{account.email} is already a leaver.")
        return AccountChange(RowResult.UNCHANGED, "Nothing to change: the account already has these values.")
    if plan.action is RowAction.LEAVER:
        return AccountChange(RowResult.LEAVER, f"Marked as a leaver; the address {account.email} is kept.",
                             sets={"status": AccountStatus.LEAVER.value, "leaver_at": now})
    if plan.action is RowAction.JOINER:
        target = joined_organisation(fields, account)
        sets = {c.field: c.new for c in plan.changes if c.new is not None and c.field not in ("status", "ods")}
        sets.update({"status": AccountStatus.ACTIVE.value, "ods": target, "joined_at": now})
        message = " ".join((f"Moved from leaver state to organisation {target} and made active.", *plan.notes))
        return AccountChange(RowResult.JOINER, message,
                             sets=sets, removes=[c.field for c in plan.changes if c.new is None],
                             expected_status=AccountStatus.LEAVER, password_hash_needed=plan.password_changed)
    return AccountChange(RowResult.UPDATED, "Updated " + ", ".join(plan.changed_columns) + ".",
                         sets={c.field: c.new for c in plan.changes}, password_hash_needed=plan.password_changed)


def reversal_change(reversal: Reversal, account: Account, now: str, planned: RowAction) -> AccountChange:
    """What an undo row does to the account as it is now (docs/approval-and-plan.md#undo): the
    recorded change put back, or nothing when the account has changed since (Unchanged, saying so).
    A row planned Unchanged stays so (the plan is binding), whatever the account is now."""
    differing = differences(reversal, account)
    if planned is RowAction.UNCHANGED or differing:
        return AccountChange(RowResult.UNCHANGED, left_alone_message(reversal, None, differing), no_longer_holds=True)
    sets = {**reversal.sets, **({"leaver_at": now} if reversal.stamp_leaver else {})}
    source = f"upload {reversal.upload_id}"
    if reversal.stamp_leaver:
        message = f"Undone: created by {source}; marked as a leaver, the address {account.email} is kept."
    elif reversal.result is RowResult.JOINER:
        message = f"Undone: active again in organisation {sets.get('ods', account.ods)}, as before {source}."
    elif reversal.result is RowResult.LEAVER:
        message = f"Undone: a leaver again in organisation {sets.get('ods', account.ods)}, as before {source}."
    else:
        columns = [COLUMN_OF_FIELD.get(name, name) for name in (*reversal.sets, *reversal.removes)]
        message = f"Undone: {', '.join(columns)} put back as before {source}."
    return AccountChange(reversal.result, message, sets=sets, removes=list(reversal.removes),
                         expected_status=account.status)


_ACTION_OF_RESULT = {RowResult.UPDATED: "Update", RowResult.LEAVER: "Leaver", RowResult.JOINER: "Joiner"}


@dataclass
class AccountChanges:
    """Applies leaver, joiner and update rows, each exactly once."""

    recorder: RowRecorder
    directory: Directory
    cipher: UploadCipher
    password_hash_cost: int
    organisations: Mapping[str, Organisation] = field(default_factory=dict)  # a joiner's old and new ones
    change_log: ChangeLog | None = None  # who changed an account since its row was planned

    def apply(self, row: BatchRow, account: Account | None) -> RowOutcome:
        """Apply one row to the account as read; a bad row is a Failed outcome, never an exception."""
        email = (row.fields.email or "").lower()
        supplied = self.cipher.unseal(row.sealed_password, password_purpose(row.line)) if row.sealed_password else None
        in_place = supplied is not None and account is not None and self._password_in_place(email, supplied)
        for _ in range(MAX_CONFLICT_RETRIES):
            if account is None:
                return self.recorder.record_alone(row.line, RowResult.FAILED, f"No account with the address {email} "
                                                  "exists; leave Email Address blank to create a new user.",
                                                  email=email)
            change = (reversal_change(row.reversal, account, self.recorder.now, row.action) if row.reversal else
                      plan_change(row, account, self.recorder.now, self.organisations, password_in_place=in_place))
            if change.result is RowResult.UNCHANGED and row.reversal is not None:
                message = self._left_alone(email, row.reversal, change)
                return self.recorder.record_alone(row.line, change.result, message, email=email)
            if change.result is RowResult.FAILED:
                return self.recorder.record_alone(row.line, change.result, self._attributed(account, change),
                                                  email=email)
            if change.result is RowResult.UNCHANGED:
                return self.recorder.record_alone(row.line, change.result, change.message, email=email)
            outcome = self.recorder.outcome(row.line, change.result, change.message, email=email)
            update = AccountUpdate(email=email, sets={**change.sets, **self._password(supplied, change)},
                                   removes=tuple(change.removes), expected_status=change.expected_status,
                                   expected_ods=account.ods)
            record = updated_record(account, update, _ACTION_OF_RESULT[change.result], self.recorder.provenance,
                                    line=row.line, at=self.recorder.now)
            cancelled = self.recorder.commit({"account": update, "outcome": self.recorder.write(outcome),
                                              "change": record})
            if cancelled is None:
                return outcome
            if "outcome" in cancelled.refused:
                return self.recorder.recorded(row.line)
            account = self.directory.account(email)  # changed under us: plan again from what is there now
        raise TransientInfrastructureError(f"line {row.line}: the account {email} kept changing")

    def _attributed(self, account: Account, change: AccountChange) -> str:
        """A failed row's message, with what changed the account since it was planned."""
        if self.change_log is None or not change.no_longer_holds:
            return change.message
        records = self.change_log.for_account(account.email)
        return changed_since(change.message, records, self.recorder.upload_id)

    def _left_alone(self, email: str, reversal: Reversal, change: AccountChange) -> str:
        """An undo row's message when its account changed since: what the change recorded after the
        reversed one did, by whom and when, when there is one."""
        if self.change_log is None:
            return change.message
        later = later_change(self.change_log.for_account(email), reversal)
        return change.message if later is None else left_alone_message(reversal, later, [])

    def _password(self, supplied: str | None, change: AccountChange) -> dict[str, Any]:
        """The supplied password's hash; the administrator chose it, so no change is forced."""
        if not change.password_hash_needed or supplied is None:
            return {}
        return {"password_hash": hash_password(supplied, self.password_hash_cost), "must_change_password": False}

    def _password_in_place(self, email: str, supplied: str) -> bool:
        """Whether the account's password is the supplied one already (a re-submitted row)."""
        stored = self.directory.password_hash(email)
        try:
            return stored is not None and verify_password(supplied, stored)
        except ValueError:  # not a hash Roster wrote: the supplied password replaces it
            return False
