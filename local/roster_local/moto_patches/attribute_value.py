"""An attribute value is built without copying its dict twice, and a string value is shared
(speed and memory only: the same values).

moto builds a `DynamoType` for every attribute of every item it reads or writes, taking the
type and the value as `list(d)[0]` and `list(d.values())[0]` and checking the type through two
method calls: about three times the work of reading the one pair. `DynamoType.__init__` here
reads the pair directly; a DynamoType or anything but a dict goes through moto's own code.

Every request's JSON brings its own copy of each string, so 100,000 rows would keep 100,000
copies of "ACCOUNT", "active", an organisation code, an upload id or a result message. String
values up to SHARED_STRING_LENGTH characters are interned (sys.intern): one copy each, freed
when no item holds it."""

from __future__ import annotations

import sys
from typing import Any

from moto.dynamodb.models.dynamo_type import DDBType, DynamoType

MOTO_DYNAMO_TYPE_INIT = DynamoType.__init__
SHARED_STRING_LENGTH = 256


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
    elif kind == DDBType.STRING and type(value) is str and len(value) <= SHARED_STRING_LENGTH:
        self.value = sys.intern(value)
    else:
        self.value = value
