"""Approve, cancel and expire uploads waiting in AWAITING_APPROVAL (docs/approval-and-plan.md#approval).

Every change of a waiting upload is one conditional update on its state and
`approval_revision`, so two administrators acting at once, or a retried request, change it
once: one approval per organisation, one re-validation, one create phase, one email. An
approval that completes the upload validates its file again against the directory as it is
then, through the validate step's own path (roster.validate.step.ValidateStep.apply,
in-process; or a caller's hand-off to the function that runs it): it may end INVALID with
the `Validation failed:` email, or wait again for an organisation that is now over a limit,
or go on to the create phase as any validated upload does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from aws_lambda_powertools import Logger

from roster.approval.emails import upload_cancelled_email
from roster.approval.policy import ApprovalRefused, ApprovalRequest
from roster.errors import JobNotFound, NotAwaitingApproval, TransientInfrastructureError
from roster.model.jobs import Job, JobState
from roster.ports import JobRecords, Mailer, UploadFiles
from roster.settings import Settings

logger = Logger(child=True)

# Other callers may change a waiting upload between our read and our write; each retry reads again.
MAX_ATTEMPTS = 5
# A re-validation that has not ended after this long died with its Lambda (15 minutes at most):
# the approver asking again takes it over.
REVALIDATION_LEASE = timedelta(minutes=15)
NOT_CONCERNED = "You do not administer any organisation this upload changes, so you cannot cancel it."


class WhoAdministers(Protocol):
    """The directory's administrators of each organisation, as they are now."""

    def administrators(self, ods_codes: set[str]) -> dict[str, frozenset[str]]: ...


def approval_request(job: Job, directory: WhoAdministers | None = None) -> ApprovalRequest:
    """The job's approval as roster.approval.policy's rules see it. With `directory`, who may approve or
    cancel is who administers each organisation concerned now (docs/security.md: an administrator
    removed since the upload started waiting can no longer act on it); without it, who was asked."""
    concerned = set(job.approval_administrators)
    found = directory.administrators(concerned) if directory is not None else \
        {ods: frozenset(admins) for ods, admins in job.approval_administrators.items()}
    administrators = {ods: frozenset(a.lower() for a in found.get(ods, frozenset())) for ods in concerned}
    return ApprovalRequest(job.uploader.lower(), administrators, dict(job.approvals))


def may_approve(job: Job, who: str, directory: WhoAdministers | None = None) -> bool:
    """Whether `who` can approve this upload now (the console shows Approve to them)."""
    if job.state is not JobState.AWAITING_APPROVAL:
        return False
    return any(who.lower() in allowed for allowed in approval_request(job, directory).approvers_needed().values())


def may_cancel(job: Job, who: str, directory: WhoAdministers | None = None) -> bool:
    """Whether `who` can cancel this upload now (the console shows Cancel to them)."""
    return job.state is JobState.AWAITING_APPROVAL and approval_request(job, directory).may_cancel(who)


Revalidate = Callable[[str], Job]
"""Validates a VALIDATING job's file again and goes on (ValidateStep.apply); the job after."""


@dataclass
class ApprovalStep:
    """Approvals and cancellations, on the ports they take (production: roster.wiring.approval_step).
    `revalidate` runs once an approval is complete."""

    settings: Settings
    jobs: JobRecords
    files: UploadFiles
    mailer: Mailer
    revalidate: Revalidate
    directory: WhoAdministers
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def approve_upload(self, job_id: str, approver: str) -> Job:
        """Record `approver`'s approval for every waiting organisation they may approve; the last
        one needed re-validates the file and goes on. ApprovalRefused when the contract refuses
        (403), NotAwaitingApproval when the upload does not wait (409); the same approval asked
        again answers as the first did."""
        approver = approver.strip().lower()
        for _ in range(MAX_ATTEMPTS):
            job = self.jobs.get(job_id)
            if approver in job.approvals.values() and not may_approve(job, approver, self.directory):
                return self._approved_before(job)
            if job.state is not JobState.AWAITING_APPROVAL:
                raise NotAwaitingApproval(_not_waiting(job))
            if self._past_deadline(job):
                self._cancel(job, cancelled_by=None)
                continue  # read again: cancelled now (or changed by someone else meanwhile)
            granted = approval_request(job, self.directory).approve(approver)
            changes = {"approvals": dict(granted.approvals), "approval_revision": job.approval_revision + 1}
            if granted.complete:
                changes["state"] = JobState.VALIDATING
            if self.jobs.update_if(job_id, _as_read(job), **changes):
                approved = sorted(set(granted.approvals) - set(job.approvals))
                logger.info("upload approved", extra={"job_id": job_id, "approver": approver,
                                                      "organisations": approved, "complete": granted.complete})
                if not granted.complete:
                    return self.jobs.get(job_id)
                if job.approval_deadline:
                    self.jobs.remove_approval_deadline(job_id, job.approval_deadline)
                return self.revalidate(job_id)
        raise TransientInfrastructureError(f"upload {job_id} kept changing while being approved; try again")

    def cancel_upload(self, job_id: str, who: str) -> Job:
        """Cancel a waiting upload: any administrator of an organisation concerned, the uploader
        included (else ApprovalRefused); one email to the uploader. Cancelling it again answers
        as the first time did."""
        who = who.strip().lower()
        for _ in range(MAX_ATTEMPTS):
            job = self.jobs.get(job_id)
            if job.approval_administrators and not approval_request(job, self.directory).may_cancel(who):
                raise ApprovalRefused(NOT_CONCERNED)
            if job.state is JobState.CANCELLED:
                self._email_cancelled(job)
                return job
            if job.state is not JobState.AWAITING_APPROVAL:
                raise NotAwaitingApproval(_not_waiting(job))
            if self._cancel(job, cancelled_by=who):
                return self.jobs.get(job_id)
        raise TransientInfrastructureError(f"upload {job_id} kept changing while being cancelled; try again")

    def expire_waiting_approvals(self, now: datetime | None = None) -> list[str]:
        """Cancel every upload still waiting for approval after its deadline (docs/approval-and-plan.md#approval:
        `ApprovalDays`), one email each; returns their job ids. The sweeper calls it on a
        schedule; calling it again, or late, cancels and emails nothing twice."""
        moment = (now or self.clock()).astimezone(UTC).replace(microsecond=0).isoformat()
        expired: list[str] = []
        for job_id, deadline in self.jobs.approval_deadlines_due(moment):
            try:
                job = self.jobs.get(job_id)
            except JobNotFound:
                self.jobs.remove_approval_deadline(job_id, deadline)
                continue
            waiting = job.state is JobState.AWAITING_APPROVAL and job.approval_deadline == deadline
            if waiting and not self._cancel(job, cancelled_by=None):
                continue  # someone acted on it just now: the next run looks again
            if waiting:
                expired.append(job_id)
            elif job.state is JobState.CANCELLED:
                self._email_cancelled(job)  # a run that died between the state and the email
            self.jobs.remove_approval_deadline(job_id, deadline)
        if expired:
            logger.info("waiting uploads expired", extra={"job_ids": expired, "now": moment})
        return expired

    def plan_csv_for(self, job_id: str) -> str | None:
        """The upload's plan.csv as text (docs/approval-and-plan.md#the-plan), or None when its file did not
        validate."""
        job = self.jobs.get(job_id)
        return self.files.read(job.plan_key).decode("utf-8") if job.plan_key else None

    def _approved_before(self, job: Job) -> Job:
        """A repeated approval. When the re-validation it started died part-way (the lease has
        passed), this caller takes it over; otherwise the job is answered as it is."""
        complete = approval_request(job).complete
        if job.state is not JobState.VALIDATING or not complete or not self._lease_passed(job):
            return job
        if not self.jobs.update_if(job.job_id, _as_read(job), approval_revision=job.approval_revision + 1):
            return self.jobs.get(job.job_id)
        logger.info("re-validation taken over", extra={"job_id": job.job_id})
        return self.revalidate(job.job_id)

    def _past_deadline(self, job: Job) -> bool:
        """The deadline is the moment the email promised cancellation: an approval at it or after
        it is refused, whether or not the sweeper has run (docs/security.md)."""
        return bool(job.approval_deadline) and self.clock() >= datetime.fromisoformat(job.approval_deadline or "")

    def _lease_passed(self, job: Job) -> bool:
        return datetime.fromisoformat(job.updated_at) + REVALIDATION_LEASE < self.clock()

    def _cancel(self, job: Job, cancelled_by: str | None) -> bool:
        """AWAITING_APPROVAL -> CANCELLED, once; then the deadline filed away and the email sent."""
        if not self.jobs.update_if(job.job_id, _as_read(job), state=JobState.CANCELLED, cancelled_by=cancelled_by,
                                   approval_revision=job.approval_revision + 1):
            return False
        logger.info("upload cancelled", extra={"job_id": job.job_id, "cancelled_by": cancelled_by or "expiry"})
        if job.approval_deadline:
            self.jobs.remove_approval_deadline(job.job_id, job.approval_deadline)
        self._email_cancelled(self.jobs.get(job.job_id))
        return True

    def _email_cancelled(self, job: Job) -> None:
        self.mailer.send_once(JobState.CANCELLED.value, upload_cancelled_email(self.settings.sender_email, job))


def _as_read(job: Job) -> dict[str, object]:
    """The condition of a change: the job still in the state and revision it was read in."""
    return {"state": job.state, "approval_revision": job.approval_revision}


def _not_waiting(job: Job) -> str:
    if job.state is JobState.CANCELLED and job.cancelled_by is None and job.approval_deadline:
        return (f"Nobody approved this upload before its deadline ({job.approval_deadline}), so it was cancelled; "
                "upload the file again to make its changes.")
    if job.state is JobState.CANCELLED:
        return "This upload was cancelled; upload the file again to make its changes."
    if not job.approval_administrators:
        return f"This upload does not need approval (it is {job.state.value})."
    return f"This upload no longer waits for approval: it is {job.state.value}."
