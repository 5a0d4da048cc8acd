"""Telling an uploader, once, that a system error stopped their upload before it had results.

The dead-letter consumer and the sweeper both send this email, under one idempotency kind,
so whichever notices first tells the uploader and the other sends nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from roster.emails import OutgoingEmail, upload_failed_email
from roster.model.uploads import Upload

UPLOAD_FAILED_KIND = "upload-failed"

SendOnce = Callable[[str, OutgoingEmail], str]  # (kind, email) -> message id; adapters.ses.send_once


@dataclass
class UploadFailureNotice:
    """Sends the `Upload failed:` email of an upload that has no results file."""

    sender: str
    send_once: SendOnce

    def tell(self, upload: Upload, rows_may_be_applied: bool = False) -> None:
        """Email the upload's uploader (at most once per upload, however often this is called)."""
        email = upload_failed_email(self.sender, upload.uploader, upload.file_name, upload.upload_id,
                                    rows_may_be_applied)
        self.send_once(UPLOAD_FAILED_KIND, email)
