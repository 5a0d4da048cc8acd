"""The stand-in's poller of a DynamoDB stream (roster_local.stack.stream_source), and the moto
behaviour it relies on: GetRecords through the regional endpoint, records in write order with
both images. When moto routes the account endpoint (<account>.streams-ddb.<region>), the
poller's client configuration can go; when moto stops answering as below, the poller must change."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from roster_local.stack.embedded_stack import REGION
from roster_local.stack.stream_source import StreamEventSource


@pytest.fixture
def table() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        created = dynamodb.create_table(
            TableName="jobs", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        yield dynamodb, created["TableDescription"]["LatestStreamArn"]


def _streams() -> Any:
    return boto3.client("dynamodbstreams", region_name=REGION, config=Config(account_id_endpoint_mode="disabled"))


def _put(dynamodb: Any, sk: str, state: str) -> None:
    dynamodb.put_item(TableName="jobs", Item={"pk": {"S": "JOB#1"}, "sk": {"S": sk}, "state": {"S": state}})


def test_moto_does_not_route_the_account_endpoint_botocore_picks_for_a_stream_arn(table):
    _, arn = table
    with pytest.raises(ClientError, match="Not yet implemented"):
        boto3.client("dynamodbstreams", region_name=REGION).describe_stream(StreamArn=arn)


def test_moto_answers_records_in_write_order_with_both_images_on_the_regional_endpoint(table):
    dynamodb, arn = table
    _put(dynamodb, "JOB", "RECEIVED")
    _put(dynamodb, "JOB", "VALIDATING")
    streams = _streams()
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]

    records = streams.get_records(ShardIterator=iterator)["Records"]

    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    assert records[1]["dynamodb"]["OldImage"]["state"] == {"S": "RECEIVED"}
    assert records[1]["dynamodb"]["NewImage"]["state"] == {"S": "VALIDATING"}
    assert int(records[0]["dynamodb"]["SequenceNumber"]) < int(records[1]["dynamodb"]["SequenceNumber"])


class ScriptedFunction:
    """A function that fails as scripted: a list of answers, one per invocation, then success."""

    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.batches: list[list[str]] = []
        self.lock = threading.Lock()

    def invoke(self, function: str, event: dict[str, Any]) -> tuple[Any, bool]:
        with self.lock:
            states = [r["dynamodb"]["NewImage"]["state"]["S"] for r in event["Records"]]
            self.batches.append(states)
            answer = self.answers.pop(0) if self.answers else {"batchItemFailures": []}
        if answer == "error":
            return {"errorType": "Boom"}, True
        if answer == "fail-second":
            return {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["dynamodb"]["SequenceNumber"]}]}, False
        return answer, False


def _source(function: ScriptedFunction, arn: str, **properties: Any) -> StreamEventSource:
    return StreamEventSource(function, _streams(), "events", {  # type: ignore[arg-type]
        "Stream": arn, "StartingPosition": "TRIM_HORIZON", "BatchSize": 10,
        "FunctionResponseTypes": ["ReportBatchItemFailures"], **properties}, REGION)


def test_the_poller_keeps_only_records_the_filter_matches_and_hands_them_over_in_lambdas_shape(table):
    dynamodb, arn = table
    _put(dynamodb, "JOB", "RECEIVED")
    _put(dynamodb, "ROW#0000002", "ROW")
    function = ScriptedFunction([])
    source = _source(function, arn, FilterCriteria={"Filters": [
        {"Pattern": json.dumps({"dynamodb": {"Keys": {"sk": {"S": ["JOB"]}}}})}]})
    source.start()
    try:
        assert source.wait_caught_up(10)
    finally:
        source.stop()

    assert function.batches == [["RECEIVED"]]


def test_a_failed_batch_is_sent_again_and_a_reported_record_is_resent_with_those_after_it(table):
    dynamodb, arn = table
    for state in ("RECEIVED", "VALIDATING", "QUEUED"):
        _put(dynamodb, "JOB", state)
    function = ScriptedFunction(["error", "fail-second"])
    source = _source(function, arn)
    source.start()
    try:
        assert source.wait_caught_up(10)
    finally:
        source.stop()

    assert function.batches == [["RECEIVED", "VALIDATING", "QUEUED"], ["RECEIVED", "VALIDATING", "QUEUED"],
                                ["VALIDATING", "QUEUED"]]
