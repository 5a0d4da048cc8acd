"""An item's size is checked once when moto builds it, and its attribute names are shared
(speed and memory only: the same answers).

moto stores an item's attributes in a `LimitedSizeDict`, whose every insertion sums the sizes
of all the attributes already there to enforce DynamoDB's 400 KB item limit: building an item
of n attributes costs n*n/2 size computations, for every item written. `Item.__init__` here
sums them once and raises the same ItemSizeTooLarge past the same limit; sizes only grow as
attributes are added, so "too large after the last one" is "too large after some one".
Attribute names are interned (sys.intern): every item of a kind names the same attributes,
and each request's JSON would otherwise keep its own copy of each name in every item; and
the key attributes share the item's own hash and range key objects (moto keeps both)."""

from __future__ import annotations

import sys
from typing import Any

from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize

MOTO_ITEM_INIT = Item.__init__
# moto's limit (LimitedSizeDict.__setitem__): "between 409 and 410KB" measured against AWS.
MOTO_ITEM_SIZE_LIMIT = 405000


def apply() -> None:
    """Build items with one size check (idempotent)."""
    Item.__init__ = item_init  # type: ignore[method-assign]


def _same(value: DynamoType, key: DynamoType) -> bool:
    return value.type == key.type and value.value == key.value and value.type in ("S", "N", "B")


def item_init(self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
    """moto's Item.__init__ with the size summed once."""
    self.hash_key = hash_key
    self.range_key = range_key
    values = {sys.intern(key): DynamoType(value) for key, value in attrs.items()}
    if sum(bytesize(key) + value.size() for key, value in values.items()) > MOTO_ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge
    for key, value in values.items():
        # The key attributes repeat the item's hash and range key: one object each, not two.
        if _same(value, hash_key):
            values[key] = hash_key
        elif range_key is not None and _same(value, range_key):
            values[key] = range_key
    self.attrs = LimitedSizeDict()
    dict.update(self.attrs, values)
