"""Row transactions in DynamoDB: the Transactions port.

Each named write becomes one conditional TransactWriteItems item. When DynamoDB cancels
the transaction, its CancellationReasons come back in item order; they are handed back by
write name, so the caller never decodes a position."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from roster.adapters.change_log import change_put
from roster.adapters.directory_store import (
    account_item,
    account_key,
    identity_item,
    organisation_index,
    reservation_item,
)
from roster.adapters.dynamodb import to_item
from roster.adapters.upload_store import outcome_item
from roster.errors import TransientInfrastructureError
from roster.model.changes import LAST_CHANGE, ChangeRecord, change_stamp
from roster.model.directory import IdentityRecord
from roster.model.writes import (
    AccountUpdate,
    AddressReservation,
    Cancelled,
    DirectoryItem,
    DirectoryItemRemoval,
    NewAccount,
    OutcomeRecord,
    Write,
)

CONDITION_FAILED = "ConditionalCheckFailed"
CONFLICT = "TransactionConflict"
_NO_REASON = (None, "None")


class DynamoDBTransactions:
    """All-or-nothing writes across the Directory, Uploads and Changes tables."""

    def __init__(self, dynamodb: Any, directory_table: str, jobs_table: str, changes_table: str = "") -> None:
        self.dynamodb = dynamodb
        self.directory_table = directory_table
        self.jobs_table = jobs_table
        self.changes_table = changes_table  # the record of changes; only these transactions write it

    def commit(self, writes: Mapping[str, Write]) -> Cancelled | None:
        """Apply every write or none; None when committed, else the writes refused by name."""
        names = list(writes)
        writes = stamped(writes)
        items = [self._item(write) for write in writes.values()]
        dynamodb = self.dynamodb
        try:
            dynamodb.transact_write_items(TransactItems=items)
            return None
        except dynamodb.exceptions.TransactionCanceledException as exc:
            return cancellation(names, exc.response.get("CancellationReasons") or [])
        except (dynamodb.exceptions.ProvisionedThroughputExceededException,
                dynamodb.exceptions.RequestLimitExceeded, dynamodb.exceptions.InternalServerError) as exc:
            raise TransientInfrastructureError(str(exc)) from exc

    def _item(self, write: Write) -> dict[str, Any]:
        if isinstance(write, NewAccount):
            return _put(self.directory_table, account_item(
                write.account, password_hash=write.password_hash,
                must_change_password=write.must_change_password, created_by_upload=write.created_by_upload,
                **({LAST_CHANGE: write.last_change} if write.last_change else {})))
        if isinstance(write, AddressReservation):
            return _put(self.directory_table, reservation_item(write.email, write.base, upload_id=write.upload_id,
                                                               line=write.line))
        if isinstance(write, IdentityRecord):
            return _put(self.directory_table, identity_item(write))
        if isinstance(write, OutcomeRecord):
            return outcome_item(self.jobs_table, write.upload_id, write.outcome)
        if isinstance(write, DirectoryItem):
            put = {"TableName": self.directory_table, "Item": to_item(dict(write.item))}
            return {"Put": {**put, "ConditionExpression": "attribute_not_exists(pk)"} if write.if_absent else put}
        if isinstance(write, DirectoryItemRemoval):
            return {"Delete": {"TableName": self.directory_table, "Key": to_item(dict(write.key))}}
        if isinstance(write, ChangeRecord):
            if not self.changes_table:
                raise ValueError("a change record needs the Changes table (ROSTER_CHANGES_TABLE)")
            return change_put(self.changes_table, write)
        return account_update_item(self.directory_table, write)


def stamped(writes: Mapping[str, Write]) -> dict[str, Write]:
    """The writes, with the account a recorded change writes stamped with that change (`last_change`,
    roster.model.changes.change_stamp): undo tells from it, in one batched read, whether anything
    changed the account since (docs/approval-and-plan.md#undo)."""
    records = {w.email.lower(): change_stamp(w) for w in writes.values() if isinstance(w, ChangeRecord)}
    if not records:
        return dict(writes)
    out: dict[str, Write] = {}
    for name, write in writes.items():
        if isinstance(write, AccountUpdate) and write.email.lower() in records:
            write = replace(write, sets={**write.sets, LAST_CHANGE: records[write.email.lower()]})
        elif isinstance(write, NewAccount) and write.account.email.lower() in records:
            write = replace(write, last_change=records[write.account.email.lower()])
        out[name] = write
    return out


def cancellation(names: Sequence[str], reasons: Sequence[Mapping[str, Any]]) -> Cancelled:
    """What a TransactionCanceledException's reasons (in item order) say, by write name.

    A reason other than a failed condition or a conflict (throttling, a validation error)
    raises TransientInfrastructureError; missing reasons count as a conflict (try again)."""
    codes = {name: reason.get("Code") for name, reason in zip(names, reasons, strict=False)}
    unexpected = {name: code for name, code in codes.items() if code not in (*_NO_REASON, CONDITION_FAILED, CONFLICT)}
    if unexpected:
        raise TransientInfrastructureError(f"transaction cancelled: {unexpected}")
    refused = frozenset(name for name, code in codes.items() if code == CONDITION_FAILED)
    conflict = CONFLICT in codes.values() or not refused
    return Cancelled(refused=refused, conflict=conflict)


def account_update_item(table: str, update: AccountUpdate) -> dict[str, Any]:
    """An Update of one account, conditional on the status and organisation it was planned against.
    A change of organisation also refiles the account under it (gsi1)."""
    sets = {**update.sets, **organisation_index(update.sets["ods"])} if "ods" in update.sets else dict(update.sets)
    names = {f"#s{i}": name for i, name in enumerate(sets)}
    values = {f":s{i}": value for i, value in enumerate(sets.values())}
    names.update({f"#r{i}": name for i, name in enumerate(update.removes)})
    names.update({"#status": "status", "#ods": "ods"})
    values.update({":expected": update.expected_status.value, ":ods": update.expected_ods})
    expression = "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(sets)))
    if update.removes:
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(update.removes)))
    return {"Update": {
        "TableName": table, "Key": to_item(account_key(update.email)), "UpdateExpression": expression,
        "ConditionExpression": "attribute_exists(pk) AND #status = :expected AND #ods = :ods",
        "ExpressionAttributeNames": names, "ExpressionAttributeValues": to_item(values),
    }}


def _put(table: str, item: dict[str, Any]) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}}
