"""The front door on in-memory fakes of its ports: no AWS. Requests go through the real
resolver as API Gateway events, with the claims a verified ID token would carry."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from roster.api.front_door import FrontDoor
from roster.api.http import api_resolver
from roster.api.records import RecordsDesk
from roster.api.uploads import UploadDesk
from roster.model.directory import Organisation
from roster.model.uploads import Upload, UploadState
from roster_local.serve.api_gateway import HttpRequest, api_gateway_event
from tests.unit import fakes
from tests.unit.fakes import FakeApplier, FakeApprovals, FakeDirectory, FakeFiles, FakeUploads

ADMIN = "admin@example.nhs.net"  # administers RX1, RY2 and Y0301
PRACTICE = "practice.manager@example.nhs.net"  # administers Y0301 only
NOBODY = "nobody@example.nhs.net"  # administers nothing
BUCKET = "roster-test-uploads"


NAMES = {"RX1": "Northfield Hospital NHS Trust", "RY2": "Southbank Community Health", "Y0301": "Riverside Medical Practice"}


def the_directory() -> FakeDirectory:
    """Three organisations; ADMIN administers all three, PRACTICE only Y0301."""
    directory = FakeDirectory()
    for ods, name in NAMES.items():
        directory.add_organisation(Organisation(ods=ods, name=name, domain="nhs.net"))
    directory.add_admin(ADMIN, {"RX1", "RY2", "Y0301"})
    directory.add_admin(PRACTICE, {"Y0301"})
    return directory


def sub_of(email: str) -> str:
    """The sub of an administrator's Cognito user, as directory load bound it."""
    return f"sub-{email}"


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
        self.records, self.files = FakeUploads(), FakeFiles(bucket=BUCKET)
        self.directory, self.applier = the_directory(), FakeApplier()
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        desk = UploadDesk(self.records, self.records, self.files, self.applier, max_upload_bytes=5_242_880,
                          clock=lambda: self.now, approvals=FakeApprovals(self.records))
        # The record of changes: the unit fakes' transactions keep it and read it back (the ChangeLog port).
        self.changes = fakes.FakeTransactions(fakes.FakeDirectory(), fakes.FakeUploads())
        self.front_door = FrontDoor(desk, self.directory, {"region": "eu-west-2", "user_pool_id": "pool",
                                                           "client_id": "client"},
                                    records=RecordsDesk(desk, self.changes, self.directory))
        self.resolver = api_resolver()

    def request(self, method: str, path: str, as_admin: str | None = ADMIN, query: dict[str, str] | None = None,
                body: Any = None, token_use: str = "id", **claim: str) -> Answer:
        """`claim` overrides the token's claims (sub, email, email_verified)."""
        if as_admin and as_admin.lower() in self.directory.admins and not self.directory.bound_sub(as_admin):
            # Every administrator of the directory signs in as the Cognito user directory load bound.
            self.directory.bind_sub(sub_of(as_admin), as_admin)
        target = path + ("?" + urlencode(query) if query else "")
        raw = json.dumps(body).encode() if body is not None else b""
        claims = {"email": as_admin, "token_use": token_use, "sub": sub_of(as_admin), "email_verified": "true",
                  **claim} if as_admin else None
        event = api_gateway_event(HttpRequest(method, target, {"content-type": "application/json"}, raw),
                                  f"{method} {path}", claims)
        self.resolver.append_context(front_door=self.front_door)
        result = self.resolver.resolve(event, _Context())
        return Answer(result["statusCode"], result.get("headers") or {}, result.get("body") or "")

    def upload(self, state: UploadState, uploader: str = ADMIN, orgs: tuple[str, ...] = ("RX1",), **extra: Any) -> Upload:
        upload_id = f"{len(self.records.records) + 1:032x}"
        return self.records.put(Upload(upload_id=upload_id, state=state, bucket=BUCKET, key=f"uploads/{uploader}/{upload_id}/f.csv",
                                       file_name="staff.csv", uploader=uploader, orgs=list(orgs),
                                       created_at=f"2026-02-01T09:00:{len(self.records.records):02d}+00:00", **extra))


class _Context:
    function_name = "api"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:api"
    aws_request_id = "request"


@pytest.fixture
def api() -> FrontDoorClient:
    return FrontDoorClient()
