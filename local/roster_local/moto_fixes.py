"""Three fixes to moto 5.1.22 that the embedded stack needs, applied only inside it.

1. moto's DynamoDB backend is not thread-safe, and the Distributed Map runs batches in
   parallel threads. Every DynamoDB request is serialised behind one lock, which also gives
   each request the atomicity the real service gives it.
2. moto's TransactWriteItems deep-copies every table it touches to be able to roll back
   (O(table size) per call: a 10,000-row upload would take hours). This version checks
   every condition first and rolls back only the items it touched, with the same results
   and the same cancellation reasons.
3. StartExecution deep-copies the state machine, and through it the whole Step Functions
   backend with every earlier execution; once one execution has run, the copy meets a lock
   and fails ("cannot pickle '_thread.RLock'"), so a second upload could never start. The
   copy only needs the state machine's own settings: it gets them without the executions.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler
from moto.stepfunctions.models import StateMachine

DYNAMODB_LOCK = threading.RLock()
_applied = False


def apply() -> None:
    """Install both fixes (idempotent)."""
    global _applied
    if _applied:
        return
    original_call_action = DynamoHandler.call_action

    def call_action_serialised(self: DynamoHandler) -> Any:
        with DYNAMODB_LOCK:
            return original_call_action(self)

    DynamoHandler.call_action = call_action_serialised  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    StateMachine.__deepcopy__ = _state_machine_settings_copy  # type: ignore[attr-defined]
    _applied = True


def _state_machine_settings_copy(self: StateMachine, memo: dict[int, Any]) -> StateMachine:
    clone = copy.copy(self)
    clone.executions = []
    clone.versions = dict(self.versions)
    return clone


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    planned: list[tuple[str, dict[str, Any], str, dict[str, Any], Any]] = []
    reasons: list[tuple[Any, Any, Any]] = []
    seen: set[tuple[str, str]] = set()
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        table_name = op["TableName"]
        table = self.get_table(table_name)
        if op_type == "Put":
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        identity = (table_name, str(dict(sorted(key.items()))))
        if identity in seen:
            raise MultipleTransactionsException()
        seen.add(identity)
        current = self.get_item(table_name, key)
        condition = op.get("ConditionExpression")
        if condition is not None and not get_filter_expression(
            condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        ).expr(current):
            old = None
            if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                old = current.to_json()["Attributes"]
            reasons.append(("ConditionalCheckFailed", "The conditional request failed", old))
        else:
            reasons.append((None, None, None))
        planned.append((op_type, op, table_name, key, current))
    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)

    touched: list[tuple[str, dict[str, Any], Any]] = []
    try:
        for op_type, op, table_name, key, current in planned:
            touched.append((table_name, key, copy.deepcopy(current)))
            if op_type == "Put":
                self.put_item(table_name, op["Item"])
            elif op_type == "Delete":
                self.delete_item(table_name, key)
            elif op_type == "Update":
                self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                 expression_attribute_names=op.get("ExpressionAttributeNames"),
                                 expression_attribute_values=op.get("ExpressionAttributeValues"))
    except Exception:
        for table_name, key, before in reversed(touched):
            if before is None:
                self.delete_item(table_name, key)
            else:
                self.put_item(table_name, before.to_json()["Attributes"])
        raise
