"""TransactWriteItems without deep-copying whole tables.

moto's version (DynamoDBBackend.transact_write_items) deep-copies every table a transaction
touches, to be able to roll back: O(table size) per call, so a 10,000-row upload would take
hours. This one checks every condition first, then writes, and on a failure puts back only
the items it had touched. It answers as moto does: the same validation errors (more than 100
items, two operations on one item, more than one operation in an entry) and, when a condition
fails, TransactionCanceledException with one reason per item, in order: "None" for the items
that passed, "ConditionalCheckFailed" (with the old item under ReturnValuesOnConditionCheckFailure
ALL_OLD) for the ones that did not; nothing is written then. Unlike moto, it also refuses a
transaction whose items pass DynamoDB's 4 MB together (roster_local.stack.limits): the Put
items whole, and for the other actions their keys and the values their expressions write.

Condition checks come first, so a later item sees the table as it was before the transaction;
moto checks each item after writing the ones before it. The answers are the same because no
two operations may target one item. An item moto's own write refuses (a validation error) is
refused the same way, after the items written before it are put back.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.dynamodb import comparisons
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.utilities import bytesize

from roster_local.stack.limits import DYNAMODB_TRANSACTION_BYTES, DYNAMODB_TRANSACTION_ITEMS

MOTO_TRANSACT_WRITE_ITEMS = DynamoDBBackend.transact_write_items
MAX_ITEMS = DYNAMODB_TRANSACTION_ITEMS  # DynamoDB's limit per TransactWriteItems
OPERATIONS = ("ConditionCheck", "Put", "Delete", "Update")

Reason = tuple[str | None, str | None, dict[str, Any] | None]  # (code, message, old item), as moto lists them


def apply() -> None:
    """Install the table-copy-free TransactWriteItems (idempotent)."""
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class _Planned:
    __slots__ = ("operation", "request", "table_name", "key", "current")

    def __init__(self, operation: str, request: dict[str, Any], table_name: str, key: dict[str, Any],
                 current: Item | None) -> None:
        self.operation = operation
        self.request = request
        self.table_name = table_name
        self.key = key
        self.current = current


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """All the writes or none, answering as moto's TransactWriteItems does."""
    if len(transact_items) > MAX_ITEMS:
        raise TooManyTransactionsException()
    size = sum(_entry_size(entry) for entry in transact_items)
    if size > DYNAMODB_TRANSACTION_BYTES:
        raise MockValidationException(f"Transaction request cannot be larger than 4 MB ({size} bytes)")
    planned: list[_Planned] = []
    reasons: list[Reason] = []
    seen: set[tuple[str, str]] = set()
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        operation, request = next(iter(entry.items()))
        table_name = request["TableName"]
        key = _key(self, operation, request)
        # Sorted: {"sk", "pk"} and {"pk", "sk"} name one item (moto compares them as written).
        identity = (table_name, str(sorted(key.items())))
        if identity in seen:
            raise MultipleTransactionsException()
        seen.add(identity)
        current = self.get_item(table_name, key)
        reasons.append(_check(operation, request, current))
        planned.append(_Planned(operation, request, table_name, key, current))
    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)
    _write_all(self, planned)


def _entry_size(entry: dict[str, Any]) -> int:
    """The bytes an action adds to its transaction: a Put's item, else its key and written values."""
    request = next(iter(entry.values()))
    attributes = request.get("Item") or {**request.get("Key", {}), **(request.get("ExpressionAttributeValues") or {})}
    return sum(bytesize(name) + DynamoType(value).size() for name, value in attributes.items())


def _key(backend: DynamoDBBackend, operation: str, request: dict[str, Any]) -> dict[str, Any]:
    if operation not in OPERATIONS:
        raise MockValidationException(f"Unsupported transaction operation {operation}")
    if operation != "Put":
        return dict(request["Key"])
    table = backend.get_table(request["TableName"])
    item = request["Item"]
    key = {table.hash_key_attr: item[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = item[table.range_key_attr]
    return key


def _check(operation: str, request: dict[str, Any], current: Item | None) -> Reason:
    condition = request.get("ConditionExpression")
    if condition is None:
        return (None, None, None)
    parsed = comparisons.get_filter_expression(condition, request.get("ExpressionAttributeNames"),
                                               request.get("ExpressionAttributeValues"))
    if parsed.expr(current):
        return (None, None, None)
    old = None
    if request.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current is not None:
        old = current.to_json()["Attributes"]
    return ("ConditionalCheckFailed", ConditionalCheckFailed().message, old)


def _write_all(backend: DynamoDBBackend, planned: list[_Planned]) -> None:
    touched: list[tuple[_Planned, Item | None]] = []
    failed = 0
    try:
        for failed, step in enumerate(planned):  # noqa: B007 (read in the except clauses)
            request = step.request
            if step.operation == "ConditionCheck":
                continue
            # Put and Delete replace the stored Item object; Update changes it in place.
            before = copy.deepcopy(step.current) if step.operation == "Update" else step.current
            touched.append((step, before))
            if step.operation == "Put":
                backend.put_item(step.table_name, request["Item"])
            elif step.operation == "Delete":
                backend.delete_item(step.table_name, step.key)
            else:
                backend.update_item(step.table_name, step.key, update_expression=request["UpdateExpression"],
                                    expression_attribute_names=request.get("ExpressionAttributeNames") or {},
                                    expression_attribute_values=request.get("ExpressionAttributeValues") or {})
    except MockValidationException:
        _put_back(backend, touched)
        raise
    except Exception as exc:  # moto reports any other failure of an item as that item's reason
        _put_back(backend, touched)
        reasons: list[Reason] = [(None, None, None)] * len(planned)
        reasons[failed] = (type(exc).__name__, str(exc), None)
        raise TransactionCanceledException(reasons) from exc


def _put_back(backend: DynamoDBBackend, touched: list[tuple[_Planned, Item | None]]) -> None:
    for step, before in reversed(touched):
        if before is None:
            backend.delete_item(step.table_name, step.key)
        else:
            backend.put_item(step.table_name, before.to_json()["Attributes"])
