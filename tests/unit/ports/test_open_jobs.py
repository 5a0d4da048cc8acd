"""What every OpenJobRecords keeps (roster.ports.OpenJobRecords): jobs not in a final state, by
state and oldest first, and the sweeper's guarded change to FAILED. Run here on the fake, and on
the DynamoDB JobStore and OpenJobs by tests/integration/test_port_contracts.py."""

from __future__ import annotations

import pytest

from roster.model.jobs import Job, JobState
from roster.ports import JobRecords, OpenJobRecords
from tests.unit.fakes import FakeJobs


@pytest.fixture
def open_jobs() -> tuple[JobRecords, OpenJobRecords]:
    jobs = FakeJobs()
    return jobs, jobs


def _job(job_id: str, state: JobState, created_at: str) -> Job:
    return Job(job_id=job_id, state=state, bucket="b", key=f"uploads/a@nhs.net/{job_id}/users.csv",
               file_name="users.csv", uploader="a@nhs.net", created_at=created_at, updated_at=created_at)


def test_given_jobs_in_several_states_then_each_state_lists_its_own_oldest_first(open_jobs) -> None:
    jobs, index = open_jobs
    jobs.create_if_absent(_job("cccc", JobState.VALIDATING, "2026-03-02T12:03:00+00:00"))
    jobs.create_if_absent(_job("aaaa", JobState.VALIDATING, "2026-03-02T12:01:00+00:00"))
    jobs.create_if_absent(_job("bbbb", JobState.RECEIVED, "2026-03-02T12:02:00+00:00"))
    jobs.create_if_absent(_job("dddd", JobState.COMPLETED, "2026-03-02T12:00:00+00:00"))

    validating = index.in_state(JobState.VALIDATING)

    assert [(o.job.job_id, o.since) for o in validating] == [("aaaa", "2026-03-02T12:01:00+00:00"),
                                                             ("cccc", "2026-03-02T12:03:00+00:00")]
    assert [o.job.job_id for o in index.in_state(JobState.RECEIVED)] == ["bbbb"]
    assert index.in_state(JobState.QUEUED) == [] and index.in_state(JobState.COMPLETED) == []


def test_given_a_time_then_only_jobs_that_entered_their_state_before_it_are_listed(open_jobs) -> None:
    jobs, index = open_jobs
    jobs.create_if_absent(_job("aaaa", JobState.CREATING, "2026-03-02T12:01:00+00:00"))
    jobs.create_if_absent(_job("bbbb", JobState.CREATING, "2026-03-02T12:02:00+00:00"))

    assert [o.job.job_id for o in index.in_state(JobState.CREATING, "2026-03-02T12:02:00+00:00")] == ["aaaa"]
    assert index.in_state(JobState.CREATING, "2026-03-02T12:01:00+00:00") == []


def test_given_a_job_that_changes_state_then_it_moves_and_leaves_when_it_ends(open_jobs) -> None:
    jobs, index = open_jobs
    jobs.create_if_absent(_job("aaaa", JobState.VALIDATING, "2026-03-02T12:01:00+00:00"))

    jobs.update("aaaa", state=JobState.QUEUED)
    (queued,) = index.in_state(JobState.QUEUED)
    jobs.update("aaaa", state=JobState.COMPLETED)

    assert index.in_state(JobState.VALIDATING) == [] and queued.since == queued.job.updated_at
    assert index.in_state(JobState.QUEUED) == [] and index.in_state(JobState.COMPLETED) == []


def test_given_a_job_in_one_of_the_states_when_failed_then_it_is_failed_once(open_jobs) -> None:
    jobs, index = open_jobs
    jobs.create_if_absent(_job("aaaa", JobState.VALIDATING, "2026-03-02T12:01:00+00:00"))

    failed = index.fail_if_in("aaaa", [JobState.RECEIVED, JobState.VALIDATING], "ValidationTimeout: too long")
    again = index.fail_if_in("aaaa", [JobState.RECEIVED, JobState.VALIDATING], "ValidationTimeout: again")

    assert failed is not None and (failed.state, failed.error) == (JobState.FAILED, "ValidationTimeout: too long")
    assert again is None and jobs.get("aaaa").error == "ValidationTimeout: too long"
    assert index.in_state(JobState.VALIDATING) == []


def test_given_a_job_in_another_state_or_none_when_failed_then_nothing_changes(open_jobs) -> None:
    jobs, index = open_jobs
    jobs.create_if_absent(_job("aaaa", JobState.CREATING, "2026-03-02T12:01:00+00:00"))

    assert index.fail_if_in("aaaa", [JobState.QUEUED], "QueueTimeout") is None
    assert index.fail_if_in("no-such-job", [JobState.QUEUED], "QueueTimeout") is None
    assert jobs.get("aaaa").state is JobState.CREATING and jobs.get("aaaa").error is None
