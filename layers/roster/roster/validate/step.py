"""The validate step: an uploaded file becomes a job, a validation report and, when it
validates, a plan (docs/approval-and-plan.md#the-plan); then an email (invalid or validate-only), or a wait for
a second administrator (docs/approval-and-plan.md#approval), or batch files and a started (or queued) create
phase."""

from __future__ import annotations

import base64
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from roster.approval.emails import approval_needed_email
from roster.approval.gate import ApprovalWait, approval_wait, leavers_by_organisation
from roster.contract.plan_file import plan_csv, plan_digest
from roster.contract.validation_report import validation_report_csv
from roster.create.batches import write_batches
from roster.emails import file_stem, plan_attachment_name, validated_email, validation_failed_email
from roster.errors import JobStateChanged
from roster.model.files import UploadedObject
from roster.model.jobs import FINAL_STATES, Job, JobState, job_id_for
from roster.model.rows import PlannedRow
from roster.notify.attachments import EmailAttachments, WantedFile, kept_until
from roster.notify.email_files import FileKind
from roster.passwords.sealing import JobCipher
from roster.ports import Directory, JobRecords, KeyService, Mailer, OrganisationQueue, UploadFiles, Workflow
from roster.queue.dispatch import dispatch_waiting, start_create_phase
from roster.settings import Settings, approval_policy
from roster.undo.planner import UndoPlanner
from roster.validate.basis import PlannedAgainst, load_basis, save_basis
from roster.validate.organisation_limit import organisation_limit_finding
from roster.validate.upload import UploadLimits, ValidationOutcome, validate_upload
from roster.validate.upload_plan import upload_plan

logger = Logger(child=True)


@dataclass
class ValidateStep:
    """The validate step and the ports it takes (production ones: roster.wiring.validate_step)."""

    settings: Settings
    jobs: JobRecords
    directory: Directory
    files: UploadFiles
    queue: OrganisationQueue
    keys: KeyService
    mailer: Mailer
    workflow: Workflow
    undo: UndoPlanner | None = None  # plans undo uploads' rows (docs/approval-and-plan.md#undo)

    def receive(self, key: str, version_id: str | None) -> Job:
        """Validate one uploaded object version; safe to call again for the same version."""
        stored = self.files.describe(key, version_id)
        job = Job(job_id=job_id_for(stored.bucket, stored.key, stored.version_id), bucket=stored.bucket,
                  key=stored.key, version_id=stored.version_id, file_name=stored.file_name,
                  uploader=stored.uploader, validate_only=stored.validate_only)
        job, created = self.jobs.create_if_absent(job)
        if not created and job.state is JobState.AWAITING_FILE:
            job = self.jobs.file_arrived(job.job_id, stored.version_id)  # the form's stored (docs/api.md)
        if not created and job.version_id != stored.version_id:
            logger.info("another version of an stored ignored: the form was posted again",
                        extra={"job_id": job.job_id, "state": job.state.value})
            return job
        if not created and job.state not in (JobState.RECEIVED, JobState.VALIDATING):
            logger.info("repeated stored event ignored", extra={"job_id": job.job_id, "state": job.state.value})
            if job.state in FINAL_STATES or job.state is JobState.AWAITING_APPROVAL:
                self._email_outcome(job)  # a crash between the final state and the email is repaired here
            return job
        self.jobs.update(job.job_id, state=JobState.VALIDATING)
        return self._validate(job, stored)

    def _validate(self, job: Job, stored: UploadedObject) -> Job:
        limits = UploadLimits(max_rows=self.settings.max_rows, max_bytes=self.settings.max_upload_bytes)
        # The stored size alone refuses an empty file or one over the limit: nothing to read
        # (and S3 refuses a ranged read of an empty object).
        raw = b"" if stored.size == 0 or stored.size > limits.max_bytes else \
            self.files.read(stored.key, stored.version_id, limit=limits.max_bytes)
        # Validated again (an apply, an approval), each row is planned against the accounts as first planned.
        reader = PlannedAgainst(self.directory, load_basis(self.files, job.basis_key) if job.basis_key else None)
        outcome = self._undo_plan(job, reader) if job.undo_of else \
            validate_upload(raw, job.uploader, reader, limits, size=stored.size)
        orgs = self._organisations_touched(outcome.rows) if outcome.ok else []
        if (too_many := organisation_limit_finding(orgs)) is not None:
            outcome.findings.insert(0, too_many)
            outcome.rows, orgs = [], []
        if outcome.ok and not job.basis_key:
            job = job.model_copy(update={"basis_key": save_basis(self.files, job.job_id, reader.planned)})
            self.jobs.update(job.job_id, basis_key=job.basis_key)
        report_key = f"reports/{job.job_id}/validation.csv"
        self.files.put_text(report_key, validation_report_csv(outcome.findings))
        counts = {**job.counts, "rows": outcome.row_count, "errors": outcome.errors, "warnings": outcome.warnings}
        fmt = outcome.format.value if outcome.format else None
        logger.info("validated", extra={"job_id": job.job_id, "format": fmt, "rows": outcome.row_count,
                                        "errors": outcome.errors, "warnings": outcome.warnings})
        digest = self._record_plan(job, outcome.rows if outcome.ok else None, outcome.administered)
        wait = self._approval_wait(job, outcome.rows, digest) if outcome.ok else None
        if wait is not None and not job.validate_only:
            return self._await_approval(job, wait, counts=counts, format=fmt, report_key=report_key, orgs=orgs)
        if not outcome.ok or job.validate_only:
            state = JobState.INVALID if not outcome.ok else JobState.VALIDATED
            # A validated stored is listed under its organisations (GET /uploads, docs/api.md#routes).
            listed: dict[str, Any] = {"orgs": orgs} if outcome.ok else {}
            if wait is not None:  # validate-only: applying it will wait; say why and for whom
                listed |= {"approval_administrators": wait.administrators, "approval_reasons": wait.reasons}
            self.jobs.update(job.job_id, state=state, counts=counts, format=fmt, report_key=report_key, **listed)
            job = self.jobs.get(job.job_id)
            self._email_outcome(job)
            return job
        cipher, encrypted_key = self._data_key(job.job_id)
        batch_list_key, batch_count = write_batches(self.files, job.job_id, outcome.rows,
                                                    self.settings.batch_size, cipher, reader.planned)
        try:
            self.jobs.update(job.job_id, expect_state=JobState.VALIDATING, counts=counts, format=fmt,
                             report_key=report_key, orgs=orgs, batch_list_key=batch_list_key,
                             batch_count=batch_count, data_key=encrypted_key, state=JobState.QUEUED)
        except JobStateChanged:  # a concurrent attempt at the same job queued it first
            return self.jobs.get(job.job_id)
        job = self.jobs.get(job.job_id)
        self.queue.enqueue(job.job_id, job.created_at, orgs)
        dispatch_waiting(self.queue, self.start_create_phase)
        return self.jobs.get(job.job_id)

    def apply(self, job_id: str) -> Job:
        """Validate an upload again against the directory as it is now and go on as the first
        validation would: one the API set going (apply, docs/api.md#routes) or one just approved
        (docs/approval-and-plan.md#approval). Only while VALIDATING and not validate-only; a repeated request is a
        no-op."""
        job = self.jobs.get(job_id)
        if job.state is not JobState.VALIDATING or job.validate_only:
            logger.info("apply request ignored", extra={"job_id": job_id, "state": job.state.value})
            return job
        return self._validate(job, self.files.describe(job.key, job.version_id))

    def _undo_plan(self, job: Job, reader: PlannedAgainst) -> ValidationOutcome:
        """An undo upload's rows: the reverse of the recorded changes of the upload it undoes."""
        if self.undo is None:
            raise RuntimeError("the validate step was built without the undo planner (roster.wiring)")
        return self.undo.plan(job, reader)

    def _data_key(self, job_id: str) -> tuple[JobCipher, str]:
        """The job's data key (sealing supplied passwords): every attempt at a job uses the first one recorded."""
        cipher, encrypted = JobCipher.create(self.keys, self.settings.kms_key_id, job_id)
        proposed = base64.b64encode(encrypted).decode()
        recorded = self.jobs.claim_data_key(job_id, proposed)
        if recorded != proposed:
            cipher = JobCipher.of_job(self.keys, recorded, job_id)
        return cipher, recorded

    def _organisations_touched(self, rows: list[PlannedRow]) -> list[str]:
        """The rows' organisations and, for existing accounts, the account's own organisation."""
        emails = {row.fields.email for row in rows if row.fields.email}
        accounts = self.directory.accounts(emails)
        orgs = {row.fields.ods for row in rows if row.fields.ods} | {a.ods for a in accounts.values()}
        return sorted(orgs)

    def start_create_phase(self, job_id: str) -> None:
        """Mark the job CREATING and start its execution (named after the job: never twice)."""
        start_create_phase(self.jobs, self.workflow, job_id)

    def _record_plan(self, job: Job, rows: list[PlannedRow] | None, readable: frozenset[str]) -> str | None:
        """plan.csv next to the validation report (docs/csv-format.md, "The plan"), for a file that validated, and
        its SHA-256 (what an approval is of); a file that no longer validates keeps no plan."""
        if rows is None:
            if job.plan_key:
                self.jobs.update(job.job_id, plan_key=None)
            return None
        plan_key, text = f"reports/{job.job_id}/plan.csv", plan_csv(upload_plan(rows, self.directory, readable))
        self.files.put_text(plan_key, text)
        self.jobs.update(job.job_id, plan_key=plan_key)
        return plan_digest(text)

    def _approval_wait(self, job: Job, rows: list[PlannedRow], plan_digest: str | None) -> ApprovalWait | None:
        """Whether the upload waits (docs/csv-format.md). Its leavers are filed first, then those of the
        organisation's other uploads in the window read: of two uploads validated at once, each sees
        the other (docs/security.md)."""
        policy, now = approval_policy(self.settings), datetime.now(UTC).replace(microsecond=0)
        leavers = dict(leavers_by_organisation(rows))
        earlier: Counter[str] = Counter()
        if leavers and not job.validate_only:  # a validate-only upload only says whether applying will wait
            self.jobs.record_leavers(job.job_id, leavers, now.isoformat())
            since = (now - timedelta(hours=policy.window_hours)).isoformat()
            earlier = self.jobs.leavers_since(set(leavers), since, job.job_id) if policy.window_hours else earlier
        return approval_wait(job, rows, self.directory, policy, now=now, earlier=earlier, plan_digest=plan_digest)

    def _await_approval(self, job: Job, wait: ApprovalWait, **recorded: Any) -> Job:
        """Nothing applied, nothing queued, no hold: the job waits for its approvals or its deadline."""
        self.jobs.add_approval_deadline(job.job_id, wait.deadline)
        self.jobs.update(job.job_id, state=JobState.AWAITING_APPROVAL, **recorded, **wait.job_changes(),
                         approval_revision=job.approval_revision + 1)
        logger.info("awaiting approval", extra={"job_id": job.job_id, "organisations": sorted(wait.administrators),
                                                "deadline": wait.deadline})
        job = self.jobs.get(job.job_id)
        # The email of the wait just recorded, even when an approver has acted on it already (one who
        # saw it in the console first): re-read, the job may have moved on and would send none.
        self._email_approval_needed(job.model_copy(update={**wait.job_changes(),
                                                           "state": JobState.AWAITING_APPROVAL}))
        return job

    def _email_outcome(self, job: Job) -> None:
        if job.state is JobState.AWAITING_APPROVAL:
            self._email_approval_needed(job)
            return
        if job.state not in (JobState.INVALID, JobState.VALIDATED) or not job.report_key:
            return
        sender, to, stem = self.settings.sender_email, job.uploader, file_stem(job.file_name)
        wanted = [WantedFile(FileKind.VALIDATION, f"{stem}-validation.csv", job.report_key)]
        if job.state is JobState.INVALID:
            email = self._attachments(job).email(wanted, lambda files: validation_failed_email(
                sender, to, job.file_name, job.job_id, job.counts["errors"], job.counts["warnings"], files[0]))
        else:
            if job.plan_key:
                wanted.append(WantedFile(FileKind.PLAN, plan_attachment_name(job.file_name), job.plan_key))
            email = self._attachments(job).email(wanted, lambda files: validated_email(
                sender, to, job.file_name, job.job_id, job.counts["rows"], job.counts["warnings"], files[0],
                plan=files[1] if len(files) > 1 else None, approval_reasons=job.approval_reasons))
        self.mailer.send_once(job.state.value, email)

    def _email_approval_needed(self, job: Job) -> None:
        # One email per set of organisations waiting: a re-validation that finds another
        # organisation over a limit asks again; a retried step does not.
        waiting = sorted(set(job.approval_administrators) - set(job.approvals))
        wanted = [WantedFile(FileKind.PLAN, plan_attachment_name(job.file_name), job.plan_key or "")]
        email = self._attachments(job).email(
            wanted, lambda files: approval_needed_email(self.settings.sender_email, job, files[0]))
        self.mailer.send_once(f"{JobState.AWAITING_APPROVAL.value}:{','.join(waiting)}", email)

    def _attachments(self, job: Job) -> EmailAttachments:
        """Attached, or linked when SES would not take them (roster.notify.attachments)."""
        return EmailAttachments(self.files, self.settings.attachment_limit_bytes,
                                kept_until(job.created_at, self.settings.upload_retention_days))
