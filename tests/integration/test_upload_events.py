"""Upload State Changed events on the embedded stack (docs/api.md#events): every change of every
upload's state published once, in order, also when the events function and the pipeline fail and
are retried. The truth they are checked against is the Jobs table's stream itself."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import boto3
import pytest
from botocore.config import Config

from roster.settings import get_settings
from roster_local.stack.embedded_stack import REGION
from tests.conftest import ADMIN, EXAMPLES

pytestmark = pytest.mark.integration
APPROVER = "community.lead@example.nhs.net"  # RY2's second administrator (examples/directory.json)


def _stream_changes(stack: Any) -> dict[str, list[tuple[str | None, str]]]:
    """Every state change of every upload, read from the Jobs table's stream: (previous, new)."""
    table = stack.client("dynamodb").describe_table(TableName=get_settings().jobs_table)["Table"]
    streams = boto3.client("dynamodbstreams", region_name=REGION, config=Config(account_id_endpoint_mode="disabled"))
    shard = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=table["LatestStreamArn"], ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    changes: dict[str, list[tuple[str | None, str]]] = defaultdict(list)
    while True:
        response = streams.get_records(ShardIterator=iterator, Limit=1000)
        if not response["Records"]:
            return changes
        iterator = response["NextShardIterator"]
        for record in response["Records"]:
            new, old = record["dynamodb"].get("NewImage", {}), record["dynamodb"].get("OldImage", {})
            if new.get("sk", {}).get("S") != "JOB":
                continue
            before = old.get("state", {}).get("S")
            if before != new["state"]["S"]:
                changes[new["job_id"]["S"]].append((before, new["state"]["S"]))


def _published(folder: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()]


def _published_changes(events: list[dict[str, Any]]) -> dict[str, list[tuple[str | None, str]]]:
    changes: dict[str, list[tuple[str | None, str]]] = defaultdict(list)
    for event in events:
        changes[event["detail"]["upload_id"]].append((event["detail"]["previous_state"], event["detail"]["state"]))
    return changes


def test_every_state_change_of_every_upload_is_published_once_in_order(approval_harness):
    first, second = approval_harness.upload(EXAMPLES / "users.csv", EXAMPLES / "updates.csv", approve_as=APPROVER)
    events = _published(first.folder.parent)

    assert _published_changes(events) == _stream_changes(approval_harness.stack)
    assert [state for _, state in _published_changes(events)[second.upload.upload_id]] == [
        "RECEIVED", "VALIDATING", "AWAITING_APPROVAL", "VALIDATING", "QUEUED", "CREATING", "COMPLETED"]
    assert len({e["detail"]["change_key"] for e in events}) == len(events)
    final = events[-1]
    assert final["source"] == "roster" and final["detail-type"] == "Upload State Changed"
    assert final["detail"]["organisations"] == second.upload.orgs
    assert final["detail"]["counts"] == second.upload.counts


def test_a_validate_only_upload_and_an_invalid_file_end_in_their_final_states(harness):
    bad = harness.write("bad.csv", "Title,First Name\r\nDr,Ann\r\n")
    checked, invalid = harness.upload(EXAMPLES / "users.csv", bad, validate_only=True)
    changes = _published_changes(_published(checked.folder.parent))

    assert changes[checked.upload.upload_id][-1] == ("VALIDATING", "VALIDATED")
    assert changes[invalid.upload.upload_id][-1] == ("VALIDATING", "INVALID")
    assert changes == _stream_changes(harness.stack)


@pytest.mark.parametrize("chaos_harness", [
    ("events:before:0.3,events:after:0.5", 3),
    ("events:after:0.6,create:after:0.4,validate:after:0.5,notify:after:0.5", 8),
], indirect=True, ids=["events-faults", "faults-everywhere"])
def test_faults_in_the_events_function_and_the_pipeline_publish_each_change_once(chaos_harness):
    first, second = chaos_harness.upload(EXAMPLES / "users.csv", EXAMPLES / "updates.csv")
    events = _published(first.folder.parent)

    injected = chaos_harness.stack.lambdas.stats.injected
    assert injected.get("events:after"), "no events invocation lost its response: the test proves nothing"
    assert _published_changes(events) == _stream_changes(chaos_harness.stack)
    assert len({e["detail"]["change_key"] for e in events}) == len(events)
    assert {first.upload.state.value, second.upload.state.value} == {"COMPLETED"}


def test_events_reach_a_subscribers_rule_on_the_bus_named_by_the_output(harness):
    stack = harness.stack
    bus = stack.output("EventBusName")
    sqs, events = stack.client("sqs"), stack.client("events")
    url = sqs.create_queue(QueueName="completed-uploads")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="completed", EventBusName=bus, EventPattern=json.dumps(
        {"source": ["roster"], "detail-type": ["Upload State Changed"], "detail": {"state": ["COMPLETED"]}}))
    events.put_targets(Rule="completed", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])

    (result,) = harness.upload(EXAMPLES / "users.csv", admin=ADMIN)

    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["detail"]["upload_id"] for m in messages] == [result.upload.upload_id]
