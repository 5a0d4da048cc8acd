"""Query reads only the items under the queried hash key, without copies (speed only: the
same answers).

moto's `Table.query` starts every page from `Table.all_items()`: it sorts the whole table,
then keeps the items whose (base table or index) hash key matches, sorts them again, walks
past the earlier pages, sizes each item twice and deep-copies the page. Reading 10,000 row
outcomes, or every account of an organisation for the mailbox report, so costs a sort of the
whole table and a deep copy for every 1 MB page.

Here each table keeps, until its next write, its items grouped by hash key, per index and for
the base table, each group sorted once in the order moto sorts them, with each item's size.
A page starts after ExclusiveStartKey by bisection and follows moto's page loop exactly (the
range condition, Limit, the 1 MB size checked before each candidate, ScannedCount,
LastEvaluatedKey), then the index projection, FilterExpression and ProjectionExpression as
moto applies them. Nothing is copied: moto's projections build new items, and the response
is written from the page while the request still holds the DynamoDB lock. Any shape this
module does not know (the legacy KeyConditions filters, an index with several hash or range
attributes, no hash key condition) goes to moto's query unchanged; so does a Query that has
to fail, which moto answers with its own error."""

from __future__ import annotations

import bisect
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, GlobalSecondaryIndex, Table

MOTO_QUERY = Table.query
MOTO_PUT_ITEM = Table.put_item
MOTO_DELETE_ITEM = Table.delete_item
MOTO_UPDATE_ITEM = DynamoDBBackend.update_item

_SortKey = tuple[DynamoType, ...]


@dataclass
class _Group:
    items: list[Item]
    keys: list[_SortKey]
    sizes: list[int]


@dataclass
class _Groups:
    """One table's items by hash key, valid until the table's next write."""

    version: int
    by_index: dict[str | None, dict[DynamoType, list[Item]]] = field(default_factory=dict)
    sorted: dict[tuple[str | None, DynamoType], _Group] = field(default_factory=dict)


_versions: weakref.WeakKeyDictionary[Table, int] = weakref.WeakKeyDictionary()
_groups: weakref.WeakKeyDictionary[Table, _Groups] = weakref.WeakKeyDictionary()
_lock = threading.Lock()  # requests are already serialised (dynamodb_lock); this guards direct callers


def apply() -> None:
    """Install the grouped query and the write hooks that keep the groups current (idempotent)."""
    Table.query = query  # type: ignore[method-assign]
    Table.put_item = _put_item  # type: ignore[method-assign]
    Table.delete_item = _delete_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _update_item  # type: ignore[method-assign]


def _changed(table: Table) -> None:
    with _lock:
        _versions[table] = _versions.get(table, 0) + 1


def _put_item(self: Table, *args: Any, **kwargs: Any) -> Item:
    try:
        return MOTO_PUT_ITEM(self, *args, **kwargs)
    finally:
        _changed(self)


def _delete_item(self: Table, *args: Any, **kwargs: Any) -> Item | None:
    try:
        return MOTO_DELETE_ITEM(self, *args, **kwargs)
    finally:
        _changed(self)


def _update_item(self: DynamoDBBackend, table_name: str, *args: Any, **kwargs: Any) -> Item:
    # An update changes the stored item in place, index keys included (a joiner's gsi1pk).
    try:
        return MOTO_UPDATE_ITEM(self, table_name, *args, **kwargs)
    finally:
        _changed(self.get_table(table_name))


def query(self: Table, hash_key: DynamoType | None, range_comparison: str | None, range_objs: list[DynamoType],
          limit: int, exclusive_start_key: dict[str, Any] | None, scan_index_forward: bool,
          projection_expressions: list[list[str]] | None, index_name: str | None = None,
          consistent_read: bool = False, filter_expression: Any = None,
          hash_key_conditions: list[tuple[str, DynamoType]] | None = None,
          range_key_conditions: list[tuple[str, str, list[DynamoType]]] | None = None,
          **filter_kwargs: Any) -> tuple[list[Item], int, dict[str, Any] | None]:
    """moto's Table.query over the queried hash key's items only."""
    plan = None if filter_kwargs or (range_key_conditions and len(range_key_conditions) > 1) else _plan(
        self, hash_key, index_name, hash_key_conditions, consistent_read)
    if plan is None or (exclusive_start_key is not None and any(a not in exclusive_start_key for a in plan[0])):
        return MOTO_QUERY(self, hash_key, range_comparison, range_objs, limit,
                          exclusive_start_key,  # type: ignore[arg-type]  # moto declares it a dict, passes None
                          scan_index_forward, projection_expressions, index_name, consistent_read, filter_expression,
                          hash_key_conditions=hash_key_conditions, range_key_conditions=range_key_conditions,
                          **filter_kwargs)
    attributes, value = plan
    group = _group(self, index_name, attributes, value)
    order = list(range(len(group.items)))
    if exclusive_start_key is not None:
        start = tuple(DynamoType(exclusive_start_key[a]) for a in attributes)
        order = (order[bisect.bisect_right(group.keys, start):] if scan_index_forward
                 else order[: bisect.bisect_left(group.keys, start)])
    if not scan_index_forward:
        order.reverse()
    # The range condition applies to the index's range key, or the table's (Table.query).
    compared = None if range_comparison is None else (attributes[1] if index_name is not None else None)
    results: list[Item] = []
    result_size = 0
    last_evaluated_key = None
    for position in order:
        item, size = group.items[position], group.sizes[position]
        if len(results) == limit or result_size + size > RESULT_SIZE_LIMIT:
            last_evaluated_key = self._get_last_evaluated_key(results[-1], index_name)
            break
        if range_comparison is not None:
            key = item.attrs.get(compared) if compared is not None else item.range_key
            if key is None or not key.compare(range_comparison, range_objs):
                continue
        results.append(item)
        result_size += size
    scanned_count = len(results)
    if index_name is not None:
        index = self.get_index(index_name)
        results = [index.project(r) for r in results]
    if filter_expression is not None:
        results = [item for item in results if filter_expression.expr(item)]
    if projection_expressions:
        results = [r.project(projection_expressions) for r in results]
    return results, scanned_count, last_evaluated_key


def _plan(table: Table, hash_key: DynamoType | None, index_name: str | None,
          hash_key_conditions: list[tuple[str, DynamoType]] | None,
          consistent_read: bool) -> tuple[list[str], DynamoType] | None:
    """(the attributes moto sorts by, the hash key value), or None for shapes left to moto."""
    table_key = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    if index_name is None:
        return (table_key, hash_key) if hash_key is not None and table.range_key_attr else None
    index = next((i for i in table.all_indexes() if i.name == index_name), None)
    if index is None or not hash_key_conditions or len(hash_key_conditions) != 1:
        return None  # moto raises the right error for an unknown index
    if consistent_read and isinstance(index, GlobalSecondaryIndex):
        return None  # moto refuses it
    hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
    ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
    if len(hashes) != 1 or len(ranges) != 1 or hash_key_conditions[0][0] != hashes[0]:
        return None
    # moto's order for an index: its hash and range keys, then the table's (Table._generate_attr_to_sort_by).
    return [hashes[0], ranges[0], *table_key], hash_key_conditions[0][1]


def _group(table: Table, index_name: str | None, attributes: list[str], value: DynamoType) -> _Group:
    with _lock:
        version = _versions.get(table, 0)
        groups = _groups.get(table)
        if groups is None or groups.version != version:
            groups = _groups[table] = _Groups(version)
        found = groups.sorted.get((index_name, value))
        if found is not None:
            return found
        if index_name is None:
            members = _stored(table, table.items.get(value))
        else:
            if index_name not in groups.by_index:
                groups.by_index[index_name] = _by_hash(table, attributes[0])
            members = groups.by_index[index_name].get(value, [])
        # Items without every sort attribute are not in the index (moto skips them too).
        keyed = sorted(((tuple(item.attrs[a] for a in attributes), item) for item in members
                        if all(a in item.attrs for a in attributes)), key=lambda pair: pair[0])
        group = _Group([item for _, item in keyed], [key for key, _ in keyed], [item.size() for _, item in keyed])
        groups.sorted[(index_name, value)] = group
        return group


def _by_hash(table: Table, attribute: str) -> dict[DynamoType, list[Item]]:
    grouped: dict[DynamoType, list[Item]] = {}
    for stored in table.items.values():
        for item in _stored(table, stored):
            value = item.attrs.get(attribute)
            if value is not None:
                grouped.setdefault(value, []).append(item)
    return grouped


def _stored(table: Table, stored: Any) -> list[Item]:
    """The items under one hash key of table.items: a dict by range key, or the item itself."""
    if stored is None:
        return []
    return list(stored.values()) if table.range_key_attr else [stored]
