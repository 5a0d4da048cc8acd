"""The sweeper: what no event does. Run on a schedule (template.yaml, SweepFunction), it

- ends create phases that stopped without finishing their job (notify failed on every
  attempt, the execution timed out or was stopped, or it never started): notify's finish
  with a failure, so the job ends FAILED, its holds are released and its uploader gets one
  email with the results that exist;
- starts queued uploads whose blocking holds expired (nothing else would until the next
  upload arrives), and puts back in the queue a QUEUED job that has lost its queue entry;
- ends jobs stuck past their deadline: RECEIVED or VALIDATING past the validation timeout,
  QUEUED past the queue timeout; FAILED, one email each.

It finds jobs through the sparse open-jobs index, never by scanning. Every change it makes is
guarded (a job that moved on meanwhile is left alone) and every email is sent at most once,
so two sweeps at once, or a sweep racing the pipeline, do no harm."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from roster.errors import RosterError
from roster.model.jobs import ExecutionStatus, Job, JobState
from roster.ports import ExecutionLookup, FailureNotice, JobFinisher, JobRecords, OpenJobRecords, OrganisationQueue
from roster.queue.dispatch import dispatch_waiting
from roster.settings import Settings

logger = Logger(child=True)

UNFINISHED_VALIDATION = (JobState.RECEIVED, JobState.VALIDATING)
Failure = dict[str, Any]  # what a state machine Catch gives notify: {"Error": ..., "Cause": ...}


class SweepIncomplete(RosterError):
    """Some stuck jobs could not be ended; the next sweep tries again (and the Errors alarm fires)."""


@dataclass(frozen=True)
class SweepDeadlines:
    """How long each non-final state may last before the sweeper acts (template parameters)."""

    stuck_job_minutes: int
    validation_timeout_minutes: int
    queue_timeout_minutes: int
    hold_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> SweepDeadlines:
        return cls(settings.stuck_job_minutes, settings.validation_timeout_minutes,
                   settings.queue_timeout_minutes, settings.org_hold_seconds)


@dataclass
class SweepReport:
    """What one sweep did; the handler turns it into metrics."""

    started: list[str] = field(default_factory=list)  # queued uploads it started
    requeued: list[str] = field(default_factory=list)  # QUEUED jobs put back in the queue
    ended: list[Job] = field(default_factory=list)  # jobs it ended FAILED
    running_past_hold: list[str] = field(default_factory=list)  # left running, for a person to look at
    unfinished: list[str] = field(default_factory=list)  # jobs it could not end this time
    queued: int = 0  # queue length after the sweep
    expired: list[str] = field(default_factory=list)  # uploads cancelled: nobody approved them in time

    @property
    def stuck(self) -> int:
        """Jobs found stuck past a deadline (the StuckJobs metric and its alarm)."""
        return len(self.ended) + len(self.running_past_hold) + len(self.unfinished)

    def summary(self) -> dict[str, Any]:
        """Job ids by what happened to them (a log line, the handler's answer)."""
        return {"started": self.started, "requeued": self.requeued, "ended": [job.job_id for job in self.ended],
                "running_past_hold": self.running_past_hold, "unfinished": self.unfinished, "queued": self.queued,
                "expired": self.expired}

    def raise_if_unfinished(self) -> None:
        if self.unfinished:
            raise SweepIncomplete(f"could not end stuck jobs {', '.join(self.unfinished)}; the next sweep retries")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Sweeper:
    """The sweeper's stores, passed in (production wiring in roster.wiring)."""

    deadlines: SweepDeadlines
    open_jobs: OpenJobRecords
    jobs: JobRecords
    queue: OrganisationQueue
    executions: ExecutionLookup
    finisher: JobFinisher
    notice: FailureNotice
    start_create_phase: Callable[[str], None]
    clock: Callable[[], datetime] = _utc_now
    # Cancels uploads still waiting for approval after ApprovalDays (docs/approval-and-plan.md#approval), one email
    # each.
    expire_waiting_approvals: Callable[[datetime], list[str]] | None = None

    def sweep(self) -> SweepReport:
        """One pass over every open job; returns what it did."""
        report = SweepReport()
        self._end_abandoned_create_phases(report)  # first: it frees holds that queued jobs wait for
        report.started += dispatch_waiting(self.queue, self.start_create_phase)
        self._end_unfinished_validations(report)
        self._requeue_or_end_waiting_jobs(report)
        if self.expire_waiting_approvals is not None:
            report.expired = self.expire_waiting_approvals(self.clock())
        report.queued = self.queue.queue_length()
        logger.info("sweep done", extra=report.summary())
        return report

    def _before(self, minutes: float) -> str:
        return (self.clock() - timedelta(minutes=minutes)).astimezone(UTC).replace(microsecond=0).isoformat()

    def _end_abandoned_create_phases(self, report: SweepReport) -> None:
        never_started_before = self._before(self.deadlines.stuck_job_minutes)
        hold_expired_before = self._before(self.deadlines.hold_seconds / 60)
        for open_job in self.open_jobs.in_state(JobState.CREATING):
            with _one_job(report, open_job.job.job_id):
                execution = self.executions.status(open_job.job.job_id)
                if execution is not None and not execution.ended:
                    if open_job.since < hold_expired_before:
                        logger.warning("create phase still running after its hold expired",
                                       extra={"job_id": open_job.job.job_id, "since": open_job.since})
                        report.running_past_hold.append(open_job.job.job_id)
                    continue
                if execution is None and open_job.since >= never_started_before:
                    continue  # its execution is being started right now
                if self.jobs.get(open_job.job.job_id).state is not JobState.CREATING:
                    continue  # finished meanwhile (the index lags behind the table)
                self._finish(open_job.job, _failure_of(execution, self.deadlines.stuck_job_minutes), report)

    def _end_unfinished_validations(self, report: SweepReport) -> None:
        minutes = self.deadlines.validation_timeout_minutes
        error = (f"Validation did not finish within {minutes} minutes: neither the validate function nor its "
                 "dead-letter consumer ended the job, so the sweeper did")
        for state in UNFINISHED_VALIDATION:
            for open_job in self.open_jobs.in_state(state, entered_before=self._before(minutes)):
                with _one_job(report, open_job.job.job_id):
                    failed = self.open_jobs.fail_if_in(open_job.job.job_id, UNFINISHED_VALIDATION, error)
                    if failed is not None:
                        self.notice.tell(failed)
                        report.ended.append(failed)

    def _requeue_or_end_waiting_jobs(self, report: SweepReport) -> None:
        too_long_before = self._before(self.deadlines.queue_timeout_minutes)
        for open_job in self.open_jobs.in_state(JobState.QUEUED, entered_before=self._before(
                self.deadlines.stuck_job_minutes)):
            job = open_job.job
            with _one_job(report, job.job_id):
                if open_job.since < too_long_before:
                    self.queue.dequeue(job.job_id, job.created_at)  # first, so that no dispatch starts it now
                    if self.jobs.get(job.job_id).state is JobState.QUEUED:
                        cause = (f"It waited more than {self.deadlines.queue_timeout_minutes} minutes for other "
                                 "uploads of its organisations to finish; nothing was applied")
                        self._finish(job, {"Error": "QueueTimeout", "Cause": cause}, report)
                    continue
                # Idempotent: repairs a queue entry lost between QUEUED and enqueue.
                self.queue.enqueue(job.job_id, job.created_at, job.orgs)
                report.requeued.append(job.job_id)
        if report.requeued:
            report.started += dispatch_waiting(self.queue, self.start_create_phase)
            for job_id in report.requeued:  # a job that moved on meanwhile must not keep an entry
                job = self.jobs.get(job_id)
                if job.state is not JobState.QUEUED:
                    self.queue.dequeue(job_id, job.created_at)

    def _finish(self, job: Job, failure: Failure, report: SweepReport) -> None:
        """Notify's finish with a failure; if even that fails, end the job without results."""
        try:
            report.ended.append(self.finisher.finish(job.job_id, failure))
            return
        except Exception:
            logger.exception("finishing a stuck job failed; ending it without results", extra={"job_id": job.job_id})
        failed = self.open_jobs.fail_if_in(job.job_id, (job.state,), _failure_text(failure))
        self.queue.release(job.job_id, job.orgs)
        if failed is None:  # finish got as far as a final state: a person must check the email went
            report.unfinished.append(job.job_id)
            return
        self.notice.tell(failed, rows_may_be_applied=job.state is JobState.CREATING)
        report.ended.append(failed)
        dispatch_waiting(self.queue, self.start_create_phase)


@contextmanager
def _one_job(report: SweepReport, job_id: str) -> Iterator[None]:
    """One job's trouble does not stop the sweep: it is logged and reported, and the next sweep retries."""
    try:
        yield
    except Exception:
        logger.exception("could not end a stuck job", extra={"job_id": job_id})
        report.unfinished.append(job_id)


def _failure_of(execution: ExecutionStatus | None, stuck_job_minutes: int) -> Failure:
    if execution is None:
        return {"Error": "ExecutionNeverStarted",
                "Cause": f"The job was CREATING for more than {stuck_job_minutes} minutes without an execution"}
    return {"Error": execution.error or f"Execution{execution.status.title().replace('_', '')}",
            "Cause": (execution.cause or f"The create-phase execution ended {execution.status}")[:500]}


def _failure_text(failure: Failure) -> str:
    return f"{failure.get('Error', 'error')}: {failure.get('Cause', '')} (ended by the sweeper without results)"
