"""The queue's one dispatch rule (roster.queue.dispatch, docs/csv-format.md#safe-to-repeat): waiting uploads start in
upload order behind earlier ones, an expired hold is taken over, and a create phase starts once.
What the queue itself keeps is tests/unit/ports/test_organisation_queue.py."""

from __future__ import annotations

import pytest

from roster.model.uploads import Upload, UploadState
from roster.queue.dispatch import dispatch_waiting, start_create_phase
from tests.unit.fakes import FakeQueue, FakeUploads, FakeWorkflow


@pytest.fixture
def queue() -> FakeQueue:
    return FakeQueue(hold_seconds=60)


def test_given_waiting_uploads_when_dispatched_then_they_start_in_upload_order_and_earlier_ones_block(
        queue: FakeQueue) -> None:
    started: list[str] = []
    assert queue.try_take("job-a", ["RX1", "RY2"])
    queue.enqueue("job-b", "2026-01-01T00:00:01", ["RX1"])
    queue.enqueue("job-c", "2026-01-01T00:00:02", ["RX1", "Y0301"])
    queue.enqueue("job-d", "2026-01-01T00:00:03", ["Y0301"])
    queue.enqueue("job-e", "2026-01-01T00:00:04", ["RZ9"])

    # b waits for a; c waits behind b (upload order); d waits behind c; e shares nothing
    assert dispatch_waiting(queue, started.append) == ["job-e"]
    queue.release("job-a", ["RX1", "RY2"])
    assert dispatch_waiting(queue, started.append) == ["job-b"]
    assert started == ["job-e", "job-b"]
    assert [entry.upload_id for entry in queue.waiting()] == ["job-c", "job-d"]


def test_given_an_upload_that_died_holding_when_its_hold_expires_then_the_next_dispatch_takes_it_over(
        queue: FakeQueue) -> None:
    queue.try_take("job-b", ["RX1"])
    queue.enqueue("job-c", "2026-01-01T00:00:02", ["RX1"])
    assert dispatch_waiting(queue, lambda upload_id: None) == []

    queue.now += 61
    assert dispatch_waiting(queue, lambda upload_id: None) == ["job-c"]
    assert queue.holder("RX1") == "job-c"


def _queued_upload(uploads: FakeUploads, state: UploadState = UploadState.QUEUED) -> Upload:
    upload = Upload(upload_id="job-1", bucket="b", key="uploads/a/1/users.csv", file_name="users.csv", uploader="a@nhs.net",
                    state=state, batch_list_key="batches/job-1/batches.json")
    uploads.create_if_absent(upload)
    return upload


def test_given_a_queued_upload_when_its_create_phase_starts_then_it_is_creating_with_one_execution() -> None:
    uploads, workflow = FakeUploads(), FakeWorkflow()
    _queued_upload(uploads)

    start_create_phase(uploads, workflow, "job-1")
    start_create_phase(uploads, workflow, "job-1")

    assert uploads.get("job-1").state is UploadState.CREATING
    assert workflow.executions == {"job-1": {"job_id": "job-1", "bucket": "b",
                                             "batch_list_key": "batches/job-1/batches.json"}}


def test_given_a_finished_upload_when_started_again_then_nothing_happens() -> None:
    uploads, workflow = FakeUploads(), FakeWorkflow()
    _queued_upload(uploads, UploadState.COMPLETED)

    start_create_phase(uploads, workflow, "job-1")

    assert uploads.get("job-1").state is UploadState.COMPLETED and workflow.executions == {}
