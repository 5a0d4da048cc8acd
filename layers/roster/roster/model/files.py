"""What the upload bucket holds about a file: who uploaded it, and links to download one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote_plus


@dataclass(frozen=True)
class UploadedObject:
    """One uploaded file version and what the uploader fixed when asking to upload it."""

    bucket: str
    key: str
    version_id: str | None
    uploader: str
    validate_only: bool
    file_name: str
    size: int


@dataclass(frozen=True)
class DownloadLink:
    """A presigned link to an object, and the moment (UTC) it stops working."""

    url: str
    expires_at: datetime


def object_key_from_event(raw_key: str) -> str:
    """S3 event keys are URL-encoded (spaces as '+')."""
    return unquote_plus(raw_key)
