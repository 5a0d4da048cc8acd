"""The numbers Roster publishes (namespace Roster, dimension service=roster) and where they come from.

The domain computes them from what it returns (a finished job, a sweep report, dead-letter
outcomes); handlers only hand them to Powertools Metrics. EmailsSent is counted where an
email is really sent (adapters.ses). The alarms and the dashboard in template.yaml use
these names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from roster.model.jobs import FINAL_STATES, Job, JobState
from roster.ports import JobFinisher, MetricSink

if TYPE_CHECKING:  # the steps' own result types; the steps do not import this module
    from roster.dead_letter.step import DeadLetterOutcome
    from roster.sweep.step import SweepReport

# Row results (job.counts keys) -> metric names.
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


def finished_job_measures(job: Job) -> list[Measure]:
    """Rows by result, the job's duration and its outcome, for a job that has just reached a final state."""
    measures = [Measure(metric, MetricUnit.Count, job.counts.get(count, 0)) for count, metric in ROW_METRICS.items()]
    duration = (datetime.fromisoformat(job.updated_at) - datetime.fromisoformat(job.created_at)).total_seconds()
    measures.append(Measure("JobDuration", MetricUnit.Seconds, max(duration, 0.0)))
    outcome = "JobsFailed" if job.state is JobState.FAILED else "JobsCompleted"
    measures.append(Measure(outcome, MetricUnit.Count, 1))
    return measures


def sweep_measures(report: SweepReport) -> list[Measure]:
    """Queue depth, uploads started, stuck jobs, and the rows of the jobs the sweeper ended."""
    measures = [Measure("QueuedUploads", MetricUnit.Count, report.queued),
                Measure("QueuedUploadsStarted", MetricUnit.Count, len(report.started)),
                Measure("StuckJobs", MetricUnit.Count, report.stuck)]
    for job in report.ended:
        measures.extend(finished_job_measures(job))
    return measures


def dead_letter_measures(outcomes: Iterable[DeadLetterOutcome]) -> list[Measure]:
    """Uploads the dead-letter consumer recorded FAILED (each is also a failed job)."""
    failed = sum(1 for outcome in outcomes if outcome.action == "failed")
    return [Measure("UploadsDeadLettered", MetricUnit.Count, failed), Measure("JobsFailed", MetricUnit.Count, failed)]


def finish_measured(step: JobFinisher, job_id: str, failure: dict[str, Any] | None) -> tuple[Job, list[Measure]]:
    """Notify's finish, and the job's measures if this call is the one that finished it (a retried
    notify finds the job final already and measures nothing twice)."""
    before = step.jobs.get(job_id)
    job = step.finish(job_id, failure)
    finished_now = before.state not in FINAL_STATES and job.state in FINAL_STATES
    return job, finished_job_measures(job) if finished_now else []


def publish(metrics: MetricSink, measures: Iterable[Measure]) -> None:
    """Hand the measures to Powertools Metrics (flushed by the handler's log_metrics)."""
    for measure in measures:
        metrics.add_metric(name=measure.name, unit=measure.unit, value=measure.value)
