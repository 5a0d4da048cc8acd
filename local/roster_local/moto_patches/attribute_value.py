"""An attribute value is built without copying its dict twice (speed only: the same values).

moto builds a `DynamoType` for every attribute of every item it reads or writes, taking the
type and the value as `list(d)[0]` and `list(d.values())[0]` and checking the type through two
method calls: about three times the work of reading the one pair. `DynamoType.__init__` here
reads the pair directly; a DynamoType or anything but a dict goes through moto's own code."""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models.dynamo_type import DDBType, DynamoType

MOTO_DYNAMO_TYPE_INIT = DynamoType.__init__


def apply() -> None:
    """Build attribute values from their dict directly (idempotent)."""
    DynamoType.__init__ = dynamo_type_init  # type: ignore[method-assign]


def dynamo_type_init(self: DynamoType, type_as_dict: Any) -> None:
    """moto's DynamoType.__init__ for a {type: value} dict, without the intermediate lists."""
    if type(type_as_dict) is not dict or not type_as_dict:
        MOTO_DYNAMO_TYPE_INIT(self, type_as_dict)
        return
    kind, value = next(iter(type_as_dict.items()))  # moto takes the first pair
    self.type = kind
    if kind == DDBType.LIST:
        self.value = [DynamoType(item) for item in value]
    elif kind == DDBType.MAP:
        self.value = {key: DynamoType(item) for key, item in value.items()}
    else:
        self.value = value
