"""The sweeper: what no event does. Run on a schedule (template.yaml, SweepFunction), it

- ends create phases that stopped without finishing their upload (notify failed on every
  attempt, the execution timed out or was stopped, or it never started): notify's finish
  with a failure, so the upload ends FAILED, its holds are released and its uploader gets one
  email with the results that exist;
- starts queued uploads whose blocking holds expired (nothing else would until the next
  upload arrives), and puts back in the queue a QUEUED upload that has lost its queue entry;
- ends uploads stuck past their deadline: RECEIVED or VALIDATING past the validation timeout,
  QUEUED past the queue timeout; FAILED, one email each.

It finds uploads through the sparse open-jobs index, never by scanning. Every change it makes is
guarded (an upload that moved on meanwhile is left alone) and every email is sent at most once,
so two sweeps at once, or a sweep racing the pipeline, do no harm."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from roster.errors import RosterError
from roster.model.uploads import ExecutionStatus, Upload, UploadState
from roster.ports import (
    ExecutionLookup,
    FailureNotice,
    OpenUploadRecords,
    OrganisationQueue,
    UploadFinisher,
    UploadRecords,
)
from roster.queue.dispatch import dispatch_waiting
from roster.settings import Settings

logger = Logger(child=True)

UNFINISHED_VALIDATION = (UploadState.RECEIVED, UploadState.VALIDATING)
Failure = dict[str, Any]  # what a state machine Catch gives notify: {"Error": ..., "Cause": ...}


class SweepIncomplete(RosterError):
    """Some stuck uploads could not be ended; the next sweep tries again (and the Errors alarm fires)."""


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
    requeued: list[str] = field(default_factory=list)  # QUEUED uploads put back in the queue
    ended: list[Upload] = field(default_factory=list)  # uploads it ended FAILED
    running_past_hold: list[str] = field(default_factory=list)  # left running, for a person to look at
    unfinished: list[str] = field(default_factory=list)  # uploads it could not end this time
    queued: int = 0  # queue length after the sweep
    expired: list[str] = field(default_factory=list)  # uploads cancelled: nobody approved them in time

    @property
    def stuck(self) -> int:
        """Uploads found stuck past a deadline (the StuckJobs metric and its alarm)."""
        return len(self.ended) + len(self.running_past_hold) + len(self.unfinished)

    def summary(self) -> dict[str, Any]:
        """Upload ids by what happened to them (a log line, the handler's answer)."""
        return {"started": self.started, "requeued": self.requeued,
                "ended": [upload.upload_id for upload in self.ended], "running_past_hold": self.running_past_hold,
                "unfinished": self.unfinished, "queued": self.queued, "expired": self.expired}

    def raise_if_unfinished(self) -> None:
        if self.unfinished:
            raise SweepIncomplete(f"could not end stuck uploads {', '.join(self.unfinished)}; the next sweep retries")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Sweeper:
    """The sweeper's stores, passed in (production wiring in roster.wiring)."""

    deadlines: SweepDeadlines
    open_uploads: OpenUploadRecords
    uploads: UploadRecords
    queue: OrganisationQueue
    executions: ExecutionLookup
    finisher: UploadFinisher
    notice: FailureNotice
    start_create_phase: Callable[[str], None]
    clock: Callable[[], datetime] = _utc_now
    # Cancels uploads still waiting for approval after ApprovalDays (docs/approval-and-plan.md#approval), one email
    # each.
    expire_waiting_approvals: Callable[[datetime], list[str]] | None = None

    def sweep(self) -> SweepReport:
        """One pass over every open upload; returns what it did."""
        report = SweepReport()
        self._end_abandoned_create_phases(report)  # first: it frees holds that queued uploads wait for
        report.started += dispatch_waiting(self.queue, self.start_create_phase)
        self._end_unfinished_validations(report)
        self._requeue_or_end_waiting_uploads(report)
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
        for open_upload in self.open_uploads.in_state(UploadState.CREATING):
            with _one_upload(report, open_upload.upload.upload_id):
                execution = self.executions.status(open_upload.upload.upload_id)
                if execution is not None and not execution.ended:
                    if open_upload.since < hold_expired_before:
                        logger.warning("create phase still running after its hold expired",
                                       extra={"upload_id": open_upload.upload.upload_id, "since": open_upload.since})
                        report.running_past_hold.append(open_upload.upload.upload_id)
                    continue
                if execution is None and open_upload.since >= never_started_before:
                    continue  # its execution is being started right now
                if self.uploads.get(open_upload.upload.upload_id).state is not UploadState.CREATING:
                    continue  # finished meanwhile (the index lags behind the table)
                self._finish(open_upload.upload, _failure_of(execution, self.deadlines.stuck_job_minutes), report)

    def _end_unfinished_validations(self, report: SweepReport) -> None:
        minutes = self.deadlines.validation_timeout_minutes
        error = (f"Validation did not finish within {minutes} minutes: neither the validate function nor its "
                 "dead-letter consumer ended the upload, so the sweeper did")
        for state in UNFINISHED_VALIDATION:
            for open_upload in self.open_uploads.in_state(state, entered_before=self._before(minutes)):
                with _one_upload(report, open_upload.upload.upload_id):
                    failed = self.open_uploads.fail_if_in(open_upload.upload.upload_id, UNFINISHED_VALIDATION, error)
                    if failed is not None:
                        self.notice.tell(failed)
                        report.ended.append(failed)

    def _requeue_or_end_waiting_uploads(self, report: SweepReport) -> None:
        too_long_before = self._before(self.deadlines.queue_timeout_minutes)
        for open_upload in self.open_uploads.in_state(UploadState.QUEUED, entered_before=self._before(
                self.deadlines.stuck_job_minutes)):
            upload = open_upload.upload
            with _one_upload(report, upload.upload_id):
                if open_upload.since < too_long_before:
                    self.queue.dequeue(upload.upload_id, upload.created_at)  # first, so that no dispatch starts it now
                    if self.uploads.get(upload.upload_id).state is UploadState.QUEUED:
                        cause = (f"It waited more than {self.deadlines.queue_timeout_minutes} minutes for other "
                                 "uploads of its organisations to finish; nothing was applied")
                        self._finish(upload, {"Error": "QueueTimeout", "Cause": cause}, report)
                    continue
                # Idempotent: repairs a queue entry lost between QUEUED and enqueue.
                self.queue.enqueue(upload.upload_id, upload.created_at, upload.orgs)
                report.requeued.append(upload.upload_id)
        if report.requeued:
            report.started += dispatch_waiting(self.queue, self.start_create_phase)
            for upload_id in report.requeued:  # an upload that moved on meanwhile must not keep an entry
                upload = self.uploads.get(upload_id)
                if upload.state is not UploadState.QUEUED:
                    self.queue.dequeue(upload_id, upload.created_at)

    def _finish(self, upload: Upload, failure: Failure, report: SweepReport) -> None:
        """Notify's finish with a failure; if even that fails, end the upload without results."""
        try:
            report.ended.append(self.finisher.finish(upload.upload_id, failure))
            return
        except Exception:
            logger.exception("finishing a stuck upload failed; ending it without results",
                             extra={"upload_id": upload.upload_id})
        failed = self.open_uploads.fail_if_in(upload.upload_id, (upload.state,), _failure_text(failure))
        self.queue.release(upload.upload_id, upload.orgs)
        if failed is None:  # finish got as far as a final state: a person must check the email went
            report.unfinished.append(upload.upload_id)
            return
        self.notice.tell(failed, rows_may_be_applied=upload.state is UploadState.CREATING)
        report.ended.append(failed)
        dispatch_waiting(self.queue, self.start_create_phase)


@contextmanager
def _one_upload(report: SweepReport, upload_id: str) -> Iterator[None]:
    """One upload's trouble does not stop the sweep: it is logged and reported, and the next sweep retries."""
    try:
        yield
    except Exception:
        logger.exception("could not end a stuck upload", extra={"upload_id": upload_id})
        report.unfinished.append(upload_id)


def _failure_of(execution: ExecutionStatus | None, stuck_job_minutes: int) -> Failure:
    if execution is None:
        return {"Error": "ExecutionNeverStarted",
                "Cause": f"The upload was CREATING for more than {stuck_job_minutes} minutes without an execution"}
    return {"Error": execution.error or f"Execution{execution.status.title().replace('_', '')}",
            "Cause": (execution.cause or f"The create-phase execution ended {execution.status}")[:500]}


def _failure_text(failure: Failure) -> str:
    return f"{failure.get('Error', 'error')}: {failure.get('Cause', '')} (ended by the sweeper without results)"
