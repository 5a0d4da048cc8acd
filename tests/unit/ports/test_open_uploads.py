"""What every OpenUploadRecords keeps (roster.ports.OpenUploadRecords): uploads not in a final state, by
state and oldest first, and the sweeper's guarded change to FAILED. Run here on the fake, and on
the DynamoDB UploadStore and OpenUploads by tests/integration/test_port_contracts.py."""

from __future__ import annotations

import pytest

from roster.model.uploads import Upload, UploadState
from roster.ports import OpenUploadRecords, UploadRecords
from tests.unit.fakes import FakeUploads


@pytest.fixture
def open_uploads() -> tuple[UploadRecords, OpenUploadRecords]:
    uploads = FakeUploads()
    return uploads, uploads


def _upload(upload_id: str, state: UploadState, created_at: str) -> Upload:
    return Upload(upload_id=upload_id, state=state, bucket="b", key=f"uploads/a@nhs.net/{upload_id}/users.csv",
                  file_name="users.csv", uploader="a@nhs.net", created_at=created_at, updated_at=created_at)


def test_given_uploads_in_several_states_then_each_state_lists_its_own_oldest_first(open_uploads) -> None:
    uploads, index = open_uploads
    uploads.create_if_absent(_upload("cccc", UploadState.VALIDATING, "2026-03-02T12:03:00+00:00"))
    uploads.create_if_absent(_upload("aaaa", UploadState.VALIDATING, "2026-03-02T12:01:00+00:00"))
    uploads.create_if_absent(_upload("bbbb", UploadState.RECEIVED, "2026-03-02T12:02:00+00:00"))
    uploads.create_if_absent(_upload("dddd", UploadState.COMPLETED, "2026-03-02T12:00:00+00:00"))

    validating = index.in_state(UploadState.VALIDATING)

    assert [(o.upload.upload_id, o.since) for o in validating] == [("aaaa", "2026-03-02T12:01:00+00:00"),
                                                                   ("cccc", "2026-03-02T12:03:00+00:00")]
    assert [o.upload.upload_id for o in index.in_state(UploadState.RECEIVED)] == ["bbbb"]
    assert index.in_state(UploadState.QUEUED) == [] and index.in_state(UploadState.COMPLETED) == []


def test_given_a_time_then_only_uploads_that_entered_their_state_before_it_are_listed(open_uploads) -> None:
    uploads, index = open_uploads
    uploads.create_if_absent(_upload("aaaa", UploadState.CREATING, "2026-03-02T12:01:00+00:00"))
    uploads.create_if_absent(_upload("bbbb", UploadState.CREATING, "2026-03-02T12:02:00+00:00"))

    assert [o.upload.upload_id for o in index.in_state(UploadState.CREATING, "2026-03-02T12:02:00+00:00")] == ["aaaa"]
    assert index.in_state(UploadState.CREATING, "2026-03-02T12:01:00+00:00") == []


def test_given_an_upload_that_changes_state_then_it_moves_and_leaves_when_it_ends(open_uploads) -> None:
    uploads, index = open_uploads
    uploads.create_if_absent(_upload("aaaa", UploadState.VALIDATING, "2026-03-02T12:01:00+00:00"))

    uploads.update("aaaa", state=UploadState.QUEUED)
    (queued,) = index.in_state(UploadState.QUEUED)
    uploads.update("aaaa", state=UploadState.COMPLETED)

    assert index.in_state(UploadState.VALIDATING) == [] and queued.since == queued.upload.updated_at
    assert index.in_state(UploadState.QUEUED) == [] and index.in_state(UploadState.COMPLETED) == []


def test_given_an_upload_in_one_of_the_states_when_failed_then_it_is_failed_once(open_uploads) -> None:
    uploads, index = open_uploads
    uploads.create_if_absent(_upload("aaaa", UploadState.VALIDATING, "2026-03-02T12:01:00+00:00"))

    failed = index.fail_if_in("aaaa", [UploadState.RECEIVED, UploadState.VALIDATING], "ValidationTimeout: too long")
    again = index.fail_if_in("aaaa", [UploadState.RECEIVED, UploadState.VALIDATING], "ValidationTimeout: again")

    assert failed is not None and (failed.state, failed.error) == (UploadState.FAILED, "ValidationTimeout: too long")
    assert again is None and uploads.get("aaaa").error == "ValidationTimeout: too long"
    assert index.in_state(UploadState.VALIDATING) == []


def test_given_an_upload_in_another_state_or_none_when_failed_then_nothing_changes(open_uploads) -> None:
    uploads, index = open_uploads
    uploads.create_if_absent(_upload("aaaa", UploadState.CREATING, "2026-03-02T12:01:00+00:00"))

    assert index.fail_if_in("aaaa", [UploadState.QUEUED], "QueueTimeout") is None
    assert index.fail_if_in("no-such-job", [UploadState.QUEUED], "QueueTimeout") is None
    assert uploads.get("aaaa").state is UploadState.CREATING and uploads.get("aaaa").error is None
