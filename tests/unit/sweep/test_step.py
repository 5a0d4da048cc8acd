"""The sweeper, on in-memory fakes: every kind of stranded job, and the sweep that finds nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from roster.model.jobs import ExecutionStatus, JobState
from roster.sweep.step import SweepIncomplete
from tests.unit.conftest import NOW, a_job, minutes_ago


def test_a_queued_upload_whose_blocking_hold_expired_is_started(sweeper, jobs, queue):
    # Given job-a died holding RX1 an hour and a minute ago, and job-b waits for RX1
    queue.try_take("job-a", ["RX1"])
    queue.holds["RX1"] = ("job-a", NOW.timestamp() - 60)
    jobs.put(a_job("job-b", JobState.QUEUED, ["RX1"], created_at=minutes_ago(5)), since=minutes_ago(5))
    queue.enqueue("job-b", minutes_ago(5), ["RX1"])

    # When the sweeper runs
    report = sweeper.sweep()

    # Then job-b holds RX1 and its create phase has started
    assert report.started == ["job-b"]
    assert jobs.get("job-b").state is JobState.CREATING
    assert queue.holder("RX1") == "job-b"
    assert report.queued == 0 and report.stuck == 0


def test_a_queued_upload_whose_blocking_hold_is_live_keeps_waiting(sweeper, jobs, queue):
    queue.try_take("job-a", ["RX1"])
    jobs.put(a_job("job-b", JobState.QUEUED, ["RX1"], created_at=minutes_ago(5)), since=minutes_ago(5))
    queue.enqueue("job-b", minutes_ago(5), ["RX1"])

    report = sweeper.sweep()

    assert report.started == [] and report.queued == 1
    assert jobs.get("job-b").state is JobState.QUEUED


def test_a_job_stuck_validating_past_the_timeout_ends_failed_with_one_email(sweeper, jobs, mailer):
    # Given a job VALIDATING for 91 minutes (the timeout is 90)
    jobs.put(a_job("job-v", JobState.VALIDATING), since=minutes_ago(91))

    # When the sweeper runs twice
    first = sweeper.sweep()
    second = sweeper.sweep()

    # Then the job is FAILED and its uploader got exactly one "Upload failed:" email
    job = jobs.get("job-v")
    assert job.state is JobState.FAILED
    assert "did not finish within 90 minutes" in (job.error or "")
    (email,) = mailer.emails_for("job-v")
    assert email.subject == "Upload failed: job-v.csv" and email.recipient == "admin@example.nhs.net"
    assert "Nothing was created or changed" in email.body
    assert [j.job_id for j in first.ended] == ["job-v"] and first.stuck == 1
    assert second.ended == [] and second.stuck == 0


def test_a_job_received_but_never_validated_ends_failed_too(sweeper, jobs, mailer):
    jobs.put(a_job("job-r", JobState.RECEIVED), since=minutes_ago(120))

    sweeper.sweep()

    assert jobs.get("job-r").state is JobState.FAILED
    assert len(mailer.emails_for("job-r")) == 1


def test_a_job_validating_within_the_timeout_is_left_alone(sweeper, jobs, mailer):
    jobs.put(a_job("job-v", JobState.VALIDATING), since=minutes_ago(89))

    report = sweeper.sweep()

    assert jobs.get("job-v").state is JobState.VALIDATING
    assert mailer.sent == {} and report.ended == []


def test_a_create_phase_that_never_started_ends_failed_releases_its_holds_and_starts_the_next(
        sweeper, jobs, queue, finisher, mailer):
    # Given job-c CREATING for 31 minutes holding RX1 with no execution, and job-d queued behind it
    jobs.put(a_job("job-c", JobState.CREATING, ["RX1"]), since=minutes_ago(31))
    queue.try_take("job-c", ["RX1"])
    jobs.put(a_job("job-d", JobState.QUEUED, ["RX1"], created_at=minutes_ago(10)), since=minutes_ago(10))
    queue.enqueue("job-d", minutes_ago(10), ["RX1"])

    # When the sweeper runs
    report = sweeper.sweep()

    # Then notify's finish ended job-c FAILED (one email), and job-d took RX1 over
    assert finisher.calls[0][0] == "job-c" and finisher.calls[0][1]["Error"] == "ExecutionNeverStarted"
    assert jobs.get("job-c").state is JobState.FAILED
    assert len(mailer.emails_for("job-c")) == 1
    assert queue.holder("RX1") == "job-d" and jobs.get("job-d").state is JobState.CREATING
    assert [j.job_id for j in report.ended] == ["job-c"]


def test_a_create_phase_whose_notify_failed_is_finished_at_once(sweeper, jobs, queue, executions, finisher,
                                                                  mailer):
    # Given the execution ended in NotifyFailed a moment ago, the job still CREATING and holding RX1
    jobs.put(a_job("job-n", JobState.CREATING, ["RX1"]), since=minutes_ago(2))
    queue.try_take("job-n", ["RX1"])
    executions.executions["job-n"] = ExecutionStatus("FAILED", "NotifyFailed", "notify failed on every attempt")

    # When the sweeper runs twice
    sweeper.sweep()
    second = sweeper.sweep()

    # Then it is FAILED with the execution's error, its hold is gone, one email was sent
    job = jobs.get("job-n")
    assert job.state is JobState.FAILED and job.error.startswith("NotifyFailed")
    assert queue.holder("RX1") is None
    assert len(mailer.emails_for("job-n")) == 1
    assert finisher.calls == [("job-n", {"Error": "NotifyFailed", "Cause": "notify failed on every attempt"})]
    assert second.ended == []


def test_a_create_phase_still_running_is_not_touched_and_is_reported_once_past_its_hold(
        sweeper, jobs, executions, finisher):
    jobs.put(a_job("job-young", JobState.CREATING), since=minutes_ago(10))
    jobs.put(a_job("job-old", JobState.CREATING), since=minutes_ago(61))
    executions.executions["job-young"] = ExecutionStatus("RUNNING")
    executions.executions["job-old"] = ExecutionStatus("RUNNING")

    report = sweeper.sweep()

    assert finisher.calls == []
    assert report.running_past_hold == ["job-old"] and report.stuck == 1
    assert jobs.get("job-old").state is JobState.CREATING


def test_a_create_phase_being_started_right_now_is_given_time(sweeper, jobs, finisher):
    jobs.put(a_job("job-c", JobState.CREATING), since=minutes_ago(1))

    report = sweeper.sweep()

    assert finisher.calls == [] and report.ended == []


def test_when_finish_itself_fails_the_job_still_ends_failed_with_holds_released_and_one_email(
        sweeper, jobs, queue, executions, finisher, mailer):
    # Given notify failed every attempt, and finish fails again when the sweeper calls it
    finisher.broken = True
    jobs.put(a_job("job-b", JobState.CREATING, ["RX1"]), since=minutes_ago(2))
    queue.try_take("job-b", ["RX1"])
    executions.executions["job-b"] = ExecutionStatus("FAILED", "NotifyFailed", "notify failed")

    # When the sweeper runs twice
    report = sweeper.sweep()
    sweeper.sweep()

    # Then the job is FAILED, RX1 is free, and the uploader got one "Upload failed:" email that
    # says rows may already have been applied
    assert jobs.get("job-b").state is JobState.FAILED
    assert queue.holder("RX1") is None
    (email,) = mailer.emails_for("job-b")
    assert email.subject == "Upload failed: job-b.csv" and "may already have been applied" in email.body
    assert [j.job_id for j in report.ended] == ["job-b"] and report.unfinished == []


def test_a_queued_job_that_lost_its_queue_entry_is_put_back_and_started_when_free(sweeper, jobs, queue):
    # Given a job QUEUED for 40 minutes whose queue entry was lost, and nothing holding its organisation
    jobs.put(a_job("job-q", JobState.QUEUED, ["RY2"]), since=minutes_ago(40))

    report = sweeper.sweep()

    assert report.requeued == ["job-q"] and report.started == ["job-q"]
    assert jobs.get("job-q").state is JobState.CREATING and queue.queue_length() == 0


def test_a_job_queued_past_the_queue_timeout_ends_failed_and_leaves_the_queue(sweeper, jobs, queue, finisher,
                                                                             mailer):
    # Given job-q has waited a day and a minute behind a live hold
    queue.try_take("job-a", ["RX1"])
    jobs.put(a_job("job-q", JobState.QUEUED, ["RX1"], created_at=minutes_ago(1441)), since=minutes_ago(1441))
    queue.enqueue("job-q", minutes_ago(1441), ["RX1"])

    report = sweeper.sweep()

    assert finisher.calls[0][1]["Error"] == "QueueTimeout"
    assert jobs.get("job-q").state is JobState.FAILED
    assert queue.queue_length() == 0 and report.queued == 0
    assert queue.holder("RX1") == "job-a"
    assert len(mailer.emails_for("job-q")) == 1


def test_nothing_to_do(sweeper, jobs, queue, mailer, finisher):
    jobs.put(a_job("job-done", JobState.COMPLETED), since=minutes_ago(5000))

    report = sweeper.sweep()

    assert report.summary() == {"started": [], "requeued": [], "ended": [], "running_past_hold": [],
                                "unfinished": [], "queued": 0, "expired": []}
    assert report.stuck == 0 and mailer.sent == {} and finisher.calls == []
    report.raise_if_unfinished()


def test_jobs_it_cannot_end_are_reported_and_fail_the_sweep_after_the_others(sweeper, jobs, queue, executions,
                                                                            finisher):
    # Given finish is broken and the table refuses every change, for two stuck jobs
    finisher.broken = True
    jobs.put(a_job("job-x", JobState.CREATING), since=minutes_ago(2))
    executions.executions["job-x"] = ExecutionStatus("TIMED_OUT")
    jobs.put(a_job("job-v", JobState.VALIDATING), since=minutes_ago(100))
    jobs.put(a_job("job-q", JobState.QUEUED, ["RY2"]), since=minutes_ago(40))

    def unavailable(job_id, states, error):
        raise RuntimeError("DynamoDB unavailable")

    jobs.fail_if_in = unavailable

    # When the sweeper runs
    report = sweeper.sweep()

    # Then it still did what it could (job-q started), reports the two, and fails the invocation
    assert sorted(report.unfinished) == ["job-v", "job-x"] and report.stuck == 2
    assert report.started == ["job-q"]
    with pytest.raises(SweepIncomplete, match="job-"):
        report.raise_if_unfinished()



def test_given_uploads_waiting_for_approval_past_their_deadline_then_the_sweep_cancels_them(sweeper):
    asked_at: list[datetime] = []

    def expire(now: datetime) -> list[str]:
        asked_at.append(now)
        return ["late-upload"]

    sweeper.expire_waiting_approvals = expire

    report = sweeper.sweep()

    assert report.expired == ["late-upload"] and report.summary()["expired"] == ["late-upload"]
    assert len(asked_at) == 1
