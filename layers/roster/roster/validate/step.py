"""The validate step: an uploaded file becomes an upload, a validation report and, when it
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
from roster.errors import UploadStateChanged
from roster.model.files import UploadedObject
from roster.model.rows import PlannedRow
from roster.model.uploads import FINAL_STATES, Upload, UploadState, upload_id_for
from roster.notify.attachments import EmailAttachments, WantedFile, kept_until
from roster.notify.email_files import FileKind
from roster.passwords.sealing import UploadCipher
from roster.ports import Directory, KeyService, Mailer, OrganisationQueue, UploadFiles, UploadRecords, Workflow
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
    uploads: UploadRecords
    directory: Directory
    files: UploadFiles
    queue: OrganisationQueue
    keys: KeyService
    mailer: Mailer
    workflow: Workflow
    undo: UndoPlanner | None = None  # plans undo uploads' rows (docs/approval-and-plan.md#undo)

    def receive(self, key: str, version_id: str | None) -> Upload:
        """Validate one uploaded object version; safe to call again for the same version."""
        stored = self.files.describe(key, version_id)
        upload = Upload(upload_id=upload_id_for(stored.bucket, stored.key, stored.version_id), bucket=stored.bucket,
                        key=stored.key, version_id=stored.version_id, file_name=stored.file_name,
                        uploader=stored.uploader, validate_only=stored.validate_only)
        upload, created = self.uploads.create_if_absent(upload)
        if not created and upload.state is UploadState.AWAITING_FILE:
            upload = self.uploads.file_arrived(upload.upload_id, stored.version_id)  # the form's upload (docs/api.md)
        if not created and upload.version_id != stored.version_id:
            logger.info("another version of an upload ignored: the form was posted again",
                        extra={"upload_id": upload.upload_id, "state": upload.state.value})
            return upload
        if not created and upload.state not in (UploadState.RECEIVED, UploadState.VALIDATING):
            logger.info("repeated upload event ignored",
                        extra={"upload_id": upload.upload_id, "state": upload.state.value})
            if upload.state in FINAL_STATES or upload.state is UploadState.AWAITING_APPROVAL:
                self._email_outcome(upload)  # a crash between the final state and the email is repaired here
            return upload
        self.uploads.update(upload.upload_id, state=UploadState.VALIDATING)
        return self._validate(upload, stored)

    def _validate(self, upload: Upload, stored: UploadedObject) -> Upload:
        limits = UploadLimits(max_rows=self.settings.max_rows, max_bytes=self.settings.max_upload_bytes)
        # The stored size alone refuses an empty file or one over the limit: nothing to read
        # (and S3 refuses a ranged read of an empty object).
        raw = b"" if stored.size == 0 or stored.size > limits.max_bytes else \
            self.files.read(stored.key, stored.version_id, limit=limits.max_bytes)
        # Validated again (an apply, an approval), each row is planned against the accounts as first planned.
        reader = PlannedAgainst(self.directory, load_basis(self.files, upload.basis_key) if upload.basis_key else None)
        outcome = self._undo_plan(upload, reader) if upload.undo_of else \
            validate_upload(raw, upload.uploader, reader, limits, size=stored.size)
        orgs = self._organisations_touched(outcome.rows) if outcome.ok else []
        if (too_many := organisation_limit_finding(orgs)) is not None:
            outcome.findings.insert(0, too_many)
            outcome.rows, orgs = [], []
        if outcome.ok and not upload.basis_key:
            upload = upload.model_copy(update={"basis_key": save_basis(self.files, upload.upload_id, reader.planned)})
            self.uploads.update(upload.upload_id, basis_key=upload.basis_key)
        report_key = f"reports/{upload.upload_id}/validation.csv"
        self.files.put_text(report_key, validation_report_csv(outcome.findings))
        counts = {**upload.counts, "rows": outcome.row_count, "errors": outcome.errors, "warnings": outcome.warnings}
        fmt = outcome.format.value if outcome.format else None
        logger.info("validated", extra={"upload_id": upload.upload_id, "format": fmt, "rows": outcome.row_count,
                                        "errors": outcome.errors, "warnings": outcome.warnings})
        digest = self._record_plan(upload, outcome.rows if outcome.ok else None, outcome.administered)
        wait = self._approval_wait(upload, outcome.rows, digest) if outcome.ok else None
        if wait is not None and not upload.validate_only:
            return self._await_approval(upload, wait, counts=counts, format=fmt, report_key=report_key, orgs=orgs)
        if not outcome.ok or upload.validate_only:
            state = UploadState.INVALID if not outcome.ok else UploadState.VALIDATED
            # A validated upload is listed under its organisations (GET /uploads, docs/api.md#routes).
            listed: dict[str, Any] = {"orgs": orgs} if outcome.ok else {}
            if wait is not None:  # validate-only: applying it will wait; say why and for whom
                listed |= {"approval_administrators": wait.administrators, "approval_reasons": wait.reasons}
            self.uploads.update(upload.upload_id, state=state, counts=counts, format=fmt, report_key=report_key,
                                **listed)
            upload = self.uploads.get(upload.upload_id)
            self._email_outcome(upload)
            return upload
        cipher, encrypted_key = self._data_key(upload.upload_id)
        batch_list_key, batch_count = write_batches(self.files, upload.upload_id, outcome.rows,
                                                    self.settings.batch_size, cipher, reader.planned)
        try:
            self.uploads.update(upload.upload_id, expect_state=UploadState.VALIDATING, counts=counts, format=fmt,
                                report_key=report_key, orgs=orgs, batch_list_key=batch_list_key,
                                batch_count=batch_count, data_key=encrypted_key, state=UploadState.QUEUED)
        except UploadStateChanged:  # a concurrent attempt at the same upload queued it first
            return self.uploads.get(upload.upload_id)
        upload = self.uploads.get(upload.upload_id)
        self.queue.enqueue(upload.upload_id, upload.created_at, orgs)
        dispatch_waiting(self.queue, self.start_create_phase)
        return self.uploads.get(upload.upload_id)

    def apply(self, upload_id: str) -> Upload:
        """Validate an upload again against the directory as it is now and go on as the first
        validation would: one the API set going (apply, docs/api.md#routes) or one just approved
        (docs/approval-and-plan.md#approval). Only while VALIDATING and not validate-only; a repeated request is a
        no-op."""
        upload = self.uploads.get(upload_id)
        if upload.state is not UploadState.VALIDATING or upload.validate_only:
            logger.info("apply request ignored", extra={"upload_id": upload_id, "state": upload.state.value})
            return upload
        return self._validate(upload, self.files.describe(upload.key, upload.version_id))

    def _undo_plan(self, upload: Upload, reader: PlannedAgainst) -> ValidationOutcome:
        """An undo upload's rows: the reverse of the recorded changes of the upload it undoes."""
        if self.undo is None:
            raise RuntimeError("the validate step was built without the undo planner (roster.wiring)")
        return self.undo.plan(upload, reader)

    def _data_key(self, upload_id: str) -> tuple[UploadCipher, str]:
        """The upload's data key (sealing supplied passwords): every attempt at an upload uses the first
        one recorded."""
        cipher, encrypted = UploadCipher.create(self.keys, self.settings.kms_key_id, upload_id)
        proposed = base64.b64encode(encrypted).decode()
        recorded = self.uploads.claim_data_key(upload_id, proposed)
        if recorded != proposed:
            cipher = UploadCipher.of_upload(self.keys, recorded, upload_id)
        return cipher, recorded

    def _organisations_touched(self, rows: list[PlannedRow]) -> list[str]:
        """The rows' organisations and, for existing accounts, the account's own organisation."""
        emails = {row.fields.email for row in rows if row.fields.email}
        accounts = self.directory.accounts(emails)
        orgs = {row.fields.ods for row in rows if row.fields.ods} | {a.ods for a in accounts.values()}
        return sorted(orgs)

    def start_create_phase(self, upload_id: str) -> None:
        """Mark the upload CREATING and start its execution (named after the upload: never twice)."""
        start_create_phase(self.uploads, self.workflow, upload_id)

    def _record_plan(self, upload: Upload, rows: list[PlannedRow] | None, readable: frozenset[str]) -> str | None:
        """plan.csv next to the validation report (docs/csv-format.md, "The plan"), for a file that validated, and
        its SHA-256 (what an approval is of); a file that no longer validates keeps no plan."""
        if rows is None:
            if upload.plan_key:
                self.uploads.update(upload.upload_id, plan_key=None)
            return None
        plan_key, text = f"reports/{upload.upload_id}/plan.csv", plan_csv(upload_plan(rows, self.directory, readable))
        self.files.put_text(plan_key, text)
        self.uploads.update(upload.upload_id, plan_key=plan_key)
        return plan_digest(text)

    def _approval_wait(self, upload: Upload, rows: list[PlannedRow], plan_digest: str | None) -> ApprovalWait | None:
        """Whether the upload waits (docs/csv-format.md). Its leavers are filed first, then those of the
        organisation's other uploads in the window read: of two uploads validated at once, each sees
        the other (docs/security.md)."""
        policy, now = approval_policy(self.settings), datetime.now(UTC).replace(microsecond=0)
        leavers = dict(leavers_by_organisation(rows))
        earlier: Counter[str] = Counter()
        if leavers and not upload.validate_only:  # a validate-only upload only says whether applying will wait
            self.uploads.record_leavers(upload.upload_id, leavers, now.isoformat())
            since = (now - timedelta(hours=policy.window_hours)).isoformat()
            if policy.window_hours:
                earlier = self.uploads.leavers_since(set(leavers), since, upload.upload_id)
        return approval_wait(upload, rows, self.directory, policy, now=now, earlier=earlier, plan_digest=plan_digest)

    def _await_approval(self, upload: Upload, wait: ApprovalWait, **recorded: Any) -> Upload:
        """Nothing applied, nothing queued, no hold: the upload waits for its approvals or its deadline."""
        self.uploads.add_approval_deadline(upload.upload_id, wait.deadline)
        self.uploads.update(upload.upload_id, state=UploadState.AWAITING_APPROVAL, **recorded, **wait.upload_changes(),
                            approval_revision=upload.approval_revision + 1)
        logger.info("awaiting approval", extra={"upload_id": upload.upload_id, "deadline": wait.deadline,
                                                "organisations": sorted(wait.administrators)})
        upload = self.uploads.get(upload.upload_id)
        # The email of the wait just recorded, even when an approver has acted on it already (one who
        # saw it in the console first): re-read, the upload may have moved on and would send none.
        self._email_approval_needed(upload.model_copy(update={**wait.upload_changes(),
                                                              "state": UploadState.AWAITING_APPROVAL}))
        return upload

    def _email_outcome(self, upload: Upload) -> None:
        if upload.state is UploadState.AWAITING_APPROVAL:
            self._email_approval_needed(upload)
            return
        if upload.state not in (UploadState.INVALID, UploadState.VALIDATED) or not upload.report_key:
            return
        sender, to, stem = self.settings.sender_email, upload.uploader, file_stem(upload.file_name)
        wanted = [WantedFile(FileKind.VALIDATION, f"{stem}-validation.csv", upload.report_key)]
        if upload.state is UploadState.INVALID:
            email = self._attachments(upload).email(wanted, lambda files: validation_failed_email(
                sender, to, upload.file_name, upload.upload_id, upload.counts["errors"], upload.counts["warnings"],
                files[0]))
        else:
            if upload.plan_key:
                wanted.append(WantedFile(FileKind.PLAN, plan_attachment_name(upload.file_name), upload.plan_key))
            email = self._attachments(upload).email(wanted, lambda files: validated_email(
                sender, to, upload.file_name, upload.upload_id, upload.counts["rows"], upload.counts["warnings"],
                files[0], plan=files[1] if len(files) > 1 else None, approval_reasons=upload.approval_reasons))
        self.mailer.send_once(upload.state.value, email)

    def _email_approval_needed(self, upload: Upload) -> None:
        # One email per set of organisations waiting: a re-validation that finds another
        # organisation over a limit asks again; a retried step does not.
        waiting = sorted(set(upload.approval_administrators) - set(upload.approvals))
        wanted = [WantedFile(FileKind.PLAN, plan_attachment_name(upload.file_name), upload.plan_key or "")]
        email = self._attachments(upload).email(
            wanted, lambda files: approval_needed_email(self.settings.sender_email, upload, files[0]))
        self.mailer.send_once(f"{UploadState.AWAITING_APPROVAL.value}:{','.join(waiting)}", email)

    def _attachments(self, upload: Upload) -> EmailAttachments:
        """Attached, or linked when SES would not take them (roster.notify.attachments)."""
        return EmailAttachments(self.files, self.settings.attachment_limit_bytes,
                                kept_until(upload.created_at, self.settings.upload_retention_days))
