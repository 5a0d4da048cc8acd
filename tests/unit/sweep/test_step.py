"""The sweeper, on in-memory fakes: every kind of stranded upload, and the sweep that finds nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from roster.model.uploads import ExecutionStatus, UploadState
from roster.sweep.step import SweepIncomplete
from tests.unit.conftest import NOW, an_upload, minutes_ago


def test_a_queued_upload_whose_blocking_hold_expired_is_started(sweeper, uploads, queue):
    # Given job-a died holding RX1 an hour and a minute ago, and job-b waits for RX1
    queue.try_take("job-a", ["RX1"])
    queue.holds["RX1"] = ("job-a", NOW.timestamp() - 60)
    uploads.put(an_upload("job-b", UploadState.QUEUED, ["RX1"], created_at=minutes_ago(5)), since=minutes_ago(5))
    queue.enqueue("job-b", minutes_ago(5), ["RX1"])

    # When the sweeper runs
    report = sweeper.sweep()

    # Then job-b holds RX1 and its create phase has started
    assert report.started == ["job-b"]
    assert uploads.get("job-b").state is UploadState.CREATING
    assert queue.holder("RX1") == "job-b"
    assert report.queued == 0 and report.stuck == 0


def test_a_queued_upload_whose_blocking_hold_is_live_keeps_waiting(sweeper, uploads, queue):
    queue.try_take("job-a", ["RX1"])
    uploads.put(an_upload("job-b", UploadState.QUEUED, ["RX1"], created_at=minutes_ago(5)), since=minutes_ago(5))
    queue.enqueue("job-b", minutes_ago(5), ["RX1"])

    report = sweeper.sweep()

    assert report.started == [] and report.queued == 1
    assert uploads.get("job-b").state is UploadState.QUEUED


def test_an_upload_stuck_validating_past_the_timeout_ends_failed_with_one_email(sweeper, uploads, mailer):
    # Given an upload VALIDATING for 91 minutes (the timeout is 90)
    uploads.put(an_upload("job-v", UploadState.VALIDATING), since=minutes_ago(91))

    # When the sweeper runs twice
    first = sweeper.sweep()
    second = sweeper.sweep()

    # Then the upload is FAILED and its uploader got exactly one "Upload failed:" email
    upload = uploads.get("job-v")
    assert upload.state is UploadState.FAILED
    assert "did not finish within 90 minutes" in (upload.error or "")
    (email,) = mailer.emails_for("job-v")
    assert email.subject == "Upload failed: job-v.csv" and email.recipient == "admin@example.nhs.net"
    assert "Nothing was created or changed" in email.body
    assert [j.upload_id for j in first.ended] == ["job-v"] and first.stuck == 1
    assert second.ended == [] and second.stuck == 0


def test_an_upload_received_but_never_validated_ends_failed_too(sweeper, uploads, mailer):
    uploads.put(an_upload("job-r", UploadState.RECEIVED), since=minutes_ago(120))

    sweeper.sweep()

    assert uploads.get("job-r").state is UploadState.FAILED
    assert len(mailer.emails_for("job-r")) == 1


def test_an_upload_validating_within_the_timeout_is_left_alone(sweeper, uploads, mailer):
    uploads.put(an_upload("job-v", UploadState.VALIDATING), since=minutes_ago(89))

    report = sweeper.sweep()

    assert uploads.get("job-v").state is UploadState.VALIDATING
    assert mailer.sent == {} and report.ended == []


def test_a_create_phase_that_never_started_ends_failed_releases_its_holds_and_starts_the_next(
        sweeper, uploads, queue, finisher, mailer):
    # Given job-c CREATING for 31 minutes holding RX1 with no execution, and job-d queued behind it
    uploads.put(an_upload("job-c", UploadState.CREATING, ["RX1"]), since=minutes_ago(31))
    queue.try_take("job-c", ["RX1"])
    uploads.put(an_upload("job-d", UploadState.QUEUED, ["RX1"], created_at=minutes_ago(10)), since=minutes_ago(10))
    queue.enqueue("job-d", minutes_ago(10), ["RX1"])

    # When the sweeper runs
    report = sweeper.sweep()

    # Then notify's finish ended job-c FAILED (one email), and job-d took RX1 over
    assert finisher.calls[0][0] == "job-c" and finisher.calls[0][1]["Error"] == "ExecutionNeverStarted"
    assert uploads.get("job-c").state is UploadState.FAILED
    assert len(mailer.emails_for("job-c")) == 1
    assert queue.holder("RX1") == "job-d" and uploads.get("job-d").state is UploadState.CREATING
    assert [j.upload_id for j in report.ended] == ["job-c"]


def test_a_create_phase_whose_notify_failed_is_finished_at_once(sweeper, uploads, queue, executions, finisher,
                                                                  mailer):
    # Given the execution ended in NotifyFailed a moment ago, the upload still CREATING and holding RX1
    uploads.put(an_upload("job-n", UploadState.CREATING, ["RX1"]), since=minutes_ago(2))
    queue.try_take("job-n", ["RX1"])
    executions.executions["job-n"] = ExecutionStatus("FAILED", "NotifyFailed", "notify failed on every attempt")

    # When the sweeper runs twice
    sweeper.sweep()
    second = sweeper.sweep()

    # Then it is FAILED with the execution's error, its hold is gone, one email was sent
    upload = uploads.get("job-n")
    assert upload.state is UploadState.FAILED and upload.error.startswith("NotifyFailed")
    assert queue.holder("RX1") is None
    assert len(mailer.emails_for("job-n")) == 1
    assert finisher.calls == [("job-n", {"Error": "NotifyFailed", "Cause": "notify failed on every attempt"})]
    assert second.ended == []


def test_a_create_phase_still_running_is_not_touched_and_is_reported_once_past_its_hold(
        sweeper, uploads, executions, finisher):
    uploads.put(an_upload("job-young", UploadState.CREATING), since=minutes_ago(10))
    uploads.put(an_upload("job-old", UploadState.CREATING), since=minutes_ago(61))
    executions.executions["job-young"] = ExecutionStatus("RUNNING")
    executions.executions["job-old"] = ExecutionStatus("RUNNING")

    report = sweeper.sweep()

    assert finisher.calls == []
    assert report.running_past_hold == ["job-old"] and report.stuck == 1
    assert uploads.get("job-old").state is UploadState.CREATING


def test_a_create_phase_being_started_right_now_is_given_time(sweeper, uploads, finisher):
    uploads.put(an_upload("job-c", UploadState.CREATING), since=minutes_ago(1))

    report = sweeper.sweep()

    assert finisher.calls == [] and report.ended == []


def test_when_finish_itself_fails_the_upload_still_ends_failed_with_holds_released_and_one_email(
        sweeper, uploads, queue, executions, finisher, mailer):
    # Given notify failed every attempt, and finish fails again when the sweeper calls it
    finisher.broken = True
    uploads.put(an_upload("job-b", UploadState.CREATING, ["RX1"]), since=minutes_ago(2))
    queue.try_take("job-b", ["RX1"])
    executions.executions["job-b"] = ExecutionStatus("FAILED", "NotifyFailed", "notify failed")

    # When the sweeper runs twice
    report = sweeper.sweep()
    sweeper.sweep()

    # Then the upload is FAILED, RX1 is free, and the uploader got one "Upload failed:" email that
    # says rows may already have been applied
    assert uploads.get("job-b").state is UploadState.FAILED
    assert queue.holder("RX1") is None
    (email,) = mailer.emails_for("job-b")
    assert email.subject == "Upload failed: job-b.csv" and "may already have been applied" in email.body
    assert [j.upload_id for j in report.ended] == ["job-b"] and report.unfinished == []


def test_a_queued_upload_that_lost_its_queue_entry_is_put_back_and_started_when_free(sweeper, uploads, queue):
    # Given an upload QUEUED for 40 minutes whose queue entry was lost, and nothing holding its organisation
    uploads.put(an_upload("job-q", UploadState.QUEUED, ["RY2"]), since=minutes_ago(40))

    report = sweeper.sweep()

    assert report.requeued == ["job-q"] and report.started == ["job-q"]
    assert uploads.get("job-q").state is UploadState.CREATING and queue.queue_length() == 0


def test_an_upload_queued_past_the_queue_timeout_ends_failed_and_leaves_the_queue(sweeper, uploads, queue, finisher,
                                                                             mailer):
    # Given job-q has waited a day and a minute behind a live hold
    queue.try_take("job-a", ["RX1"])
    uploads.put(an_upload("job-q", UploadState.QUEUED, ["RX1"], created_at=minutes_ago(1441)), since=minutes_ago(1441))
    queue.enqueue("job-q", minutes_ago(1441), ["RX1"])

    report = sweeper.sweep()

    assert finisher.calls[0][1]["Error"] == "QueueTimeout"
    assert uploads.get("job-q").state is UploadState.FAILED
    assert queue.queue_length() == 0 and report.queued == 0
    assert queue.holder("RX1") == "job-a"
    assert len(mailer.emails_for("job-q")) == 1


def test_nothing_to_do(sweeper, uploads, queue, mailer, finisher):
    uploads.put(an_upload("job-done", UploadState.COMPLETED), since=minutes_ago(5000))

    report = sweeper.sweep()

    assert report.summary() == {"started": [], "requeued": [], "ended": [], "running_past_hold": [],
                                "unfinished": [], "queued": 0, "expired": []}
    assert report.stuck == 0 and mailer.sent == {} and finisher.calls == []
    report.raise_if_unfinished()


def test_uploads_it_cannot_end_are_reported_and_fail_the_sweep_after_the_others(sweeper, uploads, queue, executions,
                                                                            finisher):
    # Given finish is broken and the table refuses every change, for two stuck uploads
    finisher.broken = True
    uploads.put(an_upload("job-x", UploadState.CREATING), since=minutes_ago(2))
    executions.executions["job-x"] = ExecutionStatus("TIMED_OUT")
    uploads.put(an_upload("job-v", UploadState.VALIDATING), since=minutes_ago(100))
    uploads.put(an_upload("job-q", UploadState.QUEUED, ["RY2"]), since=minutes_ago(40))

    def unavailable(upload_id, states, error):
        raise RuntimeError("DynamoDB unavailable")

    uploads.fail_if_in = unavailable

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
