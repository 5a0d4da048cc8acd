"""What every JobRecords keeps (roster.ports.JobRecords): run here on the fake, and on the
DynamoDB JobStore by tests/integration/test_port_contracts.py, so the fake stays faithful."""

from __future__ import annotations

import pytest

from roster.errors import JobNotFound, JobStateChanged
from roster.model.jobs import Job, JobState, RowOutcome
from roster.model.rows import RowResult
from roster.model.writes import OutcomeRecord
from roster.ports import JobRecords, Transactions
from tests.unit.fakes import FakeDirectory, FakeJobs, FakeTransactions


@pytest.fixture
def job_records() -> tuple[JobRecords, Transactions]:
    jobs = FakeJobs()
    return jobs, FakeTransactions(FakeDirectory(), jobs)


def _job(job_id: str = "job-1") -> Job:
    return Job(job_id=job_id, bucket="b", key=f"uploads/a@nhs.net/1/{job_id}.csv", file_name="users.csv",
               uploader="a@nhs.net")


def test_given_no_job_when_read_then_job_not_found(job_records) -> None:
    jobs, _ = job_records
    with pytest.raises(JobNotFound):
        jobs.get("nothing-here")


def test_given_a_job_when_created_again_then_the_first_record_comes_back(job_records) -> None:
    jobs, _ = job_records
    created, is_new = jobs.create_if_absent(_job())
    jobs.update("job-1", state=JobState.VALIDATING)

    again, is_new_again = jobs.create_if_absent(_job())

    assert (is_new, is_new_again) == (True, False)
    assert again.state is JobState.VALIDATING and again.created_at == created.created_at


def test_given_a_job_when_updated_then_values_are_set_and_none_removes(job_records) -> None:
    jobs, _ = job_records
    jobs.create_if_absent(_job())
    jobs.update("job-1", state=JobState.QUEUED, orgs=["RX1"], counts={**_job().counts, "rows": 3},
                report_key="reports/job-1/validation.csv")

    jobs.update("job-1", report_key=None, error="boom")

    job = jobs.get("job-1")
    assert (job.state, job.orgs, job.counts["rows"], job.report_key, job.error) == (
        JobState.QUEUED, ["RX1"], 3, None, "boom")


def test_given_outcomes_recorded_then_they_are_read_back_by_line(job_records) -> None:
    jobs, transactions = job_records
    jobs.create_if_absent(_job())
    for line in (3, 2):
        outcome = RowOutcome(line=line, result=RowResult.CREATED, message="Created.", email=f"u{line}@nhs.net")
        assert transactions.commit({"outcome": OutcomeRecord("job-1", outcome)}) is None

    assert list(jobs.outcomes("job-1")) == [2, 3]
    assert list(jobs.outcomes_for("job-1", [2, 4])) == [2]
    assert jobs.outcomes("job-2") == {}


def test_given_an_outcome_recorded_when_recorded_again_then_the_write_is_refused(job_records) -> None:
    jobs, transactions = job_records
    jobs.create_if_absent(_job())
    first = RowOutcome(line=2, result=RowResult.CREATED, message="Created.")
    transactions.commit({"outcome": OutcomeRecord("job-1", first)})

    cancelled = transactions.commit({"outcome": OutcomeRecord("job-1", first.model_copy(update={"message": "x"}))})

    assert cancelled is not None and cancelled.refused == {"outcome"}
    assert jobs.outcomes("job-1")[2].message == "Created."


def test_given_a_batch_counted_when_counted_again_then_progress_is_added_once(job_records) -> None:
    jobs, _ = job_records
    jobs.create_if_absent(_job())

    assert jobs.record_batch_progress("job-1", 1, {"created": 2, "failed": 1})
    assert not jobs.record_batch_progress("job-1", 1, {"created": 2, "failed": 1})
    assert jobs.record_batch_progress("job-1", 2, {"created": 1})

    assert jobs.get("job-1").progress == {"created": 3, "failed": 1}


def test_given_a_condition_when_it_holds_then_the_update_applies_once(job_records) -> None:
    jobs, _ = job_records
    jobs.create_if_absent(_job())
    jobs.update("job-1", state=JobState.AWAITING_APPROVAL, approval_revision=1)
    expected = {"state": JobState.AWAITING_APPROVAL, "approval_revision": 1}

    first = jobs.update_if("job-1", expected, state=JobState.CANCELLED, approval_revision=2, cancelled_by="a@nhs.net")
    second = jobs.update_if("job-1", expected, state=JobState.VALIDATING, approval_revision=2)

    job = jobs.get("job-1")
    assert (first, second) == (True, False)
    assert (job.state, job.approval_revision, job.cancelled_by) == (JobState.CANCELLED, 2, "a@nhs.net")


def test_given_an_absent_attribute_expected_then_the_condition_checks_its_absence(job_records) -> None:
    jobs, _ = job_records
    jobs.create_if_absent(_job())

    assert jobs.update_if("job-1", {"cancelled_by": None}, cancelled_by="a@nhs.net")
    assert not jobs.update_if("job-1", {"cancelled_by": None}, cancelled_by="b@nhs.net")
    assert not jobs.update_if("no-such-job", {"cancelled_by": None}, cancelled_by="b@nhs.net")
    assert jobs.get("job-1").cancelled_by == "a@nhs.net"


def test_given_approval_deadlines_then_those_due_come_back_earliest_first(job_records) -> None:
    jobs, _ = job_records
    jobs.add_approval_deadline("bbbb", "2026-12-01T12:00:00+00:00")
    jobs.add_approval_deadline("aaaa", "2026-12-01T12:00:00+00:00")
    jobs.add_approval_deadline("cccc", "2026-11-30T09:00:00+00:00")
    jobs.add_approval_deadline("dddd", "2026-12-01T12:00:01+00:00")
    jobs.add_approval_deadline("cccc", "2026-11-30T09:00:00+00:00")  # filed twice: once

    due = jobs.approval_deadlines_due("2026-12-01T12:00:00+00:00")
    jobs.remove_approval_deadline("cccc", "2026-11-30T09:00:00+00:00")

    assert due == [("cccc", "2026-11-30T09:00:00+00:00"), ("aaaa", "2026-12-01T12:00:00+00:00"),
                   ("bbbb", "2026-12-01T12:00:00+00:00")]
    assert [job_id for job_id, _ in jobs.approval_deadlines_due("2026-12-31T00:00:00+00:00")] == [
        "aaaa", "bbbb", "dddd"]


def test_given_a_job_in_another_state_when_updated_expecting_a_state_then_it_is_refused(job_records) -> None:
    jobs, _ = job_records
    jobs.create_if_absent(_job())

    with pytest.raises(JobStateChanged):
        jobs.update("job-1", expect_state=JobState.VALIDATING, state=JobState.QUEUED)
    jobs.update("job-1", expect_state=JobState.RECEIVED, state=JobState.VALIDATING)

    assert jobs.get("job-1").state is JobState.VALIDATING


def test_given_an_upload_awaiting_its_file_when_it_arrives_then_only_the_first_version_counts(job_records) -> None:
    jobs, _ = job_records
    jobs.create_if_absent(_job().model_copy(update={"state": JobState.AWAITING_FILE, "expires_at": 1_900_000_000}))

    first = jobs.file_arrived("job-1", "version-1")
    again = jobs.file_arrived("job-1", "version-2")

    assert (first.state, first.version_id, first.expires_at) == (JobState.RECEIVED, "version-1", None)
    assert (again.state, again.version_id) == (JobState.RECEIVED, "version-1")


def test_given_a_data_key_claimed_when_claimed_again_then_the_first_one_counts(job_records) -> None:
    jobs, _ = job_records
    jobs.create_if_absent(_job())

    assert jobs.claim_data_key("job-1", "key-a") == "key-a"
    assert jobs.claim_data_key("job-1", "key-b") == "key-a"
    assert jobs.get("job-1").data_key == "key-a"
    with pytest.raises(JobNotFound):
        jobs.claim_data_key("no-such-job", "key-c")


def test_given_outcomes_in_many_partitions_then_they_are_read_in_line_order(job_records) -> None:
    jobs, transactions = job_records
    jobs.create_if_absent(_job())
    for line in (33, 2, 17, 18, 100):
        outcome = RowOutcome(line=line, result=RowResult.FAILED, message="No.")
        assert transactions.commit({"outcome": OutcomeRecord("job-1", outcome)}) is None

    assert [o.line for o in jobs.outcomes_in_line_order("job-1")] == [2, 17, 18, 33, 100]
    assert list(jobs.outcomes_in_line_order("job-2")) == []


def test_given_an_empty_tally_then_the_batch_is_still_counted_once(job_records) -> None:
    jobs, _ = job_records
    jobs.create_if_absent(_job())

    assert jobs.record_batch_progress("job-1", 1, {})
    assert not jobs.record_batch_progress("job-1", 1, {"created": 1})

    assert jobs.get("job-1").progress == {}


def test_given_a_validated_validate_only_upload_when_asked_to_apply_then_it_validates_again_once(job_records) -> None:
    jobs, _ = job_records
    jobs.create_if_absent(_job().model_copy(update={"state": JobState.VALIDATED, "validate_only": True}))

    first = jobs.request_apply("job-1", "Admin@NHS.net")
    again = jobs.request_apply("job-1", "other@nhs.net")

    assert (first.state, first.validate_only, first.apply_requested_by) == (JobState.VALIDATING, False,
                                                                             "admin@nhs.net")
    assert first.apply_requested_at is not None
    assert (again.apply_requested_at, again.apply_requested_by) == (first.apply_requested_at, "admin@nhs.net")


@pytest.mark.parametrize("state, validate_only", [(JobState.VALIDATED, False), (JobState.VALIDATING, True),
                                                  (JobState.COMPLETED, False)])
def test_given_any_other_upload_when_asked_to_apply_then_it_is_left_as_it_is(job_records, state: JobState,
                                                                            validate_only: bool) -> None:
    jobs, _ = job_records
    jobs.create_if_absent(_job().model_copy(update={"state": state, "validate_only": validate_only}))

    job = jobs.request_apply("job-1", "admin@nhs.net")

    assert (job.state, job.validate_only, job.apply_requested_at) == (state, validate_only, None)
    with pytest.raises(JobNotFound):
        jobs.request_apply("no-such-job", "admin@nhs.net")


def test_given_leavers_filed_then_those_in_the_window_of_uploads_that_count_are_summed(job_records) -> None:
    jobs, _ = job_records
    for job_id, state, at in (("job-1", JobState.CREATING, "2026-03-01T10:00:00+00:00"),
                              ("job-2", JobState.AWAITING_APPROVAL, "2026-03-01T11:00:00+00:00"),
                              ("job-3", JobState.CANCELLED, "2026-03-01T11:30:00+00:00"),
                              ("job-4", JobState.COMPLETED, "2026-02-27T09:00:00+00:00"),
                              ("job-5", JobState.VALIDATING, "2026-03-01T12:00:00+00:00")):
        jobs.create_if_absent(_job(job_id))
        jobs.update(job_id, state=state)
        jobs.record_leavers(job_id, {"RX1": 2, "RY2": 1}, at)

    counted = jobs.leavers_since({"RX1"}, "2026-02-28T12:00:00+00:00", excluding="job-5")

    # job-3 was cancelled, job-4 is before the window, job-5 is the upload asking: 2 + 2 of RX1.
    assert dict(counted) == {"RX1": 4}
    assert jobs.get("job-1").leavers_by_org == {"RX1": 2, "RY2": 1}
