"""The numbers the handlers publish: computed by the domain, once per finished upload."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from roster.dead_letter.step import DeadLetterOutcome
from roster.metrics import (
    Measure,
    dead_letter_measures,
    finish_measured,
    finished_upload_measures,
    publish,
    sweep_measures,
)
from roster.model.uploads import UploadState
from roster.sweep.step import SweepReport
from tests.unit.conftest import an_upload
from tests.unit.fakes import FakeFinisher, FakeMetrics


def by_name(measures):
    return {m.name: m.value for m in measures}


def test_a_finished_upload_is_measured_by_rows_duration_and_outcome():
    upload = an_upload("job-1", UploadState.COMPLETED).model_copy(update={
        "counts": {"rows": 5, "created": 3, "updated": 1, "leavers": 0, "joiners": 0, "unchanged": 1, "failed": 0},
        "created_at": "2026-03-02T12:00:00+00:00", "updated_at": "2026-03-02T12:02:30+00:00"})

    values = by_name(finished_upload_measures(upload))

    assert values["RowsCreated"] == 3 and values["RowsUpdated"] == 1 and values["RowsFailed"] == 0
    assert values["JobDuration"] == 150.0 and values["JobsCompleted"] == 1 and "JobsFailed" not in values


def test_only_the_call_that_finishes_an_upload_measures_it(uploads, queue, mailer, start):
    uploads.put(an_upload("job-1", UploadState.CREATING))
    finisher = FakeFinisher(uploads, queue, mailer, start)

    first_upload, first = finish_measured(finisher, "job-1", None)
    _, again = finish_measured(finisher, "job-1", None)  # a retried notify

    assert first_upload.state is UploadState.COMPLETED and by_name(first)["JobsCompleted"] == 1
    assert again == []


def test_a_sweep_reports_queue_depth_and_stuck_uploads_and_the_rows_of_what_it_ended():
    ended = an_upload("job-9", UploadState.FAILED)
    report = SweepReport(started=["job-2"], ended=[ended], running_past_hold=["job-3"], queued=4)

    values = by_name(sweep_measures(report))

    assert values["QueuedUploads"] == 4 and values["QueuedUploadsStarted"] == 1
    assert values["StuckJobs"] == 2 and values["JobsFailed"] == 1


def test_dead_letters_count_only_the_uploads_recorded_failed():
    outcomes = [DeadLetterOutcome("a", "failed", UploadState.FAILED), DeadLetterOutcome("b", "ignored", UploadState.QUEUED)]

    assert by_name(dead_letter_measures(outcomes)) == {"UploadsDeadLettered": 1, "JobsFailed": 1}


def test_publish_hands_every_measure_to_metrics():
    sink = FakeMetrics()

    publish(sink, [Measure("EmailsSent", MetricUnit.Count, 1)])
    added = sink.added

    assert added == [("EmailsSent", MetricUnit.Count, 1)]
