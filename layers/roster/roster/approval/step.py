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
from roster.errors import NotAwaitingApproval, TransientInfrastructureError, UploadNotFound
from roster.model.uploads import Upload, UploadState
from roster.ports import Mailer, UploadFiles, UploadRecords
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


def approval_request(upload: Upload, directory: WhoAdministers | None = None) -> ApprovalRequest:
    """The upload's approval as roster.approval.policy's rules see it. With `directory`, who may approve or
    cancel is who administers each organisation concerned now (docs/security.md: an administrator
    removed since the upload started waiting can no longer act on it); without it, who was asked."""
    concerned = set(upload.approval_administrators)
    found = directory.administrators(concerned) if directory is not None else \
        {ods: frozenset(admins) for ods, admins in upload.approval_administrators.items()}
    administrators = {ods: frozenset(a.lower() for a in found.get(ods, frozenset())) for ods in concerned}
    return ApprovalRequest(upload.uploader.lower(), administrators, dict(upload.approvals))


def may_approve(upload: Upload, who: str, directory: WhoAdministers | None = None) -> bool:
    """Whether `who` can approve this upload now (the console shows Approve to them)."""
    if upload.state is not UploadState.AWAITING_APPROVAL:
        return False
    return any(who.lower() in allowed for allowed in approval_request(upload, directory).approvers_needed().values())


def may_cancel(upload: Upload, who: str, directory: WhoAdministers | None = None) -> bool:
    """Whether `who` can cancel this upload now (the console shows Cancel to them)."""
    return upload.state is UploadState.AWAITING_APPROVAL and approval_request(upload, directory).may_cancel(who)


Revalidate = Callable[[str], Upload]
"""Validates a VALIDATING upload's file again and goes on (ValidateStep.apply); the upload after."""


@dataclass
class ApprovalStep:
    """Approvals and cancellations, on the ports they take (production: roster.wiring.approval_step).
    `revalidate` runs once an approval is complete."""

    settings: Settings
    uploads: UploadRecords
    files: UploadFiles
    mailer: Mailer
    revalidate: Revalidate
    directory: WhoAdministers
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def approve_upload(self, upload_id: str, approver: str) -> Upload:
        """Record `approver`'s approval for every waiting organisation they may approve; the last
        one needed re-validates the file and goes on. ApprovalRefused when the contract refuses
        (403), NotAwaitingApproval when the upload does not wait (409); the same approval asked
        again answers as the first did."""
        approver = approver.strip().lower()
        for _ in range(MAX_ATTEMPTS):
            upload = self.uploads.get(upload_id)
            if approver in upload.approvals.values() and not may_approve(upload, approver, self.directory):
                return self._approved_before(upload)
            if upload.state is not UploadState.AWAITING_APPROVAL:
                raise NotAwaitingApproval(_not_waiting(upload))
            if self._past_deadline(upload):
                self._cancel(upload, cancelled_by=None)
                continue  # read again: cancelled now (or changed by someone else meanwhile)
            granted = approval_request(upload, self.directory).approve(approver)
            changes = {"approvals": dict(granted.approvals), "approval_revision": upload.approval_revision + 1}
            if granted.complete:
                changes["state"] = UploadState.VALIDATING
            if self.uploads.update_if(upload_id, _as_read(upload), **changes):
                approved = sorted(set(granted.approvals) - set(upload.approvals))
                logger.info("upload approved", extra={"upload_id": upload_id, "approver": approver,
                                                      "organisations": approved, "complete": granted.complete})
                if not granted.complete:
                    return self.uploads.get(upload_id)
                if upload.approval_deadline:
                    self.uploads.remove_approval_deadline(upload_id, upload.approval_deadline)
                return self.revalidate(upload_id)
        raise TransientInfrastructureError(f"upload {upload_id} kept changing while being approved; try again")

    def cancel_upload(self, upload_id: str, who: str) -> Upload:
        """Cancel a waiting upload: any administrator of an organisation concerned, the uploader
        included (else ApprovalRefused); one email to the uploader. Cancelling it again answers
        as the first time did."""
        who = who.strip().lower()
        for _ in range(MAX_ATTEMPTS):
            upload = self.uploads.get(upload_id)
            if upload.approval_administrators and not approval_request(upload, self.directory).may_cancel(who):
                raise ApprovalRefused(NOT_CONCERNED)
            if upload.state is UploadState.CANCELLED:
                self._email_cancelled(upload)
                return upload
            if upload.state is not UploadState.AWAITING_APPROVAL:
                raise NotAwaitingApproval(_not_waiting(upload))
            if self._cancel(upload, cancelled_by=who):
                return self.uploads.get(upload_id)
        raise TransientInfrastructureError(f"upload {upload_id} kept changing while being cancelled; try again")

    def expire_waiting_approvals(self, now: datetime | None = None) -> list[str]:
        """Cancel every upload still waiting for approval after its deadline (docs/approval-and-plan.md#approval:
        `ApprovalDays`), one email each; returns their upload ids. The sweeper calls it on a
        schedule; calling it again, or late, cancels and emails nothing twice."""
        moment = (now or self.clock()).astimezone(UTC).replace(microsecond=0).isoformat()
        expired: list[str] = []
        for upload_id, deadline in self.uploads.approval_deadlines_due(moment):
            try:
                upload = self.uploads.get(upload_id)
            except UploadNotFound:
                self.uploads.remove_approval_deadline(upload_id, deadline)
                continue
            waiting = upload.state is UploadState.AWAITING_APPROVAL and upload.approval_deadline == deadline
            if waiting and not self._cancel(upload, cancelled_by=None):
                continue  # someone acted on it just now: the next run looks again
            if waiting:
                expired.append(upload_id)
            elif upload.state is UploadState.CANCELLED:
                self._email_cancelled(upload)  # a run that died between the state and the email
            self.uploads.remove_approval_deadline(upload_id, deadline)
        if expired:
            logger.info("waiting uploads expired", extra={"upload_ids": expired, "now": moment})
        return expired

    def plan_csv_for(self, upload_id: str) -> str | None:
        """The upload's plan.csv as text (docs/approval-and-plan.md#the-plan), or None when its file did not
        validate."""
        upload = self.uploads.get(upload_id)
        return self.files.read(upload.plan_key).decode("utf-8") if upload.plan_key else None

    def _approved_before(self, upload: Upload) -> Upload:
        """A repeated approval. When the re-validation it started died part-way (the lease has
        passed), this caller takes it over; otherwise the upload is answered as it is."""
        complete = approval_request(upload).complete
        if upload.state is not UploadState.VALIDATING or not complete or not self._lease_passed(upload):
            return upload
        if not self.uploads.update_if(upload.upload_id, _as_read(upload),
                                      approval_revision=upload.approval_revision + 1):
            return self.uploads.get(upload.upload_id)
        logger.info("re-validation taken over", extra={"upload_id": upload.upload_id})
        return self.revalidate(upload.upload_id)

    def _past_deadline(self, upload: Upload) -> bool:
        """The deadline is the moment the email promised cancellation: an approval at it or after
        it is refused, whether or not the sweeper has run (docs/security.md)."""
        return bool(upload.approval_deadline) and self.clock() >= datetime.fromisoformat(upload.approval_deadline or "")

    def _lease_passed(self, upload: Upload) -> bool:
        return datetime.fromisoformat(upload.updated_at) + REVALIDATION_LEASE < self.clock()

    def _cancel(self, upload: Upload, cancelled_by: str | None) -> bool:
        """AWAITING_APPROVAL -> CANCELLED, once; then the deadline filed away and the email sent."""
        if not self.uploads.update_if(upload.upload_id, _as_read(upload), state=UploadState.CANCELLED,
                                      cancelled_by=cancelled_by, approval_revision=upload.approval_revision + 1):
            return False
        logger.info("upload cancelled", extra={"upload_id": upload.upload_id, "cancelled_by": cancelled_by or "expiry"})
        if upload.approval_deadline:
            self.uploads.remove_approval_deadline(upload.upload_id, upload.approval_deadline)
        self._email_cancelled(self.uploads.get(upload.upload_id))
        return True

    def _email_cancelled(self, upload: Upload) -> None:
        self.mailer.send_once(UploadState.CANCELLED.value, upload_cancelled_email(self.settings.sender_email, upload))


def _as_read(upload: Upload) -> dict[str, object]:
    """The condition of a change: the upload still in the state and revision it was read in."""
    return {"state": upload.state, "approval_revision": upload.approval_revision}


def _not_waiting(upload: Upload) -> str:
    if upload.state is UploadState.CANCELLED and upload.cancelled_by is None and upload.approval_deadline:
        return (f"Nobody approved this upload before its deadline ({upload.approval_deadline}), so it was cancelled; "
                "upload the file again to make its changes.")
    if upload.state is UploadState.CANCELLED:
        return "This upload was cancelled; upload the file again to make its changes."
    if not upload.approval_administrators:
        return f"This upload does not need approval (it is {upload.state.value})."
    return f"This upload no longer waits for approval: it is {upload.state.value}."
