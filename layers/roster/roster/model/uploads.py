"""Uploads: the upload record, its state and counts, and the outcome of each row."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from roster.model.rows import RowResult


class UploadState(str, Enum):
    """The states of an upload (docs/api.md#upload-states); FINAL_STATES end it."""

    AWAITING_FILE = "AWAITING_FILE"  # an upload form was issued (docs/api.md); the file has not arrived
    RECEIVED = "RECEIVED"
    VALIDATING = "VALIDATING"
    INVALID = "INVALID"
    VALIDATED = "VALIDATED"
    # validated; waits for a second administrator (docs/approval-and-plan.md#approval)
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    QUEUED = "QUEUED"
    CREATING = "CREATING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"  # an administrator cancelled it while it waited, or nobody approved it in time


FINAL_STATES = frozenset({UploadState.INVALID, UploadState.VALIDATED, UploadState.COMPLETED, UploadState.FAILED,
                          UploadState.CANCELLED})

COUNT_NAMES = ("rows", "created", "updated", "leavers", "joiners", "unchanged", "failed", "errors", "warnings")

RESULT_COUNT = {
    RowResult.CREATED: "created",
    RowResult.UPDATED: "updated",
    RowResult.LEAVER: "leavers",
    RowResult.JOINER: "joiners",
    RowResult.UNCHANGED: "unchanged",
    RowResult.FAILED: "failed",
}


def empty_counts() -> dict[str, int]:
    """Every count of job.json (docs/local-run.md#job-json), at zero."""
    return dict.fromkeys(COUNT_NAMES, 0)


def utc_now() -> str:
    """Now, ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# uploads/<admin>/<upload id>/<file>: the key of a form issued with an upload id (docs/api.md).
_UPLOAD_KEY = re.compile(r"uploads/[^/]+/(?P<upload_id>[0-9a-f]{32})/[^/]+")


def upload_id_for(bucket: str, key: str, version_id: str | None) -> str:
    """The upload of an uploaded file. A key holding an upload id is that upload's upload whatever the
    version (a form posted twice is still one upload); any other key is one upload per object
    version. Either way a repeated S3 event finds the same upload."""
    match = _UPLOAD_KEY.fullmatch(key)
    if match:
        return match.group("upload_id")
    digest = hashlib.sha256(f"{bucket}\n{key}\n{version_id or ''}".encode()).hexdigest()
    return digest[:32]


class Upload(BaseModel):
    """The upload record an administrator and an engineer see (DynamoDB console, job.json)."""

    # Stored records and the functions' events name an upload's id `job_id` (roster/adapters/upload_keys.py
    # lists the stored names); code calls it `upload_id`. Models with it read and write the stored name.
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)

    upload_id: str = Field(alias="job_id")
    state: UploadState = UploadState.RECEIVED
    bucket: str
    key: str
    version_id: str | None = None
    file_name: str
    uploader: str
    validate_only: bool = False
    format: str | None = None
    counts: dict[str, int] = Field(default_factory=empty_counts)
    orgs: list[str] = Field(default_factory=list)
    batch_list_key: str | None = None
    batch_count: int = 0
    report_key: str | None = None
    plan_key: str | None = None  # plan.csv (docs/approval-and-plan.md#the-plan), written when the file validates
    basis_key: str | None = None  # the accounts its plan was made against (roster.validate.basis)
    results_key: str | None = None
    data_key: str | None = None  # KMS-encrypted per-upload data key (base64)
    # Approval of large retirements (docs/approval-and-plan.md#approval): the organisations concerned and their
    # administrators, who approved which, why, until when; approval_revision guards each change.
    approval_administrators: dict[str, list[str]] = Field(default_factory=dict)
    approvals: dict[str, str] = Field(default_factory=dict)  # ODS -> the administrator who approved it
    approval_reasons: list[str] = Field(default_factory=list)
    approval_deadline: str | None = None  # ISO 8601 UTC; cancelled by itself after it
    approval_revision: int = 0
    approval_plan_digest: str | None = None  # SHA-256 of the plan.csv approvers are shown: an approval is of it
    leavers_by_org: dict[str, int] = Field(default_factory=dict)  # ODS -> leavers, once it applies or waits
    cancelled_by: str | None = None  # who cancelled it; None when nobody approved it in time
    error: str | None = None
    created_at: str = Field(default_factory=utc_now)
    updated_at: str = Field(default_factory=utc_now)
    progress: dict[str, int] = Field(default_factory=dict)  # rows done per result, by batch
    # The front door (docs/api.md): when the upload form stops working, a TTL for a record whose
    # file never came (epoch seconds; removed when the file arrives), and the apply request.
    form_expires_at: str | None = None
    expires_at: int | None = None
    apply_requested_at: str | None = None
    apply_requested_by: str | None = None
    # Undo (docs/approval-and-plan.md#undo): the upload this one reverses.
    undo_of: str | None = None

    def summary(self) -> dict[str, Any]:
        """What job.json (docs/local-run.md#job-json) holds (and, for an upload that needed approval, who
        was asked, who approved and until when)."""
        shown = {"upload_id", "state", "format", "counts", "file_name", "uploader", "validate_only", "created_at",
                 "updated_at", "error", "orgs"}
        if self.undo_of:
            shown |= {"undo_of"}
        if self.approval_administrators:
            shown |= {"approval_administrators", "approvals", "approval_reasons", "approval_deadline",
                      "cancelled_by"}
        return self.model_dump(mode="json", include=shown)


class RowOutcome(BaseModel):
    """What the create phase did with one row; written once, in the row's transaction."""

    line: int
    result: RowResult
    message: str
    email: str = ""
    sealed_password: str | None = None  # the generated password, encrypted with the upload key
    done_at: str = Field(default_factory=utc_now)


@dataclass(frozen=True)
class QueuedUpload:
    """A validated upload waiting for its organisations, in upload order."""

    position: str  # sorts in upload order
    upload_id: str
    orgs: tuple[str, ...]


@dataclass(frozen=True)
class OpenUpload:
    """An upload that is not finished, and when it entered its state (ISO 8601, UTC)."""

    upload: Upload
    since: str


@dataclass(frozen=True)
class UploadPage:
    """Upload ids, newest first, and where the next page starts (None: this is the last)."""

    upload_ids: list[str]
    next_before: str | None


ENDED = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})


@dataclass(frozen=True)
class ExecutionStatus:
    """What Step Functions says about one execution."""

    status: str  # RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED (PENDING_REDRIVE counts as running)
    error: str | None = None
    cause: str | None = None

    @property
    def ended(self) -> bool:
        return self.status in ENDED


# The listings an upload is found in (GET /uploads): its uploader's and each of its organisations'.
def uploader_listing(email: str) -> str:
    return f"UPLOADER#{email.lower()}"


def organisation_listing(ods: str) -> str:
    return f"ORG#{ods.upper()}"
