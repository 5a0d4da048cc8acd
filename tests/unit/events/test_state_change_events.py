"""Upload State Changed events (docs/api.md#events) on fakes: which stream records are changes,
what an event says, once per change, and the handler's order under failures."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from roster.adapters.eventbridge import EventBridgeUploadEvents, EventPublishFailed
from roster.events.state_changes import UploadStateChange, state_change
from roster.events.step import StateChangeEvents, StreamRecordImages

ROOT = Path(__file__).resolve().parents[3]


def _upload(state: str, **extra: Any) -> dict[str, Any]:
    return {"pk": "JOB#u1", "sk": "JOB", "job_id": "u1", "state": state, "orgs": ["RX1", "RY2"],
            "counts": {"rows": 3, "created": 2}, "updated_at": "2026-12-07T01:00:00+00:00", **extra}


class PublishedOnce:
    """publish_once as Powertools idempotency makes it: a change key seen before publishes nothing."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.published: list[UploadStateChange] = []

    def __call__(self, change: UploadStateChange) -> None:
        if change.change_key not in self.keys:
            self.keys.add(change.change_key)
            self.published.append(change)


def test_given_a_state_that_changed_when_read_then_the_event_names_both_states_and_the_upload():
    change = state_change(_upload("VALIDATING"), _upload("QUEUED"), "101", "2026-12-07T00:59:59+00:00")

    assert change is not None
    assert change.detail() == {"upload_id": "u1", "state": "QUEUED", "previous_state": "VALIDATING",
                               "organisations": ["RX1", "RY2"], "counts": {"rows": 3, "created": 2},
                               "at": "2026-12-07T01:00:00+00:00", "change_key": "u1#101"}


def test_given_a_new_upload_record_when_read_then_its_previous_state_is_none():
    change = state_change(None, _upload("AWAITING_FILE"), "7", "")

    assert change is not None and change.previous_state is None and change.state == "AWAITING_FILE"


@pytest.mark.parametrize(("old", "new"), [
    (_upload("CREATING"), _upload("CREATING", progress={"created": 100})),  # progress, same state
    (_upload("AWAITING_FILE"), None),  # an unused form's record expired
    (None, {"pk": "JOB#u1#ROWS01", "sk": "ROW#0000002", "line": 2}),  # a row outcome
    (None, {"pk": "JOB#u1", "sk": "ORG#RX1"}),  # a listing entry
])
def test_given_a_write_that_is_not_a_state_change_when_read_then_no_event(old, new):
    assert state_change(old, new, "1", "") is None


def test_given_a_stream_record_delivered_twice_when_consumed_then_one_event():
    published = PublishedOnce()
    step = StateChangeEvents(published)
    record = StreamRecordImages(_upload("VALIDATING"), _upload("QUEUED"), "55", "")

    step.record(record)
    step.record(record)

    assert [c.change_key for c in published.published] == ["u1#55"]


def test_given_the_same_states_changed_again_later_when_consumed_then_a_second_event():
    # QUEUED -> CREATING can happen twice for one upload only as two changes: two stream records.
    published = PublishedOnce()
    step = StateChangeEvents(published)

    step.record(StreamRecordImages(_upload("QUEUED"), _upload("CREATING"), "10", ""))
    step.record(StreamRecordImages(_upload("QUEUED"), _upload("CREATING"), "12", ""))

    assert len(published.published) == 2


class FakeEventBridge:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.entries: list[dict[str, Any]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 (boto3's name)
        self.entries.extend(Entries)
        if self.fail:
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}]}
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "e1"}]}


def test_given_a_change_when_published_then_one_entry_on_the_bus_with_roster_source_and_detail_type():
    bus = FakeEventBridge()
    detail = state_change(_upload("CREATING"), _upload("COMPLETED"), "9", "")
    assert detail is not None

    EventBridgeUploadEvents(bus, "roster-events").publish(detail.detail())

    (entry,) = bus.entries
    assert entry["Source"] == "roster" and entry["DetailType"] == "Upload State Changed"
    assert entry["EventBusName"] == "roster-events"
    assert json.loads(entry["Detail"])["state"] == "COMPLETED"


def test_given_eventbridge_refuses_the_entry_when_published_then_it_raises_to_be_retried():
    with pytest.raises(EventPublishFailed, match="InternalFailure"):
        EventBridgeUploadEvents(FakeEventBridge(fail=True), "bus").publish({"at": "2026-12-07T01:00:00+00:00"})


def test_given_no_bus_configured_when_built_then_it_refuses_naming_the_variable():
    with pytest.raises(ValueError, match="ROSTER_EVENT_BUS_NAME"):
        EventBridgeUploadEvents(FakeEventBridge(), "")


# -- the handler: order under failures -------------------------------------------------------

def _handler_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("events_app_under_test", ROOT / "functions/events/app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _stream_record(sequence: str, old_state: str, new_state: str) -> dict[str, Any]:
    def image(state: str) -> dict[str, Any]:
        return {"pk": {"S": "JOB#u1"}, "sk": {"S": "JOB"}, "job_id": {"S": "u1"}, "state": {"S": state},
                "orgs": {"L": [{"S": "RX1"}]}, "counts": {"M": {"rows": {"N": "3"}}},
                "updated_at": {"S": "2026-12-07T01:00:00+00:00"}}
    return {"eventID": sequence, "eventName": "MODIFY", "eventSource": "aws:dynamodb", "awsRegion": "eu-west-2",
            "dynamodb": {"SequenceNumber": sequence, "ApproximateCreationDateTime": 1796605200,
                         "Keys": {"pk": {"S": "JOB#u1"}, "sk": {"S": "JOB"}}, "StreamViewType": "NEW_AND_OLD_IMAGES",
                         "OldImage": image(old_state), "NewImage": image(new_state)}}


class _Context:
    function_name = "events"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:events"
    aws_request_id = "r1"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def test_given_the_second_record_fails_when_handled_then_it_and_every_later_record_are_reported(monkeypatch):
    app = _handler_module()
    published: list[str] = []

    def publish_once(change: UploadStateChange) -> None:
        if change.state == "CREATING":
            raise EventPublishFailed("EventBridge refused the event")
        published.append(change.state)

    monkeypatch.setattr(app.wiring, "state_change_events", lambda: StateChangeEvents(publish_once))
    monkeypatch.setattr(app.wiring, "register_lambda_context", lambda context: None)
    event = {"Records": [_stream_record("1", "VALIDATING", "QUEUED"), _stream_record("2", "QUEUED", "CREATING"),
                         _stream_record("3", "CREATING", "COMPLETED")]}

    answer = app.lambda_handler(event, _Context())

    assert published == ["QUEUED"], "COMPLETED must not overtake the CREATING that failed"
    assert answer == {"batchItemFailures": [{"itemIdentifier": "2"}, {"itemIdentifier": "3"}]}
