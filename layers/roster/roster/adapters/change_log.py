"""The record of changes in DynamoDB (the Changes table; docs/approval-and-plan.md#change-records).

Item keys:
  pk = ACCOUNT#<email>, sk = <CHANNEL>#<source id>#<line>   one account changed by one row
  gsi1pk = <CHANNEL>#<source id>, gsi1sk = <line>#<email>   an upload's records, in line order
Each record is put by the create phase in the row's own transaction, conditional on there being
none for that account and row (never a record twice); DynamoDB's TTL deletes it at `expires_at`.
The record itself is one JSON string attribute, `record`: as typed attributes (and a list of
maps for the values before and after) it would be an attribute per value to write, serialise
and parse, several times the cost of reading an upload's records (bench/records.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from roster.adapters.dynamodb import query_items, to_item
from roster.model.changes import UPLOAD_CHANNEL, ChangeRecord

_LINE_DIGITS = 7  # MaxRows is at most 100,000 lines, so line numbers sort as text
RECORD = "record"
_ONLY_THE_RECORD = {"ProjectionExpression": "#record", "ExpressionAttributeNames": {"#record": RECORD}}


def source_key(channel: str, source_id: str) -> str:
    """How one upload's (or channel request's) records are filed together."""
    return f"{channel.upper()}#{source_id}"


def change_item(record: ChangeRecord) -> dict[str, Any]:
    """A record's item: its keys, its TTL, and the record itself as one JSON string."""
    source = source_key(record.channel, record.source_id)
    line = f"{record.line:0{_LINE_DIGITS}d}"
    return {"pk": f"ACCOUNT#{record.email.lower()}", "sk": f"{source}#{line}", "gsi1pk": source,
            "gsi1sk": f"{line}#{record.email.lower()}", "expires_at": record.expires_at,
            RECORD: record.model_dump_json()}


def change_put(table: str, record: ChangeRecord) -> dict[str, Any]:
    """The TransactWriteItems Put of a record: refused when that account and row have one already."""
    return {"Put": {"TableName": table, "Item": to_item(change_item(record)),
                    "ConditionExpression": "attribute_not_exists(pk)"}}


def record_from_item(item: dict[str, Any]) -> ChangeRecord:
    return ChangeRecord.model_validate_json(item[RECORD])


class ChangeLog:
    """Reads of the Changes table (the ChangeLog port). Nothing here writes: records are written
    only in the create phase's row transactions (adapters.transactions)."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.dynamodb = dynamodb
        self.table = table

    def for_upload(self, upload_id: str, channel: str = UPLOAD_CHANNEL) -> Iterator[ChangeRecord]:
        """An upload's records in line order, read a page at a time."""
        items = query_items(self.dynamodb, TableName=self.table, IndexName="gsi1",
                            KeyConditionExpression="gsi1pk = :source",
                            ExpressionAttributeValues=to_item({":source": source_key(channel, upload_id)}),
                            **_ONLY_THE_RECORD)
        return (record_from_item(item) for item in items)

    def for_account(self, email: str) -> list[ChangeRecord]:
        """Every record of one account, newest first."""
        items = query_items(self.dynamodb, TableName=self.table, KeyConditionExpression="pk = :account",
                            ExpressionAttributeValues=to_item({":account": f"ACCOUNT#{email.lower()}"}),
                            **_ONLY_THE_RECORD)
        return sorted((record_from_item(item) for item in items), key=lambda r: (r.at, r.line), reverse=True)
