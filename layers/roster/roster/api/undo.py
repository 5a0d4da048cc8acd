"""`POST /uploads/{id}/undo` (docs/api.md#routes, docs/approval-and-plan.md#undo): an applied
upload, within UndoDays, by its uploader or an administrator of every organisation it changed,
becomes a new upload of reversing rows, validated (its plan shown) and applied only when an
administrator applies it. Asking again gives the same undo upload."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from roster.api.access import Caller
from roster.api.errors import Conflict, Forbidden
from roster.api.uploads import UploadDesk
from roster.model.uploads import Upload, UploadState
from roster.ports import ChangeLog, UndoFiles, UploadRecords
from roster.undo.undo_file import undo_csv, undo_file_name

UNDOABLE_STATES = frozenset({UploadState.COMPLETED, UploadState.FAILED})
UPLOAD_PREFIX = "uploads/"


def undo_upload_id(upload_id: str) -> str:
    """The undo upload of an upload: always the same one (32 hex digits, like every upload id)."""
    return hashlib.sha256(f"undo:{upload_id}".encode()).hexdigest()[:32]


@dataclass
class UndoDesk:
    """Undo on the ports (the production one: roster.wiring.front_door)."""

    desk: UploadDesk
    changes: ChangeLog
    uploads: UploadRecords
    files: UndoFiles
    undo_days: int
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def undo(self, caller: Caller, upload_id: str) -> tuple[Upload, bool]:
        """The undo upload of `upload_id` and whether this call made it (201) or found it (200)."""
        upload = self.desk.visible(caller, upload_id)
        if upload.state not in UNDOABLE_STATES:
            raise Conflict(f"Upload {upload_id} is {upload.state.value}: only an applied upload (COMPLETED or "
                           "FAILED) can be undone.")
        applied = datetime.fromisoformat(upload.updated_at)
        applied = applied if applied.tzinfo else applied.replace(tzinfo=UTC)
        if self.clock() > applied + timedelta(days=self.undo_days):
            raise Conflict(f"Upload {upload_id} was applied on {upload.updated_at[:10]}, more than {self.undo_days} "
                           "days ago: it can no longer be undone. Upload a file that puts back what you need.")
        records = list(self.changes.for_upload(upload.upload_id))
        if not records:
            raise Conflict(f"Upload {upload_id} changed nothing (every row was Unchanged or Failed): there is "
                           "nothing to undo.")
        changed = frozenset(ods for record in records for ods in record.organisations)
        # The uploader may undo what they did while they still administer where they put the accounts
        # (a joiner's old organisation need not be theirs); anyone else must administer every one.
        placed = frozenset(record.ods_after for record in records)
        uploader = caller.email == upload.uploader.lower() and placed <= caller.administered
        if not uploader and not changed <= caller.administered:
            raise Forbidden("Only the administrator who uploaded it, or an administrator of every organisation "
                            f"it changed ({', '.join(sorted(changed))}), may undo upload {upload_id}.")
        undo_id = undo_upload_id(upload.upload_id)
        name = undo_file_name(upload.file_name)
        proposed = Upload(upload_id=undo_id, state=UploadState.AWAITING_FILE, bucket=self.files.bucket,
                          key=f"{UPLOAD_PREFIX}{caller.email}/{undo_id}/{name}", file_name=name, uploader=caller.email,
                          validate_only=True, undo_of=upload.upload_id)
        undo, created = self.uploads.create_if_absent(proposed)
        if undo.state is UploadState.AWAITING_FILE:  # made now, or a call that died before writing its file
            self.files.put_upload(undo.key, undo_csv(records), uploader=undo.uploader, validate_only=True,
                                  file_name=undo.file_name)
        return undo, created
