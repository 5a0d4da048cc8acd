"""One create phase at a time per organisation (docs/csv-format.md#safe-to-repeat).

An upload holds every organisation its rows touch while its create phase runs. An upload that
cannot take its holds waits in the queue (state QUEUED); whenever holds are released the
queue is dispatched in upload order. A hold expires by itself, so an upload that died cannot
block an organisation for ever: the next dispatch takes it over.

Items in the Jobs table: HOLD#<ods>/HOLD (holder, hold_until epoch seconds) and
QUEUE/<created_at>#<upload_id> (orgs). The order in which queued uploads start is
roster.queue.dispatch's rule; this adapter only stores holds and the queue."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from roster.adapters.dynamodb import from_item, query_all, to_item
from roster.model.uploads import QueuedUpload


def _hold_key(ods: str) -> dict[str, str]:
    return {"pk": f"HOLD#{ods}", "sk": "HOLD"}


class OrganisationHolds:
    """Holds and the queue of waiting uploads in the Jobs table: the OrganisationQueue port."""

    def __init__(self, dynamodb: Any, table: str, hold_seconds: int, clock: Callable[[], float] = time.time) -> None:
        self.dynamodb = dynamodb
        self.table = table
        self.hold_seconds = hold_seconds
        self.clock = clock

    def try_take(self, upload_id: str, orgs: list[str]) -> bool:
        """Take every hold at once, or none: free, expired, or already this upload's."""
        now = int(self.clock())
        items = [
            {"Put": {
                "TableName": self.table,
                "Item": to_item({**_hold_key(ods), "holder": upload_id, "hold_until": now + self.hold_seconds,
                                 "expires_at": now + self.hold_seconds + 86400}),
                "ConditionExpression": "attribute_not_exists(pk) OR hold_until < :now OR holder = :job",
                "ExpressionAttributeValues": to_item({":now": now, ":job": upload_id}),
            }}
            for ods in sorted(set(orgs))
        ]
        if not items:
            return True
        try:
            self.dynamodb.transact_write_items(TransactItems=items)
            return True
        except self.dynamodb.exceptions.TransactionCanceledException as exc:
            codes = {r.get("Code") for r in exc.response.get("CancellationReasons", [])}
            if "ConditionalCheckFailed" in codes:
                return False
            raise

    def release(self, upload_id: str, orgs: list[str]) -> None:
        """Give back this upload's holds (a hold another upload has taken over is left alone)."""
        for ods in sorted(set(orgs)):
            with contextlib.suppress(self.dynamodb.exceptions.ConditionalCheckFailedException):
                self.dynamodb.delete_item(TableName=self.table, Key=to_item(_hold_key(ods)),
                                          ConditionExpression="holder = :job",
                                          ExpressionAttributeValues=to_item({":job": upload_id}))

    def enqueue(self, upload_id: str, created_at: str, orgs: list[str]) -> None:
        """Put an upload in the queue (idempotent)."""
        item = {"pk": "QUEUE", "sk": f"{created_at}#{upload_id}", "job_id": upload_id, "orgs": sorted(set(orgs))}
        self.dynamodb.put_item(TableName=self.table, Item=to_item(item))

    def waiting(self) -> list[QueuedUpload]:
        """The queued uploads, in upload order (the sort key starts with the upload time)."""
        queued = query_all(self.dynamodb, TableName=self.table, KeyConditionExpression="pk = :q",
                           ExpressionAttributeValues=to_item({":q": "QUEUE"}), ConsistentRead=True)
        return [QueuedUpload(position=entry["sk"], upload_id=entry["job_id"], orgs=tuple(entry.get("orgs", [])))
                for entry in queued]

    def remove(self, entry: QueuedUpload) -> None:
        """Take a started upload off the queue."""
        self.dynamodb.delete_item(TableName=self.table, Key=to_item({"pk": "QUEUE", "sk": entry.position}))

    def dequeue(self, upload_id: str, created_at: str) -> None:
        """Take an upload out of the queue (the sweeper, before it ends an upload that waited too long)."""
        self.dynamodb.delete_item(TableName=self.table, Key=to_item({"pk": "QUEUE", "sk": f"{created_at}#{upload_id}"}))

    def queue_length(self) -> int:
        """How many uploads wait in the queue (a metric)."""
        return len(query_all(self.dynamodb, TableName=self.table, KeyConditionExpression="pk = :q",
                             ExpressionAttributeValues=to_item({":q": "QUEUE"}), ProjectionExpression="sk"))

    def holder(self, ods: str) -> dict[str, Any] | None:
        """The current hold on an organisation, if any (for tests and the console)."""
        response = self.dynamodb.get_item(TableName=self.table, Key=to_item(_hold_key(ods)), ConsistentRead=True)
        return from_item(response["Item"]) if "Item" in response else None
