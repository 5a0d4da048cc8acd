"""DynamoDB items as plain values: from_item takes strings, numbers and booleans straight from
their pair, and must read every item exactly as boto3's TypeDeserializer (plus whole numbers
as int) would."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from hypothesis import given
from hypothesis import strategies as st

from roster.adapters.dynamodb import _plain, from_item, to_item

_numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(Decimal),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9),
    st.sampled_from([Decimal("4.0"), Decimal("1E+2"), Decimal("-0"), Decimal("0.5")]),
)
_scalars = st.one_of(st.text(max_size=20), _numbers, st.booleans(), st.binary(max_size=8))
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=8,
)


def _as_boto3_reads_it(item: dict[str, Any]) -> dict[str, Any]:
    deserializer = TypeDeserializer()
    return {key: _plain(deserializer.deserialize(raw)) for key, raw in item.items()}


@given(st.dictionaries(st.text(min_size=1, max_size=8), _values, max_size=6))
def test_given_any_item_when_read_then_it_equals_boto3_s_reading_with_whole_numbers_as_int(values):
    item = to_item(values)

    read = from_item(item)

    expected = _as_boto3_reads_it(item)
    assert read == expected
    assert {k: type(v) for k, v in read.items()} == {k: type(v) for k, v in expected.items()}


def test_given_numbers_in_dynamodb_s_text_forms_when_read_then_whole_ones_are_int_and_others_float():
    item = {"a": {"N": "4"}, "b": {"N": "4.0"}, "c": {"N": "1E+2"}, "d": {"N": "0.25"}, "e": {"N": "-7"}}

    read = from_item(item)

    assert read == {"a": 4, "b": 4, "c": 100, "d": 0.25, "e": -7}
    assert [type(v) for v in read.values()] == [int, int, int, float, int]


def test_given_sets_and_null_when_read_then_sets_are_sorted_lists_and_null_is_none():
    item = {"tags": {"SS": ["b", "a"]}, "counts": {"NS": ["2", "1.5"]}, "gone": {"NULL": True}}

    assert from_item(item) == {"tags": ["a", "b"], "counts": [1.5, 2], "gone": None}
