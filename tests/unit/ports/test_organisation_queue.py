"""What every OrganisationQueue keeps (roster.ports.OrganisationQueue): all-or-nothing holds
that expire, and the queue in upload order. Run here on the fake, and on the DynamoDB
OrganisationHolds by tests/integration/test_port_contracts.py (where `holder` and `now` are
read and moved the same way)."""

from __future__ import annotations

import pytest

from roster.model.uploads import QueuedUpload
from tests.unit.fakes import FakeQueue


@pytest.fixture
def queue() -> FakeQueue:
    return FakeQueue(hold_seconds=60)


def test_given_free_organisations_when_taken_then_every_hold_is_the_uploads(queue: FakeQueue) -> None:
    assert queue.try_take("job-a", ["RX1", "RY2", "RX1"])
    assert (queue.holder("RX1"), queue.holder("RY2")) == ("job-a", "job-a")


def test_given_one_organisation_held_when_taking_several_then_none_is_taken(queue: FakeQueue) -> None:
    queue.try_take("job-a", ["RX1"])

    assert not queue.try_take("job-b", ["RY2", "RX1"])
    assert queue.holder("RY2") is None


def test_given_an_upload_holding_when_it_takes_again_then_it_keeps_its_holds(queue: FakeQueue) -> None:
    queue.try_take("job-a", ["RX1"])
    assert queue.try_take("job-a", ["RX1"])


def test_given_a_hold_of_another_upload_when_released_then_it_is_left_alone(queue: FakeQueue) -> None:
    queue.try_take("job-a", ["RX1"])
    queue.release("job-b", ["RX1"])
    assert queue.holder("RX1") == "job-a"


def test_given_an_upload_enqueued_twice_then_it_waits_once(queue: FakeQueue) -> None:
    queue.enqueue("job-b", "2026-01-01T00:00:01", ["RX1"])
    queue.enqueue("job-b", "2026-01-01T00:00:01", ["RX1"])
    assert [entry.upload_id for entry in queue.waiting()] == ["job-b"]


def test_given_no_organisations_when_taken_then_there_is_nothing_to_wait_for(queue: FakeQueue) -> None:
    assert queue.try_take("job-a", [])


def test_given_a_hold_when_it_expires_then_another_upload_takes_it_and_the_first_cannot_release_it(
        queue: FakeQueue) -> None:
    queue.try_take("job-a", ["RX1"])
    queue.now += 60
    assert not queue.try_take("job-b", ["RX1"])  # held until now inclusive

    queue.now += 1
    assert queue.try_take("job-b", ["RX1", "RY2"])
    queue.release("job-a", ["RX1"])
    assert (queue.holder("RX1"), queue.holder("RY2")) == ("job-b", "job-b")

    queue.release("job-b", ["RX1", "RY2"])
    assert (queue.holder("RX1"), queue.holder("RY2")) == (None, None)


def test_given_uploads_enqueued_out_of_order_then_they_wait_in_upload_order(queue: FakeQueue) -> None:
    queue.enqueue("job-c", "2026-01-01T00:00:03", ["RY2", "RX1", "RX1"])
    queue.enqueue("job-a", "2026-01-01T00:00:01", ["RX1"])
    queue.enqueue("job-b", "2026-01-01T00:00:01", [])

    assert queue.waiting() == [QueuedUpload("2026-01-01T00:00:01#job-a", "job-a", ("RX1",)),
                               QueuedUpload("2026-01-01T00:00:01#job-b", "job-b", ()),
                               QueuedUpload("2026-01-01T00:00:03#job-c", "job-c", ("RX1", "RY2"))]
    assert queue.queue_length() == 3


def test_given_waiting_uploads_when_one_starts_and_one_ends_then_both_leave_the_queue(queue: FakeQueue) -> None:
    queue.enqueue("job-a", "2026-01-01T00:00:01", ["RX1"])
    queue.enqueue("job-b", "2026-01-01T00:00:02", ["RX1"])
    queue.enqueue("job-c", "2026-01-01T00:00:03", ["RX1"])

    queue.remove(queue.waiting()[0])
    queue.dequeue("job-c", "2026-01-01T00:00:03")
    queue.dequeue("job-b", "2026-01-01T00:00:09")  # not where job-b waits: it stays

    assert [entry.upload_id for entry in queue.waiting()] == ["job-b"] and queue.queue_length() == 1
