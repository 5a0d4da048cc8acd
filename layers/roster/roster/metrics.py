"""The numbers Roster publishes (namespace Roster, dimension service=roster) and where they come from.

The domain computes them from what it returns (a finished upload, a sweep report, dead-letter
outcomes); handlers only hand them to Powertools Metrics. EmailsSent is counted where an
email is really sent (adapters.ses). The alarms and the dashboard in template.yaml use
these names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from roster.model.uploads import FINAL_STATES, Upload, UploadState
from roster.ports import MetricSink, UploadFinisher

if TYPE_CHECKING:  # the steps' own result types; the steps do not import this module
    from roster.dead_letter.step import DeadLetterOutcome
    from roster.sweep.step import SweepReport

# Row results (upload.counts keys) -> metric names.
ROW_METRICS = {"created": "RowsCreated", "updated": "RowsUpdated", "leavers": "RowsLeavers",
               "joiners": "RowsJoiners", "unchanged": "RowsUnchanged", "failed": "RowsFailed"}

# Every metric name Roster publishes (the template's alarms and dashboard may use only these).
PUBLISHED_METRICS = frozenset({*ROW_METRICS.values(), "JobDuration", "JobsCompleted", "JobsFailed", "QueuedUploads",
                               "QueuedUploadsStarted", "StuckJobs", "UploadsDeadLettered", "EmailsSent",
                               "RowsValidated"})


@dataclass(frozen=True)
class Measure:
    """One metric value, ready for Metrics.add_metric."""

    name: str
    unit: MetricUnit
    value: float


def finished_upload_measures(upload: Upload) -> list[Measure]:
    """Rows by result, the upload's duration and its outcome, for an upload that has just reached a final state."""
    measures = [Measure(metric, MetricUnit.Count, upload.counts.get(count, 0)) for count, metric in ROW_METRICS.items()]
    duration = (datetime.fromisoformat(upload.updated_at) - datetime.fromisoformat(upload.created_at)).total_seconds()
    measures.append(Measure("JobDuration", MetricUnit.Seconds, max(duration, 0.0)))
    outcome = "JobsFailed" if upload.state is UploadState.FAILED else "JobsCompleted"
    measures.append(Measure(outcome, MetricUnit.Count, 1))
    return measures


def sweep_measures(report: SweepReport) -> list[Measure]:
    """Queue depth, uploads started, stuck uploads, and the rows of the uploads the sweeper ended."""
    measures = [Measure("QueuedUploads", MetricUnit.Count, report.queued),
                Measure("QueuedUploadsStarted", MetricUnit.Count, len(report.started)),
                Measure("StuckJobs", MetricUnit.Count, report.stuck)]
    for upload in report.ended:
        measures.extend(finished_upload_measures(upload))
    return measures


def dead_letter_measures(outcomes: Iterable[DeadLetterOutcome]) -> list[Measure]:
    """Uploads the dead-letter consumer recorded FAILED (each is also a failed upload)."""
    failed = sum(1 for outcome in outcomes if outcome.action == "failed")
    return [Measure("UploadsDeadLettered", MetricUnit.Count, failed), Measure("JobsFailed", MetricUnit.Count, failed)]


def finish_measured(step: UploadFinisher, upload_id: str,
                    failure: dict[str, Any] | None) -> tuple[Upload, list[Measure]]:
    """Notify's finish, and the upload's measures if this call is the one that finished it (a retried
    notify finds the upload final already and measures nothing twice)."""
    before = step.uploads.get(upload_id)
    upload = step.finish(upload_id, failure)
    finished_now = before.state not in FINAL_STATES and upload.state in FINAL_STATES
    return upload, finished_upload_measures(upload) if finished_now else []


def publish(metrics: MetricSink, measures: Iterable[Measure]) -> None:
    """Hand the measures to Powertools Metrics (flushed by the handler's log_metrics)."""
    for measure in measures:
        metrics.add_metric(name=measure.name, unit=measure.unit, value=measure.value)
