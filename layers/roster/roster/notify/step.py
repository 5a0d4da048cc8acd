"""The notify step: the results file, the upload's final state and counts, the email, and
handing the organisations on to the next queued upload."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from roster.contract.columns import CURRENT_COLUMNS, LEGACY_COLUMNS, UploadFormat
from roster.contract.formats import DetectedFormat, detect_format
from roster.contract.reading import Record
from roster.contract.results_file import ResultLine, results_csv, results_table, with_warnings
from roster.contract.upload_file import is_workbook, read_upload
from roster.contract.validation_report import parse_validation_report
from roster.contract.workbook import worksheet_name
from roster.contract.workbook_writer import XLSX_CONTENT_TYPE, workbook_bytes
from roster.create.batches import generated_password_purpose, planned_lines
from roster.emails import file_stem, upload_complete_email
from roster.model.rows import RowResult
from roster.model.uploads import FINAL_STATES, RESULT_COUNT, RowOutcome, Upload, UploadState
from roster.notify.attachments import EmailAttachments, WantedFile, kept_until
from roster.notify.email_files import FileKind
from roster.passwords.sealing import UploadCipher
from roster.ports import KeyService, Mailer, OrganisationQueue, UploadFiles, UploadRecords, Workflow
from roster.queue.dispatch import dispatch_waiting, start_create_phase
from roster.settings import Settings

logger = Logger(child=True)

NOT_PROCESSED = ("Not processed: the upload stopped on a system error before this row was applied. Upload this "
                 "results file again to retry it; rows already done are reported Unchanged, never created twice.")


@dataclass
class NotifyStep:
    """The notify step and the ports it takes (production ones: roster.wiring.notify_step)."""

    settings: Settings
    uploads: UploadRecords
    files: UploadFiles
    queue: OrganisationQueue
    keys: KeyService
    mailer: Mailer
    workflow: Workflow

    def finish(self, upload_id: str, failure: dict[str, Any] | None = None) -> Upload:
        """Finish an upload once; a retried call only repeats what had not happened yet."""
        upload = self.uploads.get(upload_id)
        if upload.state not in FINAL_STATES:
            upload = self._write_results(upload, failure)
        try:
            self._email(upload)
        finally:
            # A failing email (its retry sends it) never keeps the organisations held (docs/security.md).
            self.queue.release(upload.upload_id, upload.orgs)
        started = dispatch_waiting(self.queue, lambda queued: start_create_phase(self.uploads, self.workflow, queued))
        logger.info("upload finished", extra={"upload_id": upload.upload_id, "state": upload.state.value,
                                           "started_next": started, "counts": dict(upload.counts)})
        return upload

    def _write_results(self, upload: Upload, failure: dict[str, Any] | None) -> Upload:
        cipher = UploadCipher.of_upload(self.keys, upload.data_key, upload.upload_id)
        recorded: set[int] = set()
        outcomes = self.uploads.outcomes_in_line_order(upload.upload_id)
        body, tally, extension = self._results_file(upload, outcomes, recorded, cipher)
        # Only the planned lines without an outcome are kept, not every line of the upload.
        missing = len({line for line in planned_lines(self.files, upload.upload_id) if line not in recorded})
        results_key = f"results/{upload.upload_id}/{file_stem(upload.file_name)}-results.{extension}"
        if isinstance(body, bytes):  # a workbook upload's results are a workbook (docs/csv-format.md)
            self.files.put_bytes(results_key, body, XLSX_CONTENT_TYPE)
        else:
            self.files.put_text(results_key, body)
        counts = {**upload.counts, **{name: tally.get(name, 0) for name in RESULT_COUNT.values()}}
        state = UploadState.FAILED if failure or missing else UploadState.COMPLETED
        error = _failure_text(failure, missing) if state is UploadState.FAILED else None
        self.uploads.update(upload.upload_id, state=state, counts=counts, results_key=results_key, error=error)
        return self.uploads.get(upload.upload_id)

    def _results_file(self, upload: Upload, outcomes: Iterator[RowOutcome], recorded: set[int],
                      cipher: UploadCipher) -> tuple[str | bytes, dict[str, int], str]:
        """The results file (CSV text, or a workbook's bytes for a workbook upload), its tally and
        its extension; `recorded` gets the line of every outcome read."""
        raw = self.files.read(upload.key, upload.version_id)
        records = iter(read_upload(raw, self.settings.max_upload_bytes))
        header = next(records).cells
        detected = detect_format([cell.strip() for cell in header])
        lines = _result_lines(records, detected, _noted(outcomes, recorded), self._warnings_by_line(upload), cipher)
        # Lines are made and counted as the CSV is written, the outcomes read as they are met: a
        # 100,000-row upload keeps no list of either.
        tally: dict[str, int] = {}
        if is_workbook(raw):
            table = results_table(header, _tallied(lines, tally), _password_column(detected.format),
                                  detected.is_results_file)
            return workbook_bytes(*table, sheet_name=worksheet_name(raw)), tally, "xlsx"
        results = results_csv(header, _tallied(lines, tally), _password_column(detected.format),
                              detected.is_results_file)
        return results, tally, "csv"

    def _warnings_by_line(self, upload: Upload) -> dict[int, list[str]]:
        """The validation warnings of each line, from the upload's validation report."""
        by_line: dict[int, list[str]] = {}
        if upload.report_key:
            for finding in parse_validation_report(self.files.read(upload.report_key).decode("utf-8")):
                if finding.needs_checking and finding.line is not None:
                    by_line.setdefault(finding.line, []).append(finding.message)
        return by_line

    def _email(self, upload: Upload) -> None:
        if upload.results_key is None:
            return
        attachments = EmailAttachments(self.files, self.settings.attachment_limit_bytes,
                                       kept_until(upload.created_at, self.settings.upload_retention_days))
        results_name = f"{file_stem(upload.file_name)}-results.{upload.results_key.rsplit('.', 1)[-1]}"  # .csv or .xlsx
        wanted = [WantedFile(FileKind.RESULTS, results_name, upload.results_key)]
        email = attachments.email(wanted, lambda files: upload_complete_email(
            self.settings.sender_email, upload.uploader, upload.file_name, upload.upload_id, upload.counts, files[0],
            failed=upload.state is UploadState.FAILED, warning_lines=sorted(self._warnings_by_line(upload))))
        self.mailer.send_once("upload-complete", email)


def _result_lines(records: Iterable[Record], detected: DetectedFormat, outcomes: Iterator[RowOutcome],
                  warnings: dict[int, list[str]], cipher: UploadCipher) -> Iterator[ResultLine]:
    """Each data row of the upload with what happened to it, in file order (records and
    outcomes both come in line order, and are joined as they pass)."""
    pending = next(outcomes, None)
    for record in records:
        if not detected.is_data_row(record.cells):
            continue  # validation skipped it too
        while pending is not None and pending.line < record.line:
            pending = next(outcomes, None)
        outcome = pending if pending is not None and pending.line == record.line else None
        if outcome is None:
            yield ResultLine(cells=record.cells, result=RowResult.FAILED,
                             message=with_warnings(NOT_PROCESSED, warnings.get(record.line, [])))
        else:
            password = (cipher.unseal(outcome.sealed_password, generated_password_purpose(record.line))
                        if outcome.sealed_password else "")
            yield ResultLine(cells=record.cells, result=outcome.result,
                             message=with_warnings(outcome.message, warnings.get(record.line, [])),
                             assigned_email=outcome.email, temporary_password=password)


def _noted(outcomes: Iterator[RowOutcome], recorded: set[int]) -> Iterator[RowOutcome]:
    """The outcomes as they are; `recorded` gets each one's line, to the last one read."""
    for outcome in outcomes:
        recorded.add(outcome.line)
        yield outcome


def _tallied(lines: Iterable[ResultLine], tally: dict[str, int]) -> Iterator[ResultLine]:
    """The lines as they are; `tally` counts their results once they have all passed."""
    for line in lines:
        tally[RESULT_COUNT[line.result]] = tally.get(RESULT_COUNT[line.result], 0) + 1
        yield line


def _password_column(upload_format: UploadFormat) -> int:
    columns = CURRENT_COLUMNS if upload_format is UploadFormat.CURRENT else LEGACY_COLUMNS
    return columns.index("Password")


def _failure_text(failure: dict[str, Any] | None, missing: int) -> str:
    parts = []
    if failure:
        parts.append(f"{failure.get('Error', 'error')}: {str(failure.get('Cause', ''))[:500]}")
    if missing:
        parts.append(f"{missing} rows were not processed")
    return "; ".join(parts)
