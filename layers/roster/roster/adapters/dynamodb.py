"""DynamoDB items as plain Python values, and the batched reads every store uses."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Python values -> DynamoDB attribute values; None values are left out."""
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values -> Python values (whole numbers as int)."""
    return {key: _value(raw) for key, raw in item.items()}


def _value(raw: dict[str, Any]) -> Any:
    # Strings, numbers and booleans are nearly every attribute Roster reads, and every read of
    # a 10,000-row upload passes here some 200,000 times: those three are taken straight from
    # their {type: value} pair; everything else goes through boto3's TypeDeserializer.
    if len(raw) == 1:
        kind, value = next(iter(raw.items()))
        if kind == "S" or kind == "BOOL":
            return value
        if kind == "N":
            return _number(value)
    return _plain(_deserializer.deserialize(raw))


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:  # "4.0", "1E+2", "0.25": as _plain reads a Decimal
        value = Decimal(text)
        return int(value) if value == value.to_integral_value() else float(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def batch_get(dynamodb: Any, table: str, keys: list[dict[str, Any]],
              projection: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """BatchGetItem in pages of 100, retrying unprocessed keys; returns plain items (only the
    `projection` attributes, when given)."""
    found: list[dict[str, Any]] = []
    unique = list({tuple(sorted(k.items())): k for k in keys}.values())
    shape: dict[str, Any] = {}
    if projection:
        shape = {"ProjectionExpression": ", ".join(f"#p{i}" for i in range(len(projection))),
                 "ExpressionAttributeNames": {f"#p{i}": name for i, name in enumerate(projection)}}
    for start in range(0, len(unique), 100):
        request = {table: {"Keys": [to_item(k) for k in unique[start : start + 100]], **shape}}
        while request:
            response = dynamodb.batch_get_item(RequestItems=request)
            found.extend(from_item(i) for i in response.get("Responses", {}).get(table, []))
            request = response.get("UnprocessedKeys") or {}
    return found


def query_items(dynamodb: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Query as plain values, read a page at a time (boto3's paginator)."""
    for page in dynamodb.get_paginator("query").paginate(**kwargs):
        for item in page.get("Items", []):
            yield from_item(item)


def query_all(dynamodb: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Every page of a Query (boto3's paginator); returns plain items."""
    return list(query_items(dynamodb, **kwargs))
