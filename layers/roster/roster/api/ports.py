"""What the front door needs from the stores, as small Protocols (DynamoDB, S3 and Lambda
adapters in production; in-memory fakes in the unit tests)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from roster.adapters.upload_listing import UploadPage
from roster.model.directory import Account, Organisation
from roster.model.jobs import Job


class UploadRecords(Protocol):
    """Job records (the Jobs table)."""

    def create_if_absent(self, job: Job) -> tuple[Job, bool]: ...

    def get(self, job_id: str) -> Job: ...  # JobNotFound when there is none

    def request_apply(self, job_id: str, requested_by: str) -> Job: ...


class UploadIndex(Protocol):
    """Uploads listed by uploader and by organisation, newest first."""

    def page(self, listings: list[str], limit: int, before: str | None = None) -> UploadPage: ...

    def jobs(self, job_ids: list[str]) -> list[Job]: ...


class UploadFiles(Protocol):
    """The upload bucket: forms for new files, and the reports and results to serve."""

    bucket: str

    def presigned_upload(self, uploader: str, file_name: str, validate_only: bool, max_bytes: int,
                         expires_in: int = 900, upload_id: str | None = None) -> dict[str, Any]: ...

    def read(self, key: str, version_id: str | None = None, limit: int | None = None) -> bytes: ...


class Administrators(Protocol):
    """The directory, as far as the front door reads it."""

    def administered(self, admin_email: str) -> frozenset[str]: ...

    def administrator_email(self, sub: str) -> str | None: ...  # the administrator bound to a Cognito user

    def organisations(self, ods_codes: set[str]) -> dict[str, Organisation]: ...  # those that exist, by ODS code

    def accounts_in(self, ods: str) -> Iterable[Account]: ...


class ApplyRequests(Protocol):
    """Hands a validated upload to the apply function (asynchronously)."""

    def request(self, upload_id: str) -> None: ...


class Approvals(Protocol):
    """Approving and cancelling uploads that wait for approval (roster.approve.step.ApprovalStep)."""

    def approve_upload(self, job_id: str, approver: str) -> Job: ...

    def cancel_upload(self, job_id: str, who: str) -> Job: ...
