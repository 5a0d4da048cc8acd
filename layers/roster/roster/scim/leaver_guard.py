"""The leaver approval rule for SCIM (docs/scim.md#leavers; docs/approval-and-plan.md#approval):
a deactivation or DELETE that would take an organisation's leavers past the deployment's limits
waits for a second administrator. It becomes an upload of one leaver row, waiting in
AWAITING_APPROVAL like any file: one `Approval needed:` email, `roster approve` (or the console)
by another administrator, then validated again and applied by the create phase. The identity
provider meanwhile gets `429`, and its retry after the approval succeeds.

The leavers counted are this one plus the organisation's accounts that became leavers in the
previous 24 hours (by a file or by SCIM), so that a mass deprovisioning a few users at a time
does not avoid the second pair of eyes."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools import Logger

from roster.approval.emails import approval_needed_email
from roster.approval.gate import ApprovalWait
from roster.approval.policy import ApprovalPolicy, LeaverShare
from roster.contract.plan_file import plan_csv, plan_digest
from roster.contract.validation_report import validation_report_csv
from roster.emails import plan_attachment_name
from roster.errors import JobNotFound
from roster.model.directory import Account, AccountStatus
from roster.model.jobs import Job, JobState
from roster.notify.email_files import EmailFile, FileKind
from roster.ports import Directory, JobRecords, Mailer, UploadFiles
from roster.scim.errors import ScimError
from roster.scim.resources import row_file
from roster.scim.tokens import ScimToken
from roster.validate.upload import UploadLimits, validate_upload
from roster.validate.upload_plan import upload_plan

logger = Logger(child=True)
WINDOW = timedelta(hours=24)  # LeaverApprovalWindowHours' default (docs/approval-and-plan.md#approval)
_REFUSED = (JobState.CANCELLED, JobState.INVALID, JobState.FAILED)
_BLANK_ROW = dict.fromkeys(("Title", "First Name", "Last Name", "Display Name", "Job Title", "Organisational Unit",
                            "Business Phone", "Mobile Phone", "Mailbox Size", "Password"), "")


@dataclass
class LeaverGuard:
    """Lets a SCIM leaver through, or refuses it with 429 until a second administrator approves."""

    directory: Directory
    jobs: JobRecords
    files: UploadFiles
    mailer: Mailer
    policy: ApprovalPolicy
    sender: str
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def check(self, token: ScimToken, account: Account) -> None:
        """Return when `account` may be marked a leaver now; ScimError 429 otherwise."""
        share = self._share(account.ods)
        if not share.over(self.policy):
            return
        job_id = approval_job_id(account)
        job = self._job(job_id)
        if job is not None and job.state not in _REFUSED and account.ods in job.approvals:
            return  # approved: the retry applies it (the approved upload finds it done, or the other way round)
        if job is None:
            job = self._request_approval(job_id, token, account, share)
        raise ScimError(429, _detail(job, account))

    def _share(self, ods: str) -> LeaverShare:
        since = (self.clock() - WINDOW).astimezone(UTC).isoformat()
        recent = sum(1 for other in self.directory.accounts_in(ods)
                     if other.status is AccountStatus.LEAVER and (other.leaver_at or "") >= since)
        active = self.directory.active_account_counts({ods}).get(ods, 0)
        return LeaverShare(ods, recent + 1, active)

    def _job(self, job_id: str) -> Job | None:
        try:
            return self.jobs.get(job_id)
        except JobNotFound:  # no approval asked for yet
            return None

    def _request_approval(self, job_id: str, token: ScimToken, account: Account, share: LeaverShare) -> Job:
        """The one-row leaver upload, waiting for approval, and its one email."""
        issuer, ods = token.issued_by, account.ods
        raw = row_file({**_BLANK_ROW, "Organisation ODSCode": ods, "Email Address": account.email,
                        "Status": "leaver"})
        file_name = f"scim-leaver-{re.sub(r'[^a-z0-9.-]', '-', account.email)}.csv"
        key = f"scim/{issuer}/{job_id}/{file_name}"
        self.files.put_text(key, raw.decode("utf-8"))
        stored = self.files.describe(key, None)
        job, created = self.jobs.create_if_absent(Job(
            job_id=job_id, bucket=stored.bucket, key=key, version_id=stored.version_id, file_name=file_name,
            uploader=issuer, state=JobState.VALIDATING, format="current"))
        if not created:
            return job
        checked = validate_upload(raw, issuer, self.directory, UploadLimits())
        plan = plan_csv(upload_plan(checked.rows, self.directory, self.directory.administered(issuer)))
        plan_key, report_key = f"reports/{job_id}/plan.csv", f"reports/{job_id}/validation.csv"
        self.files.put_text(plan_key, plan)
        self.files.put_text(report_key, validation_report_csv(checked.findings))
        admins = self.directory.administrators({ods}).get(ods, frozenset()) | {issuer}
        deadline = (self.clock().astimezone(UTC).replace(microsecond=0)
                    + timedelta(days=self.policy.approval_days)).isoformat()
        # The approval is of this plan: validating it again after the approval finds the same plan and applies it.
        wait = ApprovalWait(administrators={ods: sorted(admins)}, approvals={}, deadline=deadline,
                            plan_digest=plan_digest(plan),
                            reasons=[f"{share.reason(self.policy)} SCIM token '{token.name}' asked to mark "
                                     f"{account.email} as a leaver."])
        self.jobs.add_approval_deadline(job_id, deadline)
        self.jobs.update(job_id, state=JobState.AWAITING_APPROVAL, plan_key=plan_key, report_key=report_key,
                         orgs=[ods], counts={**job.counts, "rows": 1}, approval_revision=1, **wait.job_changes())
        job = self.jobs.get(job_id)
        # One row's plan: always small enough to attach.
        attached = EmailFile(FileKind.PLAN, plan_attachment_name(file_name), plan_key, content=plan.encode("utf-8"))
        self.mailer.send_once(f"{JobState.AWAITING_APPROVAL.value}:{ods}",
                              approval_needed_email(self.sender, job, attached))
        logger.info("scim leaver awaits approval", extra={"job_id": job_id, "ods": ods, "token_id": token.token_id})
        return job


def approval_job_id(account: Account) -> str:
    """The upload that asks to retire this account as it is now (a later joiner asks afresh)."""
    since = account.joined_at or account.created_at or ""
    return hashlib.sha256(f"scim-leaver\n{account.ods}\n{account.email}\n{since}".encode()).hexdigest()[:32]


def _detail(job: Job, account: Account) -> str:
    if job.state in _REFUSED:
        by = f" by {job.cancelled_by}" if job.cancelled_by else ""
        return (f"Marking {account.email} as a leaver needed a second administrator's approval, and upload "
                f"{job.job_id} was {job.state.value.lower()}{by}; mark them as a leaver with a file instead, "
                "or ask an administrator to.")
    return (f"Marking {account.email} as a leaver needs a second administrator of {account.ods} to approve it: "
            f"upload {job.job_id} waits for approval (roster approve {job.job_id}, or the console) until "
            f"{job.approval_deadline}. Retry after it is approved.")
