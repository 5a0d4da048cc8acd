"""The stand-in's own TransactWriteItems (moto_patches.transact_write) answers as moto's does,
without copying tables: every write or none, one cancellation reason per item with moto's
codes, only the touched items put back, moto's validation errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models import DynamoDBBackend

from roster_local.moto_patches import transact_write
from tests.standin.conftest import DIRECTORY, Moto, create_table_from_template

OTHER = "directory-under-moto"


def _put(pk: str, table: str = DIRECTORY, **extra: Any) -> dict[str, Any]:
    item = {"pk": {"S": pk}, "sk": {"S": "ACCOUNT"}, **{k: {"S": v} for k, v in extra.items()}}
    return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}


def _error(moto_env: Moto, items: list[dict[str, Any]]) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        moto_env.dynamodb.transact_write_items(TransactItems=items)
    response = caught.value.response
    return {"Code": response["Error"]["Code"], "Message": response["Error"]["Message"],
            "CancellationReasons": response.get("CancellationReasons")}


def _answers_of_moto_itself(moto_env: Moto, monkeypatch: pytest.MonkeyPatch, existing: list[str],
                            items: list[dict[str, Any]]) -> dict[str, Any]:
    """The same transaction, on a table holding the same items, answered by unpatched moto."""
    create_table_from_template(moto_env.dynamodb, "DirectoryTable", OTHER)
    for pk in existing:
        moto_env.dynamodb.put_item(TableName=OTHER, Item={"pk": {"S": pk}, "sk": {"S": "ACCOUNT"}})
    retargeted = [{op: {**body, "TableName": OTHER}} for entry in items for op, body in entry.items()]
    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", transact_write.MOTO_TRANSACT_WRITE_ITEMS)
    return _error(moto_env, retargeted)


def test_given_free_keys_when_the_transaction_runs_then_every_item_is_written(moto_env):
    moto_env.dynamodb.transact_write_items(TransactItems=[_put("A"), _put("B"), _put("C")])

    assert moto_env.keys() == {("A", "ACCOUNT"), ("B", "ACCOUNT"), ("C", "ACCOUNT")}


def test_given_one_taken_key_when_the_transaction_runs_then_nothing_is_written_and_reasons_match_moto(
        moto_env, monkeypatch):
    moto_env.put(pk="B", sk="ACCOUNT", name="before")
    items = [_put("A"), _put("B"), _put("C")]

    ours = _error(moto_env, items)
    theirs = _answers_of_moto_itself(moto_env, monkeypatch, ["B"], items)

    assert ours["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in ours["CancellationReasons"]] == ["None", "ConditionalCheckFailed", "None"]
    assert ours == theirs
    assert moto_env.keys() == {("B", "ACCOUNT")}


def test_given_all_old_when_a_condition_fails_then_its_reason_holds_the_old_item_as_moto_gives_it(
        moto_env, monkeypatch):
    moto_env.put(pk="B", sk="ACCOUNT")
    failing = _put("B")
    failing["Put"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    items = [_put("A"), failing]

    ours = _error(moto_env, items)
    theirs = _answers_of_moto_itself(moto_env, monkeypatch, ["B"], items)

    assert ours["CancellationReasons"][1]["Item"] == {"pk": {"S": "B"}, "sk": {"S": "ACCOUNT"}}
    assert ours == theirs


def test_given_update_delete_and_condition_check_when_all_pass_then_each_applies(moto_env):
    moto_env.put(pk="U", sk="ACCOUNT", status="active")
    moto_env.put(pk="D", sk="ACCOUNT")
    moto_env.put(pk="C", sk="ACCOUNT", status="active")
    key = {"sk": {"S": "ACCOUNT"}}

    moto_env.dynamodb.transact_write_items(TransactItems=[
        {"Update": {"TableName": DIRECTORY, "Key": {"pk": {"S": "U"}, **key}, "UpdateExpression": "SET #s = :l",
                    "ConditionExpression": "#s = :a", "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {":l": {"S": "leaver"}, ":a": {"S": "active"}}}},
        {"Delete": {"TableName": DIRECTORY, "Key": {"pk": {"S": "D"}, **key}}},
        {"ConditionCheck": {"TableName": DIRECTORY, "Key": {"pk": {"S": "C"}, **key},
                            "ConditionExpression": "attribute_exists(pk)"}},
    ])

    assert moto_env.keys() == {("U", "ACCOUNT"), ("C", "ACCOUNT")}
    item = moto_env.dynamodb.get_item(TableName=DIRECTORY, Key={"pk": {"S": "U"}, **key})["Item"]
    assert item["status"] == {"S": "leaver"}


def test_given_a_write_moto_refuses_when_it_comes_after_others_then_only_those_are_put_back(moto_env):
    moto_env.put(pk="KEEP", sk="ACCOUNT", name="untouched")
    moto_env.put(pk="U", sk="ACCOUNT", status="active")
    untouched = moto_env.backend.get_table(DIRECTORY).items
    before = {key: dict(group) for key, group in untouched.items()}
    key = {"sk": {"S": "ACCOUNT"}}
    bad_key_type = {"Put": {"TableName": DIRECTORY, "Item": {"pk": {"N": "1"}, "sk": {"S": "ACCOUNT"}}}}
    items = [
        _put("NEW"),
        {"Update": {"TableName": DIRECTORY, "Key": {"pk": {"S": "U"}, **key}, "UpdateExpression": "SET #s = :l",
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {":l": {"S": "leaver"}}}},
        bad_key_type,
    ]

    with pytest.raises(Exception, match="Type mismatch for key pk"):
        moto_env.backend.transact_write_items(items)

    assert moto_env.keys() == {("KEEP", "ACCOUNT"), ("U", "ACCOUNT")}
    table = moto_env.backend.get_table(DIRECTORY)
    assert table.items is untouched, "the table was replaced by a copy"
    keep = next(iter(before[next(k for k in before if k.value == "KEEP")].values()))
    assert next(iter(table.items[keep.hash_key].values())) is keep, "an untouched item was rewritten"
    status = moto_env.dynamodb.get_item(TableName=DIRECTORY, Key={"pk": {"S": "U"}, **key})["Item"]["status"]
    assert status == {"S": "active"}


def test_given_two_operations_on_one_item_then_it_is_refused_as_moto_refuses_it(moto_env, monkeypatch):
    items = [_put("A"), _put("A")]

    ours = _error(moto_env, items)
    theirs = _answers_of_moto_itself(moto_env, monkeypatch, [], items)

    assert ours["Code"] == "ValidationException"
    assert ours["Message"] == "Transaction request cannot include multiple operations on one item"
    assert ours == theirs
    assert moto_env.keys() == set()


def test_given_one_item_named_with_its_key_in_another_order_then_it_is_still_one_item(moto_env):
    moto_env.put(pk="A", sk="ACCOUNT")
    reordered_key = {"sk": {"S": "ACCOUNT"}, "pk": {"S": "A"}}

    error = _error(moto_env, [_put("A"), {"Delete": {"TableName": DIRECTORY, "Key": reordered_key}}])

    assert error["Message"] == "Transaction request cannot include multiple operations on one item"


def test_given_more_than_100_items_then_it_is_refused_as_moto_refuses_it(moto_env, monkeypatch):
    items = [_put(f"P{i}") for i in range(101)]

    ours = _error(moto_env, items)
    theirs = _answers_of_moto_itself(moto_env, monkeypatch, [], items)

    assert ours["Code"] == "ValidationException"
    assert "Member must have length less than or equal to 100" in ours["Message"]
    assert ours == theirs
    assert moto_env.keys() == set()


def test_given_exactly_100_items_then_they_are_written(moto_env):
    moto_env.dynamodb.transact_write_items(TransactItems=[_put(f"P{i}") for i in range(100)])

    assert len(moto_env.keys()) == 100
