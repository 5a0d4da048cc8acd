"""A stand-in for Roster's HTTP API, Cognito and the upload bucket, for the console's browser tests.

Three small HTTP servers on 127.0.0.1, each its own origin as in a deployment:
- the API: the console through `console_assets` and its security headers, `/config`, `/me`, `/sample.csv`,
  `/uploads...`, `/report.csv`, every route but `/config` and `/sample.csv` behind a bearer token;
- Cognito: `InitiateAuth` (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH), `RespondToAuthChallenge`, `RevokeToken`,
  with Cognito's error shape and CORS;
- S3: the presigned POST receiver, checking that the form's fields come first and the file last.

Uploads move on by one step each time they are polled, so a test sees progress advance by itself.
Canned data only; the validation here is a few rules, enough to produce errors, warnings and a plan.
"""

from __future__ import annotations

import base64
import csv
import io
import itertools
import json
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from functions.api.console_assets import asset, security_headers
from roster.model.uploads import FINAL_STATES

ADMIN = "admin@example.nhs.net"
ADMIN_PASSWORD = "Correct-Horse-Battery-42"
OTHER_ADMIN = "colleague@example.nhs.net"
NEW_USER = "new.admin@example.nhs.net"  # signs in with a temporary password: NEW_PASSWORD_REQUIRED
MFA_USER = "mfa.admin@example.nhs.net"  # has an authenticator app: SOFTWARE_TOKEN_MFA
MFA_CODE = "123456"
CLIENT_ID = "fake-client-id"
ORGANISATIONS = [{"ods": "RX1", "name": "Example Hospital NHS Trust"}, {"ods": "Y0123", "name": "Riverside Surgery"}]

CURRENT_HEADER = ["Title", "First Name", "Last Name", "Display Name", "Job Title", "Organisation ODSCode",
                  "Organisational Unit", "Business Phone", "Mobile Phone", "Mailbox Size", "Password",
                  "Email Address", "Status"]
LEGACY_HEADER = ["Surname", "Forename", "Title", "ODS Code", "Department", "Job Role", "Telephone", "Mobile",
                 "Password", "Mailbox Quota (MB)"]
REPORT_COLUMNS = ["Line", "Column", "Value", "Severity", "Message"]
PLAN_COLUMNS = ["Line", "Action", "Email Address", "Field", "Old", "New"]
TITLES = {"mr", "mrs", "miss", "ms", "mx", "dr", "prof", "rev"}


def csv_bytes(rows: list[list[str]]) -> bytes:
    """A CSV as Roster writes it: UTF-8 with a byte-order mark, CRLF."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


@dataclass
class Finding:
    line: int | None
    column: str
    value: str
    severity: str
    message: str


@dataclass
class FakeUpload:
    upload_id: str
    file_name: str
    uploader: str
    created_at: float
    validate_only: bool = True
    state: str = "AWAITING_FILE"
    format: str = "current"
    rows: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    plan: list[list[str]] = field(default_factory=list)
    progress_rows: int = 0
    applied: int = 0
    step: int = 0  # how far a canned upload's create phase has moved

    def as_json(self) -> dict[str, Any]:
        errors = sum(f.severity == "error" for f in self.findings)
        created = self.applied if self.state in ("CREATING", "COMPLETED", "FAILED") else 0
        return {
            "upload_id": self.upload_id,
            "file_name": self.file_name,
            "uploader": self.uploader,
            "state": self.state,
            "final": self.state in {s.value for s in FINAL_STATES},
            "format": self.format,
            "counts": {"rows": self.progress_rows, "created": created, "updated": 0, "leavers": 0, "joiners": 0,
                       "unchanged": 0, "failed": 0, "errors": errors,
                       "warnings": sum(f.severity == "warning" for f in self.findings)},
            "progress": {"applied": self.applied, "rows": self.progress_rows},
            "created_at": _iso(self.created_at),
            "updated_at": _iso(time.time()),
            "findings": [f.__dict__ for f in self.findings[:10]],
        }


class FakeRoster:
    """State shared by the fake API, Cognito and bucket; start() serves them, stop() ends them."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.passwords = {ADMIN: ADMIN_PASSWORD, OTHER_ADMIN: ADMIN_PASSWORD, NEW_USER: "Temporary-Pass-1!",
                          MFA_USER: ADMIN_PASSWORD}
        self.tokens: dict[str, tuple[str, float]] = {}  # ID token -> (email, expiry)
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> email
        self.revoked: list[str] = []
        self.renewals = 0  # REFRESH_TOKEN_AUTH calls that succeeded
        self.challenges: dict[str, tuple[str, str]] = {}  # Cognito session -> (challenge, email)
        self.uploads: dict[str, FakeUpload] = {}
        self.received: dict[str, list[str]] = {}  # bucket key -> the form's field names, in order
        self.requests: list[tuple[str, str, str]] = []  # (method, path, Authorization) of every API request
        self.plan_available = True
        self.redirect_files = False  # file routes answer 303 to the bucket, as the API does for big files
        self.bucket_files: dict[str, bytes] = {}  # what a redirect's presigned link serves, by key
        self.bucket_gets: list[str] = []  # the Authorization header of each GET the bucket answered
        self.token_lifetime = 3600.0
        self.ids = itertools.count(1)
        self.servers: list[_Server] = []
        self.seed()

    # ---- lifecycle ----

    def start(self) -> FakeRoster:
        for handler in (_ApiHandler, _CognitoHandler, _BucketHandler):
            server = _Server(("127.0.0.1", 0), handler)
            server.roster = self
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def _url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.servers[index].server_address[1]}"

    @property
    def api_url(self) -> str:
        return self._url(0)

    @property
    def cognito_url(self) -> str:
        return self._url(1)

    @property
    def bucket_url(self) -> str:
        return self._url(2)

    def reset(self) -> None:
        """Back to the canned uploads, nobody signed in (between tests)."""
        with self.lock:
            self.tokens.clear()
            self.refresh_tokens.clear()
            self.revoked.clear()
            self.renewals = 0
            self.challenges.clear()
            self.uploads.clear()
            self.received.clear()
            self.requests.clear()
            self.plan_available = True
            self.redirect_files = False
            self.bucket_files.clear()
            self.bucket_gets.clear()
            self.token_lifetime = 3600.0
            self.seed()

    def seed(self) -> None:
        now = time.time()
        canned = [
            FakeUpload("u-seed-1", "january-leavers.csv", ADMIN, now - 86400 * 3, False, "COMPLETED",
                       progress_rows=40, applied=40),
            FakeUpload("u-seed-2", "practice-staff.csv", OTHER_ADMIN, now - 86400 * 2, False, "COMPLETED",
                       progress_rows=12, applied=12),
            FakeUpload("u-seed-3", "restructure.csv", OTHER_ADMIN, now - 86400, False, "AWAITING_APPROVAL",
                       progress_rows=300),
            FakeUpload("u-seed-4", "march-starters.csv", ADMIN, now - 600, False, "CREATING",
                       progress_rows=10_000, applied=1_200),
        ]
        for upload in canned:
            upload.header = CURRENT_HEADER
            upload.plan = [["2", "Leaver", "a.person@example.nhs.net", "", "", ""]]
            self.uploads[upload.upload_id] = upload

    # ---- tokens ----

    def issue_tokens(self, email: str, refresh_token: str | None = None) -> dict[str, Any]:
        expires = time.time() + self.token_lifetime
        header = _b64(b'{"alg":"none","typ":"JWT"}')
        claims = _b64(json.dumps({"email": email, "exp": int(expires), "token_use": "id",
                                  "jti": secrets.token_hex(8)}).encode())
        id_token = f"{header}.{claims}.{secrets.token_urlsafe(16)}"
        self.tokens[id_token] = (email, expires)
        result: dict[str, Any] = {"IdToken": id_token, "AccessToken": secrets.token_urlsafe(24),
                                  "ExpiresIn": int(self.token_lifetime), "TokenType": "Bearer"}
        if refresh_token is None:
            refresh_token = secrets.token_urlsafe(32)
            self.refresh_tokens[refresh_token] = email
            result["RefreshToken"] = refresh_token
        return result

    def caller(self, authorization: str) -> str | None:
        scheme, _, token = authorization.partition(" ")
        with self.lock:
            entry = self.tokens.get(token) if scheme == "Bearer" else None
        if entry is None or entry[1] < time.time():
            return None
        return entry[0]

    def end_sessions(self) -> None:
        """Every token stops working, as when a session expires and cannot be renewed."""
        with self.lock:
            self.tokens.clear()
            self.refresh_tokens.clear()

    # ---- uploads ----

    def new_upload(self, file_name: str, uploader: str, validate_only: bool) -> FakeUpload:
        with self.lock:
            upload_id = f"u-{next(self.ids):04d}-{secrets.token_hex(4)}"
            upload = FakeUpload(upload_id, file_name, uploader, time.time(), validate_only)
            self.uploads[upload_id] = upload
            return upload

    def receive_file(self, key: str, content: bytes) -> None:
        upload_id = key.split("/")[1]
        with self.lock:
            upload = self.uploads[upload_id]
            upload.state = "RECEIVED"
            _validate(upload, content)

    def advance(self, upload: FakeUpload) -> None:
        """One step of the pipeline, taken each time a client looks at the upload."""
        if upload.state == "RECEIVED":
            upload.state = "VALIDATING"
        elif upload.state == "VALIDATING":
            failed = any(f.severity == "error" for f in upload.findings)
            upload.state = "INVALID" if failed else "VALIDATED" if upload.validate_only else "QUEUED"
        elif upload.state == "QUEUED":
            upload.state = "CREATING"
        elif upload.state == "CREATING":
            share = max(1, -(-upload.progress_rows // 3)) if upload.progress_rows < 100 else 2_200
            upload.applied = min(upload.progress_rows, upload.applied + share)
            if upload.applied >= upload.progress_rows:
                upload.state = "COMPLETED"

    def visible(self) -> list[FakeUpload]:
        return sorted(self.uploads.values(), key=lambda upload: upload.created_at, reverse=True)


def _validate(upload: FakeUpload, content: bytes) -> None:
    """A few of the rules of docs/csv-format.md: enough for errors on exact lines, a warning, and a plan."""
    text = content.decode("utf-8-sig", errors="replace")
    records = list(csv.reader(io.StringIO(text)))
    header = [name.strip() for name in records[0]] if records else []
    upload.header = header
    upload.rows = [row for row in records[1:] if any(cell.strip() for cell in row)]
    upload.progress_rows = len(upload.rows)
    findings = upload.findings
    if [h.lower() for h in header] == [h.lower() for h in LEGACY_HEADER]:
        upload.format = "legacy"
        return
    if [h.lower() for h in header] != [h.lower() for h in CURRENT_HEADER]:
        findings.append(Finding(None, "", "", "error", "The header row matches neither the current nor the legacy format."))
        return
    if not upload.rows:
        findings.append(Finding(None, "", "", "error", "The file has no data rows."))
    for line, row in enumerate(upload.rows, start=2):
        if len(row) != len(CURRENT_HEADER):
            findings.append(Finding(line, "", "", "error", f"The row has {len(row)} cells; the header has 13."))
            continue
        cells = dict(zip(CURRENT_HEADER, (cell.strip() for cell in row), strict=True))
        email = cells["Email Address"]
        if cells["Title"] and cells["Title"].rstrip(".").lower() not in TITLES:
            findings.append(Finding(line, "Title", cells["Title"], "error",
                                    "Title must be one of Mr, Mrs, Miss, Ms, Mx, Dr, Prof, Rev."))
        if not email and not cells["First Name"]:
            findings.append(Finding(line, "First Name", "", "error", "First Name is required for a new user."))
        mobile = cells["Mobile Phone"]
        if mobile and not (mobile.startswith("07") or mobile.startswith("+447")):
            findings.append(Finding(line, "Mobile Phone", mobile, "error",
                                    f"Mobile Phone {mobile} is not a valid UK mobile number."))
        if (cells["First Name"], cells["Last Name"]) == ("Jane", "Smith"):
            findings.append(Finding(line, "Last Name", "Smith", "warning",
                                    "An active account in RX1 has the same name: jane.smith@example.nhs.net. "
                                    "Leave the row out if it is the same person."))
        if email and cells["Status"].lower() == "leaver":
            upload.plan.append([str(line), "Leaver", email, "", "", ""])
        elif email:
            upload.plan.append([str(line), "Update", email, "Job Title", "Nurse", cells["Job Title"]])
        else:
            address = f"{cells['First Name']}.{cells['Last Name']}@example.nhs.net".lower()
            upload.plan.append([str(line), "Create", address, "", "", ""])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    roster: FakeRoster

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a browser that closed its tab mid-answer
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeRoster/1"

    @property
    def roster(self) -> FakeRoster:
        assert isinstance(self.server, _Server)
        return self.server.roster

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # quiet tests

    def body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status: int, body: bytes = b"", content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if body or status not in (204, 304):
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reply_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.reply(status, json.dumps(payload).encode(), "application/json", headers)

    def reply_file(self, body: bytes, name: str) -> None:
        """A CSV file inline or, when the fake redirects files, 303 to a presigned link on the bucket."""
        roster = self.roster
        if not roster.redirect_files:
            self.reply(200, body, "text/csv; charset=utf-8")
            return
        key = f"downloads/{next(roster.ids)}/{name}"
        with roster.lock:
            roster.bucket_files[key] = body
        location = f"{roster.bucket_url}/{key}?X-Amz-Expires=900&X-Amz-Signature=fake"
        self.reply_json(303, {"location": location, "file_name": name}, {"Location": location})


class _ApiHandler(_Handler):
    def do_GET(self) -> None:
        self.route("GET")

    def do_POST(self) -> None:
        self.route("POST")

    def route(self, method: str) -> None:
        url = urlsplit(self.path)
        path, query = url.path, {k: v[0] for k, v in parse_qs(url.query).items()}
        roster = self.roster
        with roster.lock:
            roster.requests.append((method, path, self.headers.get("Authorization", "")))
        if method == "GET" and (found := asset(path)) is not None:
            body, content_type = found
            self.reply(200, body, content_type, security_headers([roster.cognito_url, roster.bucket_url]))
            return
        if method == "GET" and path == "/config":
            self.reply_json(200, {"region": "eu-west-2", "user_pool_id": "eu-west-2_Fake", "client_id": CLIENT_ID,
                                  "cognito_endpoint": roster.cognito_url})
            return
        if method == "GET" and path == "/sample.csv":
            self.sample(query.get("format", "current"))
            return
        caller = roster.caller(self.headers.get("Authorization", ""))
        if caller is None:
            self.reply_json(401, {"message": "Unauthorized"})
            return
        routes: dict[tuple[str, str], Callable[..., None]] = {
            ("GET", "me"): self.me,
            ("GET", "report.csv"): self.report,
            ("GET", "uploads"): self.list_uploads,
            ("POST", "uploads"): self.create_upload,
        }
        parts = path.strip("/").split("/")
        if len(parts) == 1 and (method, parts[0]) in routes:
            routes[(method, parts[0])](caller, query)
            return
        if parts[0] == "uploads" and len(parts) in (2, 3):
            with roster.lock:
                upload = roster.uploads.get(parts[1])
                if upload is None:
                    self.reply_json(404, {"message": "No upload with this id among your organisations' uploads."})
                    return
                self.upload_route(method, parts[2] if len(parts) == 3 else "", upload, caller)
            return
        self.reply_json(404, {"message": "Not found"})

    def sample(self, file_format: str) -> None:
        if file_format == "legacy":
            rows = [LEGACY_HEADER, ["Smith", "Jane", "Dr", "RX1", "Cardiology", "Consultant", "", "07700900123",
                                    "", "4096"]]
        elif file_format == "current":
            rows = [CURRENT_HEADER, ["Dr", "Jane", "Smith", "", "Consultant", "RX1", "Cardiology", "", "07700900123",
                                     "4", "", "", ""]]
        else:
            self.reply_json(400, {"message": "format must be current or legacy."})
            return
        self.reply(200, csv_bytes(rows), "text/csv; charset=utf-8",
                   {"Content-Disposition": f'attachment; filename="roster-sample-{file_format}.csv"'})

    def me(self, caller: str, query: dict[str, str]) -> None:
        self.reply_json(200, {"email": caller, "organisations": ORGANISATIONS})

    def report(self, caller: str, query: dict[str, str]) -> None:
        ods = query.get("ods", "")
        if ods not in {org["ods"] for org in ORGANISATIONS}:
            self.reply_json(403, {"message": f"You do not administer organisation {ods or '(none given)'}."})
            return
        rows = [["Email Address", *CURRENT_HEADER[:12], "Status"],
                ["jane.smith@example.nhs.net", "Dr", "Jane", "Smith", "SMITH, Jane", "Consultant", ods, "", "", "",
                 "4", "", "jane.smith@example.nhs.net", ""]]
        self.reply_file(csv_bytes(rows), f"{ods}-accounts.csv")

    def list_uploads(self, caller: str, query: dict[str, str]) -> None:
        roster = self.roster
        with roster.lock:
            uploads = roster.visible()
            for upload in uploads:
                roster.advance(upload)
            limit = int(query.get("limit", "25"))
            start = int(query.get("cursor", "0"))
            page = uploads[start:start + limit]
            cursor = str(start + limit) if start + limit < len(uploads) else None
            self.reply_json(200, {"uploads": [u.as_json() for u in page], "cursor": cursor})

    def create_upload(self, caller: str, query: dict[str, str]) -> None:
        try:
            request = json.loads(self.body())
            file_name = str(request["file_name"])
            validate_only = bool(request.get("validate_only", False))
        except (ValueError, KeyError, TypeError):
            self.reply_json(400, {"message": "Give file_name and validate_only."})
            return
        upload = self.roster.new_upload(file_name, caller, validate_only)
        key = f"uploads/{upload.upload_id}/{file_name}"
        fields = {"key": key, "x-amz-algorithm": "AWS4-HMAC-SHA256",
                  "x-amz-credential": "FAKE/20250101/eu-west-2/s3/aws4_request", "x-amz-date": "20250101T000000Z",
                  "policy": _b64(b'{"conditions":[]}'), "x-amz-signature": secrets.token_hex(32)}
        self.reply_json(201, {"upload_id": upload.upload_id,
                              "form": {"url": f"{self.roster.bucket_url}/roster-uploads", "fields": fields},
                              "expires_in": 900})

    def upload_route(self, method: str, tail: str, upload: FakeUpload, caller: str) -> None:
        roster = self.roster
        if method == "GET" and tail == "":
            roster.advance(upload)
            self.reply_json(200, upload.as_json())
        elif method == "GET" and tail == "validation.csv":
            rows = [REPORT_COLUMNS] + [["" if f.line is None else str(f.line), f.column, f.value, f.severity, f.message]
                                       for f in upload.findings]
            self.reply_file(csv_bytes(rows), "validation.csv")
        elif method == "GET" and tail == "plan.csv":
            if not roster.plan_available or upload.state in ("AWAITING_FILE", "RECEIVED", "VALIDATING", "INVALID"):
                self.reply_json(404, {"message": "This upload has no plan."})
                return
            self.reply_file(csv_bytes([PLAN_COLUMNS, *upload.plan]), "plan.csv")
        elif method == "GET" and tail == "results.csv":
            if caller != upload.uploader:
                self.reply_json(403, {"message": "Only the administrator who uploaded a file may download its results."})
            elif upload.state not in ("COMPLETED", "FAILED"):
                self.reply_json(409, {"message": "This upload has no results yet."})
            else:
                rows = [[*upload.header, "Result", "Message", "Assigned Email", "Temporary Password"]]
                rows += [[*row, "Created", "", f"person{n}@example.nhs.net", "Tmp-Passw0rd-Xyz!"]
                         for n, row in enumerate(upload.rows, start=1)]
                self.reply_file(csv_bytes(rows), "results.csv")
        elif method == "POST" and tail == "apply":
            if upload.state != "VALIDATED":
                self.reply_json(409, {"message": f"Only a VALIDATED upload can be applied; this one is {upload.state}."})
                return
            upload.state = "QUEUED"
            self.reply_json(202, upload.as_json())
        elif method == "POST" and tail == "undo":
            self.undo(upload, caller)
        elif method == "POST" and tail in ("approve", "cancel"):
            if upload.state != "AWAITING_APPROVAL":
                self.reply_json(409, {"message": f"This upload is {upload.state}: there is nothing to {tail}."})
            elif tail == "approve" and caller == upload.uploader:
                self.reply_json(403, {"message": "Another administrator of the organisation must approve your upload."})
            else:
                upload.state = "QUEUED" if tail == "approve" else "CANCELLED"
                self.reply_json(200, upload.as_json())
        else:
            self.reply_json(404, {"message": "Not found"})


    def undo(self, upload: FakeUpload, caller: str) -> None:
        """An applied upload's undo: a new validated upload whose plan marks each created row a leaver."""
        roster = self.roster
        if upload.state not in ("COMPLETED", "FAILED"):
            self.reply_json(409, {"message": f"Upload {upload.upload_id} is {upload.state}: only an applied upload "
                                             "can be undone."})
            return
        name = f"{upload.file_name.rsplit('.', 1)[0]}-undo.csv"
        existing = next((u for u in roster.uploads.values() if u.file_name == name), None)
        if existing is not None:
            self.reply_json(200, {"upload_id": existing.upload_id, "undo_of": upload.upload_id})
            return
        undo = roster.new_upload(name, caller, validate_only=True)
        undo.state, undo.header, undo.rows = "VALIDATING", upload.header, upload.rows
        undo.progress_rows = len(upload.rows) or upload.progress_rows
        undo.plan = [[str(n), "Joiner", f"person{n - 1}@example.nhs.net", "Status", "leaver", "active"]
                     for n in range(2, undo.progress_rows + 2)]
        self.reply_json(201, {"upload_id": undo.upload_id, "undo_of": upload.upload_id, "state": undo.state})


class _CognitoHandler(_Handler):
    """Cognito's JSON API as the browser sees it, CORS included."""

    CORS = {"Access-Control-Allow-Origin": "*"}

    def do_OPTIONS(self) -> None:
        self.reply(200, b"", "text/plain", {
            **self.CORS,
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "content-type, x-amz-target, x-amz-user-agent",
            "Access-Control-Max-Age": "600",
        })

    def refuse(self, error_type: str, message: str) -> None:
        self.reply_json(400, {"__type": error_type, "message": message}, self.CORS)

    def do_POST(self) -> None:
        target = self.headers.get("X-Amz-Target", "")
        if self.headers.get("Content-Type") != "application/x-amz-json-1.1" or not target.startswith(
                "AWSCognitoIdentityProviderService."):
            self.refuse("UnknownOperationException", "Unknown operation.")
            return
        request = json.loads(self.body() or b"{}")
        if request.get("ClientId") != CLIENT_ID:
            self.refuse("ResourceNotFoundException", "User pool client does not exist.")
            return
        action = target.split(".", 1)[1]
        roster = self.roster
        with roster.lock:
            if action == "InitiateAuth":
                self.initiate_auth(request)
            elif action == "RespondToAuthChallenge":
                self.respond_to_challenge(request)
            elif action == "RevokeToken":
                roster.revoked.append(str(request.get("Token")))
                roster.refresh_tokens.pop(str(request.get("Token")), None)
                self.reply_json(200, {}, self.CORS)
            else:
                self.refuse("UnknownOperationException", f"Unknown operation {action}.")

    def initiate_auth(self, request: dict[str, Any]) -> None:
        roster = self.roster
        parameters = request.get("AuthParameters", {})
        if request.get("AuthFlow") == "REFRESH_TOKEN_AUTH":
            email = roster.refresh_tokens.get(parameters.get("REFRESH_TOKEN", ""))
            if email is None:
                self.refuse("NotAuthorizedException", "Refresh Token has been revoked")
                return
            roster.renewals += 1
            self.reply_json(200, {"AuthenticationResult": roster.issue_tokens(email, parameters["REFRESH_TOKEN"]),
                                  "ChallengeParameters": {}}, self.CORS)
            return
        if request.get("AuthFlow") != "USER_PASSWORD_AUTH":
            self.refuse("InvalidParameterException", "Unsupported auth flow.")
            return
        email = str(parameters.get("USERNAME", "")).lower()
        if roster.passwords.get(email) != parameters.get("PASSWORD"):
            self.refuse("NotAuthorizedException", "Incorrect username or password.")
            return
        challenge = {NEW_USER: "NEW_PASSWORD_REQUIRED", MFA_USER: "SOFTWARE_TOKEN_MFA"}.get(email)
        if challenge:
            session = secrets.token_urlsafe(24)
            roster.challenges[session] = (challenge, email)
            self.reply_json(200, {"ChallengeName": challenge, "Session": session,
                                  "ChallengeParameters": {"USER_ID_FOR_SRP": email}}, self.CORS)
            return
        self.reply_json(200, {"AuthenticationResult": roster.issue_tokens(email), "ChallengeParameters": {}},
                        self.CORS)

    def respond_to_challenge(self, request: dict[str, Any]) -> None:
        roster = self.roster
        expected = roster.challenges.pop(str(request.get("Session")), None)
        answers = request.get("ChallengeResponses", {})
        if expected is None or expected[0] != request.get("ChallengeName") or answers.get("USERNAME") != expected[1]:
            self.refuse("NotAuthorizedException", "Invalid session for the user, session is expired.")
            return
        challenge, email = expected
        if challenge == "NEW_PASSWORD_REQUIRED":
            new_password = str(answers.get("NEW_PASSWORD", ""))
            if len(new_password) < 12:
                roster.challenges[str(request.get("Session"))] = expected
                self.refuse("InvalidPasswordException", "Password does not conform to policy: Password not long enough")
                return
            roster.passwords[email] = new_password
        elif answers.get("SOFTWARE_TOKEN_MFA_CODE") != MFA_CODE:
            roster.challenges[str(request.get("Session"))] = expected
            self.refuse("CodeMismatchException", "Invalid code received for user")
            return
        self.reply_json(200, {"AuthenticationResult": roster.issue_tokens(email), "ChallengeParameters": {}},
                        self.CORS)


class _BucketHandler(_Handler):
    """The presigned POST as S3 takes it: multipart form, fields first, `file` last, 204 and CORS."""

    def cors(self) -> dict[str, str]:
        return {"Access-Control-Allow-Origin": self.roster.api_url}

    def do_OPTIONS(self) -> None:
        self.reply(200, b"", "text/plain", {**self.cors(), "Access-Control-Allow-Methods": "POST, GET"})

    def do_GET(self) -> None:
        """A presigned GET: S3 refuses one that also carries an Authorization header."""
        path, _, query = self.path.partition("?")
        authorization = self.headers.get("Authorization") or ""
        with self.roster.lock:
            self.roster.bucket_gets.append(authorization)
            body = self.roster.bucket_files.get(path.lstrip("/"))
        if authorization:
            self.reply(400, b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed"
                            b"</Message></Error>", "application/xml", self.cors())
        elif body is None or "X-Amz-Signature=" not in query:
            self.reply(403, b"<Error><Code>AccessDenied</Code></Error>", "application/xml", self.cors())
        else:
            self.reply(200, body, "text/csv; charset=utf-8", self.cors())

    def do_POST(self) -> None:
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/form-data"):
            self.reply(400, b"<Error><Code>InvalidRequest</Code></Error>", "application/xml", self.cors())
            return
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + self.body())
        assert isinstance(message, EmailMessage)
        names: list[str] = []
        fields: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = str(part.get_param("name", header="content-disposition"))
            names.append(name)
            payload = part.get_payload(decode=True)
            fields[name] = payload if isinstance(payload, bytes) else b""
        if not names or names[-1] != "file" or "key" not in fields or "x-amz-signature" not in fields:
            self.reply(400, b"<Error><Code>InvalidArgument</Code><Message>POST requires the form fields and then "
                            b"the file, last.</Message></Error>", "application/xml", self.cors())
            return
        key = fields["key"].decode()
        with self.roster.lock:
            self.roster.received[key] = names
        self.roster.receive_file(key, fields["file"])
        self.reply(204, b"", "text/plain", self.cors())


if __name__ == "__main__":  # a manual look: python -m tests.browser.fake_api
    fake = FakeRoster().start()
    print(f"Console on {fake.api_url}/  (sign in as {ADMIN} / {ADMIN_PASSWORD})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()
