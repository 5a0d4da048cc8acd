"""`roster local run`: upload files as an administrator would, on the embedded stack, and
write what came back (docs/local-run.md#what-it-writes: job.json, validation.csv, plan.csv, results.csv,
changes.csv, emails/*.eml, mailbox-report.csv). With `--approve-as`, an upload that waits for approval
is approved by that administrator, as `roster approve` would."""

from __future__ import annotations

import csv
import email
import io
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from roster.adapters.change_log import ChangeLog
from roster.adapters.directory_store import DirectoryStore
from roster.adapters.executions import CreatePhaseExecutions
from roster.adapters.file_store import FileStore
from roster.adapters.upload_store import UploadStore
from roster.api.csv_text import BYTE_ORDER_MARK
from roster.audit.changes_file import APPLIED_STATES, changes_csv
from roster.contract.spreadsheet import escape_formula
from roster.dead_letter.step import dead_lettered_uploads
from roster.errors import UploadNotFound
from roster.model.uploads import FINAL_STATES, Upload, UploadState, upload_id_for
from roster.settings import get_settings
from roster_local.moto_patches.ses_outbox import raw_messages
from roster_local.run.approve_via_api import approve_through_api
from roster_local.run.event_log import write_event_log
from roster_local.stack.embedded_stack import ACCOUNT_ID, REGION, EmbeddedStack

MAILBOX_REPORT_COLUMNS = ("Email Address", "Title", "First Name", "Last Name", "Display Name", "Job Title",
                          "Organisation ODSCode", "Organisational Unit", "Business Phone", "Mobile Phone",
                          "Mailbox Size (GB)", "Status", "Created")
POLL_SECONDS = 0.25  # progress and phase timing to a quarter second; each poll is a request to moto
_VALIDATION_STATES = (UploadState.RECEIVED, UploadState.VALIDATING)
UPLOAD_TIMEOUT_SECONDS = 1800
EXECUTION_CHECK_SECONDS = 1.0
SWEEPER = "SweepFunction"  # template.yaml: the function its schedule runs


class PipelineError(Exception):
    """The pipeline itself broke (not a bad file): the command exits non-zero with this message."""


PHASES = ("validate", "create", "notify", "report")


@dataclass
class Phases:
    """Wall seconds of each phase, summed over the uploads (seen by polling, to POLL_SECONDS):
    validate from the upload to the create phase starting (or the final state), create until
    every row is applied, notify until the last email is sent, report for mailbox-report.csv."""

    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))
    pipeline: float = 0.0  # from the first upload to the mailbox report written

    def add(self, phase: str, seconds: float) -> None:
        self.seconds[phase] += max(0.0, seconds)

    def line(self) -> str:
        return ", ".join(f"{name} {self.seconds[name]:.1f} s" for name in PHASES) + \
            f"; pipeline {self.pipeline:.1f} s"


@dataclass
class UploadResult:
    index: int
    path: Path
    upload: Upload
    folder: Path


class LocalRun:
    """Uploads files into a running EmbeddedStack and collects what each upload produced."""

    def __init__(self, stack: EmbeddedStack, admin: str, out_dir: Path, validate_only: bool = False,
                 report: Callable[[str], None] | None = None, sweep: bool = True) -> None:
        self.stack = stack
        # An upload that cannot finish by itself (its create phase ended without finishing the
        # upload) is ended by the sweeper, as its schedule would on AWS; sweep=False stops there.
        self.sweep = sweep
        self.problems: dict[str, str] = {}  # upload id -> why that upload could not make progress
        self.admin = admin
        self.out_dir = out_dir
        self.validate_only = validate_only
        self.report = report or (lambda line: print(line, file=sys.stderr, flush=True))
        settings = get_settings()
        self.settings = settings
        self.phases = Phases()
        self._created_at: dict[str, float] = {}  # upload id -> when every row was seen applied
        self.files = FileStore(stack.client("s3"), settings.bucket)
        self.uploads = UploadStore(stack.client("dynamodb"), settings.jobs_table)
        self.directory = DirectoryStore(stack.client("dynamodb"), settings.directory_table)
        self.executions = CreatePhaseExecutions(stack.client("stepfunctions"), settings.state_machine_arn)
        self.changes = ChangeLog(stack.client("dynamodb"), settings.changes_table)

    def run(self, files: list[Path], parallel: bool = False, approve_as: str | None = None) -> list[UploadResult]:
        """Upload every file (one after the other, or all at once) and wait for each to finish;
        `approve_as` approves each upload that waits for approval, then waits for it again."""
        began = time.monotonic()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if parallel:
            upload_ids = self._upload_all_at_once(files)
            uploads = [self._wait(i, f, upload_id)
                       for i, (f, upload_id) in enumerate(zip(files, upload_ids, strict=True), start=1)]
            uploads = [self._approve(i, f, upload, approve_as)
                       for i, (f, upload) in enumerate(zip(files, uploads, strict=True), 1)]
        else:
            uploads = [self._approve(i, f, self._wait(i, f, self._upload(f)), approve_as)
                       for i, f in enumerate(files, start=1)]
        self._settle(uploads)
        settled = time.monotonic()
        for upload in uploads:
            if upload.upload_id in self._created_at:
                self.phases.add("notify", settled - self._created_at[upload.upload_id])
        results = [self._write_upload(i, f, self.uploads.get(upload.upload_id))
                   for i, (f, upload) in enumerate(zip(files, uploads, strict=True), start=1)]
        started = time.monotonic()
        self._write_mailbox_report()
        self.phases.add("report", time.monotonic() - started)
        if (unpublished := write_event_log(self.stack, self.out_dir / "events.jsonl")) is not None:
            self.problems["events"] = unpublished
        self.phases.pipeline = time.monotonic() - began
        if self.problems:  # after writing everything: the outputs show what the uploader got
            raise PipelineError("; ".join(self.problems.values()))
        return results

    # -- uploading ---------------------------------------------------------------------
    def _upload(self, path: Path) -> str:
        form = self.files.presigned_upload(self.admin, path.name, self.validate_only,
                                             self.settings.max_upload_bytes)
        response = requests.post(form["url"], data=form["fields"], files={"file": (path.name, path.read_bytes())},
                                 timeout=60)
        if response.status_code >= 300:
            raise PipelineError(f"upload of {path} was refused: HTTP {response.status_code} {response.text[:200]}")
        key = form["fields"]["key"]
        versions = self.stack.client("s3").list_object_versions(Bucket=self.settings.bucket, Prefix=key)
        version = next(v["VersionId"] for v in versions.get("Versions", []) if v["Key"] == key and v["IsLatest"])
        return upload_id_for(self.settings.bucket, key, version)

    def _upload_all_at_once(self, files: list[Path]) -> list[str]:
        upload_ids: list[str | None] = [None] * len(files)
        errors: list[BaseException] = []
        start = threading.Barrier(len(files))

        def upload(index: int, path: Path) -> None:
            try:
                start.wait()
                upload_ids[index] = self._upload(path)
            except BaseException as exc:  # reported below, on the main thread
                errors.append(exc)

        threads = [threading.Thread(target=upload, args=(i, f)) for i, f in enumerate(files)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return [upload_id for upload_id in upload_ids if upload_id]

    # -- approving (docs/approval-and-plan.md#approval) --------------------------------------------
    def _approve(self, index: int, path: Path, upload: Upload, approve_as: str | None) -> Upload:
        """An upload waiting for approval, approved by `approve_as` (as `roster approve` would),
        then waited for again; a refused approval leaves it waiting, and says why."""
        if upload.state is not UploadState.AWAITING_APPROVAL or not approve_as:
            return upload
        # Through the api function, as `roster approve` (run/approve_via_api.py): the last approval's
        # re-validation then runs in the apply function, as deployed.
        answer = approve_through_api(self.stack, upload.upload_id, approve_as)
        if not answer.approved:
            self.report(f"[{index:02d} {path.name}] approval by {approve_as} refused: {answer.message}")
            return upload
        self.report(f"[{index:02d} {path.name}] approved by {approve_as}")
        return self._wait(index, path, upload.upload_id)

    # -- waiting -------------------------------------------------------------------------
    def _wait(self, index: int, path: Path, upload_id: str) -> Upload:
        uploaded = time.monotonic()
        deadline = uploaded + UPLOAD_TIMEOUT_SECONDS
        validated: float | None = None
        next_check = uploaded
        last = ""
        while time.monotonic() < deadline:
            try:
                upload = self.uploads.get(upload_id)
            except UploadNotFound:
                upload = None
            line = _progress_line(index, path, upload)
            if line != last:
                self.report(line)
                last = line
            now = time.monotonic()
            if validated is None and upload is not None and upload.state not in _VALIDATION_STATES:
                validated = now
                self.phases.add("validate", now - uploaded)
            if validated is not None and upload_id not in self._created_at and upload is not None and (
                    upload.state in FINAL_STATES or sum(upload.progress.values()) >= upload.counts.get("rows", 0)):
                self._created_at[upload_id] = now
                self.phases.add("create", now - validated)
            if upload is not None and upload.state is UploadState.AWAITING_APPROVAL:
                return upload  # it waits for a person (docs/approval-and-plan.md#approval): the command ends there
            if upload is not None and upload.state in FINAL_STATES:
                self._note_dead_letter(index, path, upload)
                return upload
            if upload is not None and upload.state is UploadState.CREATING and time.monotonic() >= next_check:
                next_check = time.monotonic() + EXECUTION_CHECK_SECONDS
                self._end_abandoned_create_phase(index, path, upload)
            # Only this upload's own event (its key holds the upload id): an earlier upload's dropped
            # event says nothing about this one, whose validation may simply not have started yet.
            dropped = [event for event in self.stack.lambdas.stats.dropped_events if upload_id in event]
            if upload is None and dropped:
                raise PipelineError(f"upload {index:02d} ({path.name}): the upload event failed every attempt; "
                                    f"see the handler errors above ({dropped[-1][:300]})")
            if self.stack.iam is not None:
                self.stack.iam.raise_if_denied()  # a refused call: the run fails now, not at its timeout
            time.sleep(POLL_SECONDS)
        raise PipelineError(f"upload {index:02d} ({path.name}) did not finish within {UPLOAD_TIMEOUT_SECONDS} s; "
                            f"last seen: {last}")

    def _note_dead_letter(self, index: int, path: Path, upload: Upload) -> None:
        """An upload its dead-letter consumer ended: the upload event failed every attempt."""
        # By key: moto's S3 events carry no versionId (validate then reads the latest version).
        dead = {dead.key for record in list(self.stack.lambdas.stats.dead_letters)
                for dead in dead_lettered_uploads(record)}
        if upload.state is UploadState.FAILED and upload.key in dead:
            self.problems[upload.upload_id] = f"upload {index:02d} ({path.name}): FAILED: {upload.error}"

    def _end_abandoned_create_phase(self, index: int, path: Path, upload: Upload) -> None:
        """A create phase that ended without finishing its upload (notify failed every attempt) is
        ended by the sweeper, as its schedule would on AWS, instead of waiting for ever."""
        execution = self.executions.status(upload.upload_id)
        if (execution is None or not execution.ended
                or self.uploads.get(upload.upload_id).state is not UploadState.CREATING):
            return
        why = (f"upload {index:02d} ({path.name}): its create phase ended ({execution.error or execution.status}: "
               f"{(execution.cause or '')[:200]}) without finishing the upload")
        if not self.sweep:
            raise PipelineError(why)
        payload, failed = self.stack.run_schedule(SWEEPER)
        if failed:
            raise PipelineError(f"{why}, and the sweeper failed too: {payload.get('errorMessage', payload)}")
        self.problems[upload.upload_id] = f"{why}; the sweeper ended it FAILED"

    def _settle(self, uploads: list[Upload]) -> None:
        """Let every execution and queued invocation end, so that every email has been sent."""
        stepfunctions = self.stack.client("stepfunctions")
        executions = stepfunctions.list_executions(stateMachineArn=self.settings.state_machine_arn)["executions"]
        deadline = time.monotonic() + 300
        for execution in executions:
            while time.monotonic() < deadline:
                status = stepfunctions.describe_execution(executionArn=execution["executionArn"])["status"]
                if status != "RUNNING":
                    break
                time.sleep(POLL_SECONDS)
            else:
                raise PipelineError(f"execution {execution['name']} was still running after 300 s")
        if not self.stack.lambdas.wait_idle(timeout=300):
            raise PipelineError("an upload event was still being handled after 300 s")

    # -- writing ------------------------------------------------------------------------
    def _write_upload(self, index: int, path: Path, upload: Upload) -> UploadResult:
        folder = self.out_dir / f"{index:02d}-{path.stem}"
        (folder / "emails").mkdir(parents=True, exist_ok=True)
        (folder / "job.json").write_text(json.dumps(upload.summary(), indent=2) + "\n", encoding="utf-8")
        report = self.files.read(upload.report_key).decode("utf-8") if upload.report_key else \
            "Line,Column,Value,Severity,Message\r\n"
        (folder / "validation.csv").write_text(report, encoding="utf-8", newline="")
        if upload.plan_key:
            (folder / "plan.csv").write_bytes(self.files.read(upload.plan_key))
        if upload.results_key:  # a workbook upload's results are a workbook (docs/csv-format.md)
            name = "results.xlsx" if upload.results_key.endswith(".xlsx") else "results.csv"
            (folder / name).write_bytes(self.files.read(upload.results_key))
        if upload.state in APPLIED_STATES:  # what it changed (docs/approval-and-plan.md#changes-and-history)
            changes = changes_csv(self.changes.for_upload(upload.upload_id))
            (folder / "changes.csv").write_text(changes, encoding="utf-8", newline="")
        for number, raw in enumerate(sent_emails(upload.upload_id), start=1):
            (folder / "emails" / f"{number:02d}.eml").write_bytes(raw)
        return UploadResult(index, path, upload, folder)

    def _write_mailbox_report(self) -> None:
        # What DirectoryStore.all_accounts returns, one organisation at a time: each account
        # becomes its CSV line at once (one string, not thirteen), so neither 100,000 account
        # models nor their cells are ever alive together; the lines are then sorted by address.
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")

        def csv_line(cells: list[object]) -> str:  # as every CSV Roster writes (docs/csv-format.md)
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([escape_formula(str(cell)) for cell in cells])
            return buffer.getvalue()

        lines = [(a.email, csv_line([a.email, a.title or "", a.first_name, a.last_name, a.display_name or "",
                                     a.job_title or "", a.ods, a.unit or "", a.business_phone or "",
                                     a.mobile_phone or "", a.mailbox_gb, a.status.value, a.created_at or ""]))
                 for ods in self.directory.organisation_codes() for a in self.directory.accounts_in(ods)]
        lines.sort()
        with (self.out_dir / "mailbox-report.csv").open("w", encoding="utf-8", newline="") as handle:
            handle.write(BYTE_ORDER_MARK + csv_line(list(MAILBOX_REPORT_COLUMNS)))
            handle.writelines(line for _, line in lines)


def sent_emails(upload_id: str) -> list[bytes]:
    """Every email SES accepted for this upload, as sent (moto keeps the raw messages)."""
    return [raw for raw in raw_messages(ACCOUNT_ID, REGION)
            if email.message_from_bytes(raw).get("X-Roster-Job") == upload_id]


def _progress_line(index: int, path: Path, upload: Upload | None) -> str:
    if upload is None:
        return f"[{index:02d} {path.name}] uploaded, waiting for validation"
    rows = upload.counts.get("rows", 0)
    text = f"[{index:02d} {path.name}] {upload.state.value}"
    if upload.state is UploadState.VALIDATING:
        return text + " ..."
    if upload.state is UploadState.AWAITING_APPROVAL:
        waiting = ", ".join(sorted(set(upload.approval_administrators) - set(upload.approvals)))
        return text + f": {rows} rows validated; waits for an administrator of {waiting} to approve it"
    errors, warnings = upload.counts.get("errors", 0), upload.counts.get("warnings", 0)
    text += f": {rows} rows validated, {errors} errors, {warnings} warnings"
    if upload.state in (UploadState.CREATING, UploadState.COMPLETED, UploadState.FAILED):
        done = sum(upload.progress.values())
        text += f"; {done}/{rows} rows applied"
    return text
