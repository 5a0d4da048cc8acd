"""moto's DynamoDB backend is not thread-safe, and the Distributed Map runs batches in parallel
threads: every DynamoDB request is served behind one lock, which also gives each request the
atomicity the real service gives it (a TransactWriteItems is never seen half done)."""

from __future__ import annotations

import threading
from typing import Any

from moto.dynamodb.responses import DynamoHandler

DYNAMODB_LOCK = threading.RLock()
MOTO_CALL_ACTION = DynamoHandler.call_action


def apply() -> None:
    """Serialise every DynamoDB request (idempotent)."""
    if DynamoHandler.call_action is not MOTO_CALL_ACTION:
        return

    def call_action_serialised(self: DynamoHandler) -> Any:
        with DYNAMODB_LOCK:
            return MOTO_CALL_ACTION(self)

    DynamoHandler.call_action = call_action_serialised  # type: ignore[method-assign]
