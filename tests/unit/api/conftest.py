"""The front door on in-memory fakes of its ports: no AWS. Requests go through the real
resolver as API Gateway events, with the claims a verified ID token would carry."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from roster.api.front_door import FrontDoor
from roster.api.http import api_resolver
from roster.api.records import RecordsDesk
from roster.api.uploads import UploadDesk
from roster.approval.policy import ApprovalRefused, ApprovalRequest
from roster.errors import JobNotFound, NotAwaitingApproval
from roster.model.directory import Account, Organisation
from roster.model.files import DownloadLink
from roster.model.jobs import Job, JobState, UploadPage, organisation_listing, uploader_listing
from roster_local.serve.api_gateway import HttpRequest, api_gateway_event
from tests.unit import fakes

ADMIN = "admin@example.nhs.net"  # administers RX1, RY2 and Y0301
PRACTICE = "practice.manager@example.nhs.net"  # administers Y0301 only
NOBODY = "nobody@example.nhs.net"  # administers nothing
BUCKET = "roster-test-uploads"


class FakeRecords:
    """Job records and the listing index, as JobStore and UploadListing keep them."""

    def __init__(self) -> None:
        self.jobs_by_id: dict[str, Job] = {}

    def create_if_absent(self, job: Job) -> tuple[Job, bool]:
        if job.job_id in self.jobs_by_id:
            return self.jobs_by_id[job.job_id], False
        self.jobs_by_id[job.job_id] = job
        return job, True

    def get(self, job_id: str) -> Job:
        if job_id not in self.jobs_by_id:
            raise JobNotFound(job_id)
        return self.jobs_by_id[job_id]

    def request_apply(self, job_id: str, requested_by: str) -> Job:
        job = self.get(job_id)
        if job.state is JobState.VALIDATED and job.validate_only and job.apply_requested_at is None:
            job = job.model_copy(update={"state": JobState.VALIDATING, "validate_only": False,
                                         "apply_requested_at": "2026-01-01T00:00:00+00:00",
                                         "apply_requested_by": requested_by})
            self.jobs_by_id[job_id] = job
        return job

    def put(self, job: Job) -> Job:
        self.jobs_by_id[job.job_id] = job
        return job

    # -- UploadIndex
    def page(self, listings: list[str], limit: int, before: str | None = None) -> UploadPage:
        positions = {f"{j.created_at}#{j.job_id}" for j in self.jobs_by_id.values()
                     if uploader_listing(j.uploader) in listings
                     or any(organisation_listing(o) in listings for o in j.orgs)}
        newest = sorted((p for p in positions if before is None or p < before), reverse=True)
        taken = newest[:limit]
        return UploadPage([p.split("#", 1)[1] for p in taken], taken[-1] if len(newest) > limit else None)

    def jobs(self, job_ids: list[str]) -> list[Job]:
        return [self.jobs_by_id[i] for i in job_ids if i in self.jobs_by_id]


class FakeFiles:
    bucket = BUCKET

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.forms: list[dict[str, Any]] = []

    def presigned_upload(self, uploader: str, file_name: str, validate_only: bool, max_bytes: int,
                         expires_in: int = 900, upload_id: str | None = None) -> dict[str, Any]:
        fields = {"key": f"uploads/{uploader}/{upload_id}/{file_name}", "x-amz-meta-uploader": uploader,
                  "x-amz-meta-validate-only": str(validate_only).lower(), "policy": "p", "x-amz-signature": "s"}
        form = {"url": f"https://{self.bucket}.s3.amazonaws.com/", "fields": fields}
        self.forms.append({**form, "max_bytes": max_bytes, "expires_in": expires_in})
        return form

    def read(self, key: str, version_id: str | None = None, limit: int | None = None) -> bytes:
        body = self.objects[key]
        return body if limit is None else body[: limit + 1]

    def put_text(self, key: str, text: str, content_type: str = "text/csv; charset=utf-8") -> None:
        self.objects[key] = text.encode("utf-8")

    def presigned_download(self, key: str, expires_in: int, file_name: str | None = None) -> DownloadLink:
        return DownloadLink(f"https://{self.bucket}.s3.amazonaws.com/{key}?expires-in={expires_in}&name={file_name}",
                            datetime(2026, 3, 1, 9, 0, tzinfo=UTC) + timedelta(seconds=expires_in))


@dataclass
class FakeDirectory:
    admins: dict[str, frozenset[str]] = field(default_factory=lambda: {
        ADMIN: frozenset({"RX1", "RY2", "Y0301"}), PRACTICE: frozenset({"Y0301"})})
    accounts: list[Account] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=lambda: {
        "RX1": "Northfield Hospital NHS Trust", "RY2": "Southbank Community Health",
        "Y0301": "Riverside Medical Practice"})
    organisation_reads: list[set[str]] = field(default_factory=list)

    def administered(self, admin_email: str) -> frozenset[str]:
        return self.admins.get(admin_email, frozenset())

    def organisations(self, ods_codes: set[str]) -> dict[str, Organisation]:
        self.organisation_reads.append(set(ods_codes))
        return {ods: Organisation(ods=ods, name=self.names[ods], domain="nhs.net")
                for ods in ods_codes if ods in self.names}

    def accounts_in(self, ods: str) -> list[Account]:
        return [a for a in self.accounts if a.ods == ods]

    def account(self, email: str) -> Account | None:
        return next((a for a in self.accounts if a.email == email.lower()), None)


@dataclass
class FakeApplier:
    requested: list[str] = field(default_factory=list)

    def request(self, upload_id: str) -> None:
        self.requested.append(upload_id)


class FakeApprovals:
    """Approve and cancel as roster.approval.step answers them, by the rules of roster.approval.policy."""

    def __init__(self, records: FakeRecords) -> None:
        self.records = records

    def approve_upload(self, job_id: str, approver: str) -> Job:
        job = self._waiting(job_id)
        granted = ApprovalRequest(job.uploader, {o: frozenset(a) for o, a in job.approval_administrators.items()},
                                  dict(job.approvals)).approve(approver)
        state = JobState.VALIDATING if granted.complete else job.state
        return self.records.put(job.model_copy(update={"approvals": dict(granted.approvals), "state": state}))

    def cancel_upload(self, job_id: str, who: str) -> Job:
        job = self._waiting(job_id)
        request = ApprovalRequest(job.uploader, {o: frozenset(a) for o, a in job.approval_administrators.items()})
        if not request.may_cancel(who):
            raise ApprovalRefused("You do not administer any organisation this upload changes.")
        return self.records.put(job.model_copy(update={"state": JobState.CANCELLED, "cancelled_by": who}))

    def _waiting(self, job_id: str) -> Job:
        job = self.records.get(job_id)
        if job.state is not JobState.AWAITING_APPROVAL:
            raise NotAwaitingApproval(f"Upload {job_id} is {job.state.value}; it is not waiting for approval.")
        return job


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class FrontDoorClient:
    """Sends requests to the resolver as API Gateway would, signed in as `as_admin` (None: no token)."""

    def __init__(self) -> None:
        self.records, self.files = FakeRecords(), FakeFiles()
        self.directory, self.applier = FakeDirectory(), FakeApplier()
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        desk = UploadDesk(self.records, self.records, self.files, self.applier, max_upload_bytes=5_242_880,
                          clock=lambda: self.now, approvals=FakeApprovals(self.records))
        # The record of changes: the unit fakes' transactions keep it and read it back (the ChangeLog port).
        self.changes = fakes.FakeTransactions(fakes.FakeDirectory(), fakes.FakeJobs())
        self.front_door = FrontDoor(desk, self.directory, {"region": "eu-west-2", "user_pool_id": "pool",
                                                           "client_id": "client"},
                                    records=RecordsDesk(desk, self.changes, self.directory))
        self.resolver = api_resolver()

    def request(self, method: str, path: str, as_admin: str | None = ADMIN, query: dict[str, str] | None = None,
                body: Any = None, token_use: str = "id") -> Answer:
        target = path + ("?" + urlencode(query) if query else "")
        raw = json.dumps(body).encode() if body is not None else b""
        claims = {"email": as_admin, "token_use": token_use, "sub": "x"} if as_admin else None
        event = api_gateway_event(HttpRequest(method, target, {"content-type": "application/json"}, raw),
                                  f"{method} {path}", claims)
        self.resolver.append_context(front_door=self.front_door)
        result = self.resolver.resolve(event, _Context())
        return Answer(result["statusCode"], result.get("headers") or {}, result.get("body") or "")

    def job(self, state: JobState, uploader: str = ADMIN, orgs: tuple[str, ...] = ("RX1",), **extra: Any) -> Job:
        job_id = f"{len(self.records.jobs_by_id) + 1:032x}"
        return self.records.put(Job(job_id=job_id, state=state, bucket=BUCKET, key=f"uploads/{uploader}/{job_id}/f.csv",
                                    file_name="staff.csv", uploader=uploader, orgs=list(orgs),
                                    created_at=f"2026-02-01T09:00:{len(self.records.jobs_by_id):02d}+00:00", **extra))


class _Context:
    function_name = "api"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:api"
    aws_request_id = "request"


@pytest.fixture
def api() -> FrontDoorClient:
    return FrontDoorClient()
