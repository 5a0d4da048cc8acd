"""The reverse of each recorded change of an upload (docs/approval-and-plan.md#undo).

Created -> a leaver (the address is kept, never reused); Updated -> each changed field back to
its value before; Leaver -> active again in the organisation it left; Joiner -> a leaver again,
in its old organisation with its old values. Every one is the record's before values put back,
conditional on the account still having the record's after values: an account changed by
anything since is left as it is, and the row says what changed it and when."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from roster.audit.attribution import by_whom, what_was_done
from roster.contract.columns import COLUMN_OF_FIELD
from roster.model.changes import ChangeRecord, change_stamp
from roster.model.directory import Account, AccountStatus
from roster.model.reversal import Reversal
from roster.model.rows import FieldChange, PlannedRow, RowAction, RowResult, UserFields

# When something happened, not what the account is: put back, never compared.
TIMESTAMPS = frozenset({"created_at", "leaver_at", "joined_at"})
_RESULT_OF_ACTION = {"Update": RowResult.UPDATED, "Leaver": RowResult.JOINER, "Joiner": RowResult.LEAVER}
_ROW_ACTION = {RowResult.UPDATED: RowAction.UPDATE, RowResult.JOINER: RowAction.JOINER,
               RowResult.LEAVER: RowAction.LEAVER}


def reversal_of(record: ChangeRecord) -> Reversal:
    """The reverse of one recorded change, as stored values."""
    expect = {f.field: f.new for f in record.fields if f.field not in TIMESTAMPS}
    expect.setdefault("status", record.status_after)
    expect.setdefault("ods", record.ods_after)
    if record.action == "Create":
        return Reversal(upload_id=record.source_id, line=record.line, at=record.at, result=RowResult.LEAVER,
                        expect=expect, sets={"status": AccountStatus.LEAVER.value}, stamp_leaver=True)
    return Reversal(upload_id=record.source_id, line=record.line, at=record.at,
                    result=_RESULT_OF_ACTION[record.action], expect=expect,
                    sets={f.field: f.old for f in record.fields if f.old is not None},
                    removes=tuple(f.field for f in record.fields if f.old is None))


def differences(reversal: Reversal, account: Account) -> list[str]:
    """The stored attributes whose value is no longer what the reversed change left."""
    stored = account.model_dump(mode="json")
    return [name for name, value in reversal.expect.items() if stored.get(name) != value]


def later_change(account_records: Iterable[ChangeRecord], reversal: Reversal) -> ChangeRecord | None:
    """The latest recorded change to the account made by anything else after the reversed one."""
    return next((r for r in account_records  # newest first
                 if (r.at, r.source_id, r.line) > (reversal.at, reversal.upload_id, reversal.line)
                 and r.source_id != reversal.upload_id), None)


def left_alone_message(reversal: Reversal, later: ChangeRecord | None, differing: list[str]) -> str:
    """Why an undo row leaves its account as it is: what changed it since, by whom and when."""
    if later is not None:
        return (f"Left as it is: changed since upload {reversal.upload_id}: {what_was_done(later)} "
                f"by {by_whom(later)}.")
    if not differing:
        return f"Left as it is: the account was changed since upload {reversal.upload_id}."
    columns = ", ".join(COLUMN_OF_FIELD.get(name, name) for name in differing)
    return f"Left as it is: {columns} changed since upload {reversal.upload_id}, by a change Roster has no record of."


def undo_row(line: int, record: ChangeRecord, account: Account | None,
             history: Callable[[str], Iterable[ChangeRecord]], last_change: str | None = None) -> PlannedRow:
    """The planned undo row of one recorded change, against the account as it is now. The account
    was changed since when its `last_change` stamp names another change (the stamp every recorded
    change writes on its account), or, for an account without a stamp (changed before stamps were
    written), when a value differs from what the change left. Only then is its `history` (the record
    of changes, newest first) read, to say what changed it: a query per changed account, not per row."""
    reversal = reversal_of(record)
    fields = UserFields(email=record.email, ods=account.ods if account else record.ods_after)
    if account is None:
        return PlannedRow(line=line, action=RowAction.UNCHANGED, fields=fields,
                          note=f"Left as it is: the account {record.email} no longer exists.")
    differing = differences(reversal, account)
    if differing or (last_change is not None and last_change != change_stamp(record)):
        later = later_change(history(record.email), reversal)
        return PlannedRow(line=line, action=RowAction.UNCHANGED, fields=fields,
                          note=left_alone_message(reversal, later, differing),
                          reversal=reversal.model_dump(mode="json"))
    action = _ROW_ACTION[reversal.result]
    note = "The password the upload set is not changed back." if record.password_changed and \
        record.action != "Create" else ""
    return PlannedRow(line=line, action=action, fields=fields, changes=_plan_changes(reversal, account),
                      note=note, reversal=reversal.model_dump(mode="json"))


def _plan_changes(reversal: Reversal, account: Account) -> tuple[FieldChange, ...]:
    """The plan's lines of an Update or Joiner undo row: each column put back, as stored."""
    stored = account.model_dump(mode="json")
    restored: dict[str, Any] = {**reversal.sets, **dict.fromkeys(reversal.removes)}
    return tuple(FieldChange(name, COLUMN_OF_FIELD[name], stored.get(name), value)
                 for name, value in restored.items() if name in COLUMN_OF_FIELD and stored.get(name) != value)
