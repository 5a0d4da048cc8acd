"""What every UploadRecords keeps (roster.ports.UploadRecords): run here on the fake, and on the
DynamoDB UploadStore by tests/integration/test_port_contracts.py, so the fake stays faithful."""

from __future__ import annotations

import pytest

from roster.errors import UploadNotFound, UploadStateChanged
from roster.model.rows import RowResult
from roster.model.uploads import RowOutcome, Upload, UploadState
from roster.model.writes import OutcomeRecord
from roster.ports import Transactions, UploadRecords
from tests.unit.fakes import FakeDirectory, FakeTransactions, FakeUploads


@pytest.fixture
def upload_records() -> tuple[UploadRecords, Transactions]:
    uploads = FakeUploads()
    return uploads, FakeTransactions(FakeDirectory(), uploads)


def _upload(upload_id: str = "job-1") -> Upload:
    return Upload(upload_id=upload_id, bucket="b", key=f"uploads/a@nhs.net/1/{upload_id}.csv", file_name="users.csv",
                  uploader="a@nhs.net")


def test_given_no_upload_when_read_then_upload_not_found(upload_records) -> None:
    uploads, _ = upload_records
    with pytest.raises(UploadNotFound):
        uploads.get("nothing-here")


def test_given_an_upload_when_created_again_then_the_first_record_comes_back(upload_records) -> None:
    uploads, _ = upload_records
    created, is_new = uploads.create_if_absent(_upload())
    uploads.update("job-1", state=UploadState.VALIDATING)

    again, is_new_again = uploads.create_if_absent(_upload())

    assert (is_new, is_new_again) == (True, False)
    assert again.state is UploadState.VALIDATING and again.created_at == created.created_at


def test_given_an_upload_when_updated_then_values_are_set_and_none_removes(upload_records) -> None:
    uploads, _ = upload_records
    uploads.create_if_absent(_upload())
    uploads.update("job-1", state=UploadState.QUEUED, orgs=["RX1"], counts={**_upload().counts, "rows": 3},
                   report_key="reports/job-1/validation.csv")

    uploads.update("job-1", report_key=None, error="boom")

    upload = uploads.get("job-1")
    assert (upload.state, upload.orgs, upload.counts["rows"], upload.report_key, upload.error) == (
        UploadState.QUEUED, ["RX1"], 3, None, "boom")


def test_given_outcomes_recorded_then_they_are_read_back_by_line(upload_records) -> None:
    uploads, transactions = upload_records
    uploads.create_if_absent(_upload())
    for line in (3, 2):
        outcome = RowOutcome(line=line, result=RowResult.CREATED, message="Created.", email=f"u{line}@nhs.net")
        assert transactions.commit({"outcome": OutcomeRecord("job-1", outcome)}) is None

    assert list(uploads.outcomes("job-1")) == [2, 3]
    assert list(uploads.outcomes_for("job-1", [2, 4])) == [2]
    assert uploads.outcomes("job-2") == {}


def test_given_an_outcome_recorded_when_recorded_again_then_the_write_is_refused(upload_records) -> None:
    uploads, transactions = upload_records
    uploads.create_if_absent(_upload())
    first = RowOutcome(line=2, result=RowResult.CREATED, message="Created.")
    transactions.commit({"outcome": OutcomeRecord("job-1", first)})

    cancelled = transactions.commit({"outcome": OutcomeRecord("job-1", first.model_copy(update={"message": "x"}))})

    assert cancelled is not None and cancelled.refused == {"outcome"}
    assert uploads.outcomes("job-1")[2].message == "Created."


def test_given_a_batch_counted_when_counted_again_then_progress_is_added_once(upload_records) -> None:
    uploads, _ = upload_records
    uploads.create_if_absent(_upload())

    assert uploads.record_batch_progress("job-1", 1, {"created": 2, "failed": 1})
    assert not uploads.record_batch_progress("job-1", 1, {"created": 2, "failed": 1})
    assert uploads.record_batch_progress("job-1", 2, {"created": 1})

    assert uploads.get("job-1").progress == {"created": 3, "failed": 1}


def test_given_a_condition_when_it_holds_then_the_update_applies_once(upload_records) -> None:
    uploads, _ = upload_records
    uploads.create_if_absent(_upload())
    uploads.update("job-1", state=UploadState.AWAITING_APPROVAL, approval_revision=1)
    expected = {"state": UploadState.AWAITING_APPROVAL, "approval_revision": 1}

    first = uploads.update_if("job-1", expected, state=UploadState.CANCELLED, approval_revision=2, cancelled_by="a@nhs.net")
    second = uploads.update_if("job-1", expected, state=UploadState.VALIDATING, approval_revision=2)

    upload = uploads.get("job-1")
    assert (first, second) == (True, False)
    assert (upload.state, upload.approval_revision, upload.cancelled_by) == (UploadState.CANCELLED, 2, "a@nhs.net")


def test_given_an_absent_attribute_expected_then_the_condition_checks_its_absence(upload_records) -> None:
    uploads, _ = upload_records
    uploads.create_if_absent(_upload())

    assert uploads.update_if("job-1", {"cancelled_by": None}, cancelled_by="a@nhs.net")
    assert not uploads.update_if("job-1", {"cancelled_by": None}, cancelled_by="b@nhs.net")
    assert not uploads.update_if("no-such-job", {"cancelled_by": None}, cancelled_by="b@nhs.net")
    assert uploads.get("job-1").cancelled_by == "a@nhs.net"


def test_given_approval_deadlines_then_those_due_come_back_earliest_first(upload_records) -> None:
    uploads, _ = upload_records
    uploads.add_approval_deadline("bbbb", "2026-12-01T12:00:00+00:00")
    uploads.add_approval_deadline("aaaa", "2026-12-01T12:00:00+00:00")
    uploads.add_approval_deadline("cccc", "2026-11-30T09:00:00+00:00")
    uploads.add_approval_deadline("dddd", "2026-12-01T12:00:01+00:00")
    uploads.add_approval_deadline("cccc", "2026-11-30T09:00:00+00:00")  # filed twice: once

    due = uploads.approval_deadlines_due("2026-12-01T12:00:00+00:00")
    uploads.remove_approval_deadline("cccc", "2026-11-30T09:00:00+00:00")

    assert due == [("cccc", "2026-11-30T09:00:00+00:00"), ("aaaa", "2026-12-01T12:00:00+00:00"),
                   ("bbbb", "2026-12-01T12:00:00+00:00")]
    assert [upload_id for upload_id, _ in uploads.approval_deadlines_due("2026-12-31T00:00:00+00:00")] == [
        "aaaa", "bbbb", "dddd"]


def test_given_an_upload_in_another_state_when_updated_expecting_a_state_then_it_is_refused(upload_records) -> None:
    uploads, _ = upload_records
    uploads.create_if_absent(_upload())

    with pytest.raises(UploadStateChanged):
        uploads.update("job-1", expect_state=UploadState.VALIDATING, state=UploadState.QUEUED)
    uploads.update("job-1", expect_state=UploadState.RECEIVED, state=UploadState.VALIDATING)

    assert uploads.get("job-1").state is UploadState.VALIDATING


def test_given_an_upload_awaiting_its_file_when_it_arrives_then_only_the_first_version_counts(upload_records) -> None:
    uploads, _ = upload_records
    uploads.create_if_absent(_upload().model_copy(update={"state": UploadState.AWAITING_FILE, "expires_at": 1_900_000_000}))

    first = uploads.file_arrived("job-1", "version-1")
    again = uploads.file_arrived("job-1", "version-2")

    assert (first.state, first.version_id, first.expires_at) == (UploadState.RECEIVED, "version-1", None)
    assert (again.state, again.version_id) == (UploadState.RECEIVED, "version-1")


def test_given_a_data_key_claimed_when_claimed_again_then_the_first_one_counts(upload_records) -> None:
    uploads, _ = upload_records
    uploads.create_if_absent(_upload())

    assert uploads.claim_data_key("job-1", "key-a") == "key-a"
    assert uploads.claim_data_key("job-1", "key-b") == "key-a"
    assert uploads.get("job-1").data_key == "key-a"
    with pytest.raises(UploadNotFound):
        uploads.claim_data_key("no-such-job", "key-c")


def test_given_outcomes_in_many_partitions_then_they_are_read_in_line_order(upload_records) -> None:
    uploads, transactions = upload_records
    uploads.create_if_absent(_upload())
    for line in (33, 2, 17, 18, 100):
        outcome = RowOutcome(line=line, result=RowResult.FAILED, message="No.")
        assert transactions.commit({"outcome": OutcomeRecord("job-1", outcome)}) is None

    assert [o.line for o in uploads.outcomes_in_line_order("job-1")] == [2, 17, 18, 33, 100]
    assert list(uploads.outcomes_in_line_order("job-2")) == []


def test_given_an_empty_tally_then_the_batch_is_still_counted_once(upload_records) -> None:
    uploads, _ = upload_records
    uploads.create_if_absent(_upload())

    assert uploads.record_batch_progress("job-1", 1, {})
    assert not uploads.record_batch_progress("job-1", 1, {"created": 1})

    assert uploads.get("job-1").progress == {}


def test_given_a_validated_validate_only_upload_when_asked_to_apply_then_it_validates_again_once(upload_records) -> None:
    uploads, _ = upload_records
    uploads.create_if_absent(_upload().model_copy(update={"state": UploadState.VALIDATED, "validate_only": True}))

    first = uploads.request_apply("job-1", "Admin@NHS.net")
    again = uploads.request_apply("job-1", "other@nhs.net")

    assert (first.state, first.validate_only, first.apply_requested_by) == (UploadState.VALIDATING, False,
                                                                             "admin@nhs.net")
    assert first.apply_requested_at is not None
    assert (again.apply_requested_at, again.apply_requested_by) == (first.apply_requested_at, "admin@nhs.net")


@pytest.mark.parametrize("state, validate_only", [(UploadState.VALIDATED, False), (UploadState.VALIDATING, True),
                                                  (UploadState.COMPLETED, False)])
def test_given_any_other_upload_when_asked_to_apply_then_it_is_left_as_it_is(upload_records, state: UploadState,
                                                                            validate_only: bool) -> None:
    uploads, _ = upload_records
    uploads.create_if_absent(_upload().model_copy(update={"state": state, "validate_only": validate_only}))

    upload = uploads.request_apply("job-1", "admin@nhs.net")

    assert (upload.state, upload.validate_only, upload.apply_requested_at) == (state, validate_only, None)
    with pytest.raises(UploadNotFound):
        uploads.request_apply("no-such-job", "admin@nhs.net")


def test_given_leavers_filed_then_those_in_the_window_of_uploads_that_count_are_summed(upload_records) -> None:
    uploads, _ = upload_records
    for upload_id, state, at in (("job-1", UploadState.CREATING, "2026-03-01T10:00:00+00:00"),
                                 ("job-2", UploadState.AWAITING_APPROVAL, "2026-03-01T11:00:00+00:00"),
                                 ("job-3", UploadState.CANCELLED, "2026-03-01T11:30:00+00:00"),
                                 ("job-4", UploadState.COMPLETED, "2026-02-27T09:00:00+00:00"),
                                 ("job-5", UploadState.VALIDATING, "2026-03-01T12:00:00+00:00")):
        uploads.create_if_absent(_upload(upload_id))
        uploads.update(upload_id, state=state)
        uploads.record_leavers(upload_id, {"RX1": 2, "RY2": 1}, at)

    counted = uploads.leavers_since({"RX1"}, "2026-02-28T12:00:00+00:00", excluding="job-5")

    # job-3 was cancelled, job-4 is before the window, job-5 is the upload asking: 2 + 2 of RX1.
    assert dict(counted) == {"RX1": 4}
    assert uploads.get("job-1").leavers_by_org == {"RX1": 2, "RY2": 1}
