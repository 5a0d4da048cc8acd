"""An administrator's uploads (docs/api.md#http-api): upload forms, the list, one upload, its
validation report and results, and applying a validated upload.

Every method takes the signed-in caller and refuses what the directory does not let them
see; the stores are ports, so the unit tests run it on in-memory fakes."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from roster.api.access import Caller
from roster.api.downloads import CsvDownload, WorkbookDownload, report_head, stored_download, stored_workbook
from roster.api.errors import BadRequest, Conflict, Forbidden, NotFound, TooLarge
from roster.api.upload_view import first_findings, upload_view
from roster.approval.policy import ApprovalRefused
from roster.contract.file_names import unshowable_character
from roster.emails import file_stem
from roster.errors import NotAwaitingApproval, UploadNotFound
from roster.model.uploads import FINAL_STATES, Upload, UploadState, organisation_listing, uploader_listing
from roster.ports import ApplyRequests, Approvals, UploadFiles, UploadIndex, UploadRecords

FORM_SECONDS = 900  # an upload form works for 15 minutes
FORGET_UNSENT_SECONDS = 3600  # a record whose file never came is deleted (TTL) this long after its form expired
DEFAULT_PAGE, MAX_PAGE = 25, 100
_FILE_NAME = re.compile(r"[^/\\\x00-\x1f\x7f]{1,200}")
_POSITION = re.compile(r"\d{4}-\d\d-\d\dT[0-9:+-]+#[0-9a-f]{32}")
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
# What an upload in each state lacks before it can be applied (docs/api.md#routes: any state but VALIDATED is 409).
_NOT_APPLICABLE = {
    UploadState.AWAITING_FILE: "its file has not arrived yet",
    UploadState.RECEIVED: "it is still being validated; apply it once it is VALIDATED",
    UploadState.VALIDATING: "it is still being validated; apply it once it is VALIDATED",
    UploadState.INVALID: "it failed validation; correct the file and upload it again",
}


@dataclass
class UploadDesk:
    """The uploads part of the front door, on its ports."""

    records: UploadRecords
    index: UploadIndex
    files: UploadFiles
    applier: ApplyRequests
    max_upload_bytes: int
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    approvals: Approvals | None = None

    def issue_form(self, caller: Caller, request: dict[str, Any]) -> dict[str, Any]:
        """A presigned POST for one file; the upload is recorded AWAITING_FILE first, so its id is known."""
        caller.require_an_organisation()
        file_name, validate_only = _form_request(request, self.max_upload_bytes)
        upload_id, now = uuid.uuid4().hex, self.clock()
        expires = now + timedelta(seconds=FORM_SECONDS)
        form = self.files.presigned_upload(caller.email, file_name, validate_only, self.max_upload_bytes,
                                           expires_in=FORM_SECONDS, upload_id=upload_id)
        self.records.create_if_absent(Upload(
            upload_id=upload_id, state=UploadState.AWAITING_FILE, bucket=self.files.bucket,
            key=form["fields"]["key"], file_name=file_name, uploader=caller.email, validate_only=validate_only,
            created_at=_iso(now), updated_at=_iso(now), form_expires_at=_iso(expires),
            expires_at=int((expires + timedelta(seconds=FORGET_UNSENT_SECONDS)).timestamp())))
        return {"upload_id": upload_id, "form": {"url": form["url"], "fields": form["fields"]},
                "expires_in": FORM_SECONDS}

    def list_uploads(self, caller: Caller, limit: str | None, cursor: str | None) -> dict[str, Any]:
        """The caller's uploads and their organisations', newest first, one page."""
        caller.require_an_organisation()
        size = _page_size(limit)
        listings = [uploader_listing(caller.email), *(organisation_listing(o) for o in sorted(caller.administered))]
        page = self.index.page(listings, size, _position(cursor))
        uploads = [j for j in self.index.uploads(page.upload_ids) if caller.may_see(j) and not self._unsent(j)]
        next_cursor = base64.urlsafe_b64encode(page.next_before.encode()).decode() if page.next_before else None
        return {"uploads": [upload_view(j, caller.email) for j in uploads], "next_cursor": next_cursor}

    def describe(self, caller: Caller, upload_id: str) -> dict[str, Any]:
        """One upload, with the first findings of its validation report."""
        upload = self._visible(caller, upload_id)
        view = upload_view(upload, caller.email)
        view["findings"] = first_findings(report_head(self.files, upload.report_key)) if upload.report_key else []
        return view

    def validation_report(self, caller: Caller, upload_id: str) -> CsvDownload:
        """The upload's validation report (docs/csv-format.md#validation-report)."""
        upload = self._visible(caller, upload_id)
        if not upload.report_key:
            raise Conflict(f"Upload {upload_id} has not been validated yet (it is {upload.state.value}); "
                           "ask again in a moment.")
        return stored_download(self.files, f"{file_stem(upload.file_name)}-validation.csv", upload.report_key)

    def results(self, caller: Caller, upload_id: str) -> CsvDownload:
        """The upload's results file (docs/csv-format.md#results-file), to its uploader only."""
        upload = self._visible(caller, upload_id)
        caller.require_uploader(upload)
        if not upload.results_key:
            why = ("it created nothing (validate-only or invalid); its validation report says what was found"
                   if upload.state in (UploadState.INVALID, UploadState.VALIDATED) else f"it is {upload.state.value}")
            raise Conflict(f"Upload {upload_id} has no results: {why}.")
        if upload.results_key.endswith(".xlsx"):
            raise Conflict(f"Upload {upload_id} was a workbook, so its results are one: "
                           f"GET /uploads/{upload_id}/results.xlsx.")
        return stored_download(self.files, f"{file_stem(upload.file_name)}-results.csv", upload.results_key)

    def results_workbook(self, caller: Caller, upload_id: str) -> WorkbookDownload:
        """The results of a workbook upload as a workbook (docs/csv-format.md), to its uploader only."""
        upload = self._visible(caller, upload_id)
        caller.require_uploader(upload)
        if not upload.results_key or not upload.results_key.endswith(".xlsx"):
            raise Conflict(f"Upload {upload_id} has no results workbook: only a workbook upload that was applied "
                           f"has one (it is {upload.state.value}; a CSV upload's results are "
                           f"GET /uploads/{upload_id}/results.csv).")
        return stored_workbook(self.files, f"{file_stem(upload.file_name)}-results.xlsx", upload.results_key)

    def apply(self, caller: Caller, upload_id: str) -> dict[str, Any]:
        """A validated (validate-only) upload goes on to create, without its file being sent again.
        Asking twice applies it once; any other state is a Conflict."""
        upload = self._visible(caller, upload_id)
        caller.require_uploader(upload)
        if upload.state is UploadState.VALIDATED and upload.validate_only:
            upload = self.records.request_apply(upload.upload_id, caller.email)
        if upload.apply_requested_at is None:
            why = _NOT_APPLICABLE.get(upload.state, f"it was uploaded to be applied and is {upload.state.value}")
            raise Conflict(f"Only a validated, validate-only upload can be applied, and {why}.")
        if upload.state in FINAL_STATES:  # applied already and finished: nothing is applied twice (docs/api.md)
            raise Conflict(f"Upload {upload_id} was applied already and is {upload.state.value}; nothing was applied "
                           f"again. To change more, upload a new file.")
        if upload.state is UploadState.VALIDATING:
            # Also on a retried request: the apply function does nothing for an upload already applied.
            self.applier.request(upload.upload_id)
        return upload_view(upload, caller.email)

    def plan(self, caller: Caller, upload_id: str) -> CsvDownload:
        """What each row of a validated upload will do (docs/approval-and-plan.md#the-plan), to whoever may see it."""
        upload = self._visible(caller, upload_id)
        if not upload.plan_key:
            raise Conflict(f"Upload {upload_id} has no plan: only a file that validated has one, and it is "
                           f"{upload.state.value}.")
        return stored_download(self.files, f"{file_stem(upload.file_name)}-plan.csv", upload.plan_key)

    def approve(self, caller: Caller, upload_id: str) -> dict[str, Any]:
        """Approve an upload waiting for approval (docs/approval-and-plan.md#approval): 403 when the contract refuses
        this administrator, 409 when it does not wait; the same approval again answers the same."""
        upload = self._visible(caller, upload_id)
        return upload_view(self._approvals(lambda a: a.approve_upload(upload.upload_id, caller.email)), caller.email)

    def cancel(self, caller: Caller, upload_id: str) -> dict[str, Any]:
        """Cancel an upload waiting for approval: the uploader or an administrator concerned."""
        upload = self._visible(caller, upload_id)
        return upload_view(self._approvals(lambda a: a.cancel_upload(upload.upload_id, caller.email)), caller.email)

    def _approvals(self, act: Callable[[Approvals], Upload]) -> Upload:
        if self.approvals is None:
            raise Conflict("Approvals are not available here.")
        try:
            return act(self.approvals)
        except ApprovalRefused as exc:
            raise Forbidden(str(exc)) from None
        except NotAwaitingApproval as exc:
            raise Conflict(str(exc)) from None

    def visible(self, caller: Caller, upload_id: str) -> Upload:
        """The upload, when the caller may see it (404 and 403 otherwise)."""
        return self._visible(caller, upload_id)

    # -- helpers ---------------------------------------------------------------------------
    def _visible(self, caller: Caller, upload_id: str) -> Upload:
        caller.require_an_organisation()
        if not _UPLOAD_ID.fullmatch(upload_id):
            raise NotFound(f"There is no upload {upload_id[:40]}.")
        try:
            upload = self.records.get(upload_id)
        except UploadNotFound:
            raise NotFound(f"There is no upload {upload_id}.") from None
        caller.require_to_see(upload)
        if self._unsent(upload):
            raise NotFound(f"The form of upload {upload_id} expired before a file was sent; ask for a new form "
                           "(roster upload) and send the file again.")
        return upload

    def _unsent(self, upload: Upload) -> bool:
        """An upload whose form expired with no file: gone, though its record waits for the TTL."""
        return (upload.state is UploadState.AWAITING_FILE and upload.form_expires_at is not None
                and datetime.fromisoformat(upload.form_expires_at) <= self.clock())


def _form_request(request: dict[str, Any], max_bytes: int) -> tuple[str, bool]:
    file_name = request.get("file_name")
    unshowable = unshowable_character(file_name.strip()) if isinstance(file_name, str) else None
    if unshowable:
        raise BadRequest(f"file_name holds {unshowable}, which Roster cannot show in an email or the console; "
                         "rename the file without it and upload it again.")
    if not isinstance(file_name, str) or not _FILE_NAME.fullmatch(file_name.strip()):
        raise BadRequest("Give file_name: the CSV file's name, 1 to 200 characters, without / or \\.")
    validate_only = request.get("validate_only", False)
    if not isinstance(validate_only, bool):
        raise BadRequest("validate_only must be true (check the file and create nothing) or false.")
    size = request.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise BadRequest("size, when given, must be the file's size in bytes.")
    if size is not None and size > max_bytes:
        raise TooLarge(f"The file is {size:,} bytes, above the {max_bytes:,} bytes allowed in one upload; split it "
                       "into smaller files and upload each one.")
    return file_name.strip(), validate_only


def _page_size(limit: str | None) -> int:
    if limit is None or limit == "":
        return DEFAULT_PAGE
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_PAGE:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_PAGE}.")
    return int(limit)


def _position(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        position = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        position = ""
    if not _POSITION.fullmatch(position):
        raise BadRequest("cursor is not one this API gave; start again without it.")
    return position


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()
