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
from roster.errors import UploadNotFound
from roster.model.directory import Account, AccountStatus
from roster.model.uploads import Upload, UploadState
from roster.notify.email_files import EmailFile, FileKind
from roster.ports import Directory, Mailer, UploadFiles, UploadRecords
from roster.scim.errors import ScimError
from roster.scim.resources import row_file
from roster.scim.tokens import ScimToken
from roster.validate.upload import UploadLimits, validate_upload
from roster.validate.upload_plan import upload_plan

logger = Logger(child=True)
WINDOW = timedelta(hours=24)  # LeaverApprovalWindowHours' default (docs/approval-and-plan.md#approval)
_REFUSED = (UploadState.CANCELLED, UploadState.INVALID, UploadState.FAILED)
_BLANK_ROW = dict.fromkeys(("Title", "First Name", "Last Name", "Display Name", "Job Title", "Organisational Unit",
                            "Business Phone", "Mobile Phone", "Mailbox Size", "Password"), "")


@dataclass
class LeaverGuard:
    """Lets a SCIM leaver through, or refuses it with 429 until a second administrator approves."""

    directory: Directory
    uploads: UploadRecords
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
        upload_id = approval_upload_id(account)
        upload = self._upload(upload_id)
        if upload is not None and upload.state not in _REFUSED and account.ods in upload.approvals:
            return  # approved: the retry applies it (the approved upload finds it done, or the other way round)
        if upload is None:
            upload = self._request_approval(upload_id, token, account, share)
        raise ScimError(429, _detail(upload, account))

    def _share(self, ods: str) -> LeaverShare:
        since = (self.clock() - WINDOW).astimezone(UTC).isoformat()
        recent = sum(1 for other in self.directory.accounts_in(ods)
                     if other.status is AccountStatus.LEAVER and (other.leaver_at or "") >= since)
        active = self.directory.active_account_counts({ods}).get(ods, 0)
        return LeaverShare(ods, recent + 1, active)

    def _upload(self, upload_id: str) -> Upload | None:
        try:
            return self.uploads.get(upload_id)
        except UploadNotFound:  # no approval asked for yet
            return None

    def _request_approval(self, upload_id: str, token: ScimToken, account: Account, share: LeaverShare) -> Upload:
        """The one-row leaver upload, waiting for approval, and its one email."""
        issuer, ods = token.issued_by, account.ods
        raw = row_file({**_BLANK_ROW, "Organisation ODSCode": ods, "Email Address": account.email,
                        "Status": "leaver"})
        file_name = f"scim-leaver-{re.sub(r'[^a-z0-9.-]', '-', account.email)}.csv"
        key = f"scim/{issuer}/{upload_id}/{file_name}"
        self.files.put_text(key, raw.decode("utf-8"))
        stored = self.files.describe(key, None)
        upload, created = self.uploads.create_if_absent(Upload(
            upload_id=upload_id, bucket=stored.bucket, key=key, version_id=stored.version_id, file_name=file_name,
            uploader=issuer, state=UploadState.VALIDATING, format="current"))
        if not created:
            return upload
        checked = validate_upload(raw, issuer, self.directory, UploadLimits())
        plan = plan_csv(upload_plan(checked.rows, self.directory, self.directory.administered(issuer)))
        plan_key, report_key = f"reports/{upload_id}/plan.csv", f"reports/{upload_id}/validation.csv"
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
        self.uploads.add_approval_deadline(upload_id, deadline)
        self.uploads.update(upload_id, state=UploadState.AWAITING_APPROVAL, plan_key=plan_key, report_key=report_key,
                            orgs=[ods], counts={**upload.counts, "rows": 1}, approval_revision=1,
                            **wait.upload_changes())
        upload = self.uploads.get(upload_id)
        # One row's plan: always small enough to attach.
        attached = EmailFile(FileKind.PLAN, plan_attachment_name(file_name), plan_key, content=plan.encode("utf-8"))
        self.mailer.send_once(f"{UploadState.AWAITING_APPROVAL.value}:{ods}",
                              approval_needed_email(self.sender, upload, attached))
        logger.info("scim leaver awaits approval",
                    extra={"upload_id": upload_id, "ods": ods, "token_id": token.token_id})
        return upload


def approval_upload_id(account: Account) -> str:
    """The upload that asks to retire this account as it is now (a later joiner asks afresh)."""
    since = account.joined_at or account.created_at or ""
    return hashlib.sha256(f"scim-leaver\n{account.ods}\n{account.email}\n{since}".encode()).hexdigest()[:32]


def _detail(upload: Upload, account: Account) -> str:
    if upload.state in _REFUSED:
        by = f" by {upload.cancelled_by}" if upload.cancelled_by else ""
        return (f"Marking {account.email} as a leaver needed a second administrator's approval, and upload "
                f"{upload.upload_id} was {upload.state.value.lower()}{by}; mark them as a leaver with a file instead, "
                "or ask an administrator to.")
    return (f"Marking {account.email} as a leaver needs a second administrator of {account.ods} to approve it: "
            f"upload {upload.upload_id} waits for approval (roster approve {upload.upload_id}, or the console) until "
            f"{upload.approval_deadline}. Retry after it is approved.")
