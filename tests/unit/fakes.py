"""In-memory fakes of the ports in roster.ports: the steps run on them with no AWS.

Each fake keeps what the production adapter keeps, with the same conditions (a row's
outcome once, an address reserved once, a hold free, expired or the job's own), so that a
step that is right against a fake is right for the reason it is right against DynamoDB."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from pydantic import BaseModel

from roster.accounts.addresses import address_base_of, suffix_of
from roster.emails import OutgoingEmail
from roster.errors import JobNotFound, JobStateChanged
from roster.model.changes import ChangeRecord
from roster.model.directory import (
    Account,
    AccountStatus,
    DirectorySnapshot,
    IdentityRecord,
    Organisation,
    name_key,
)
from roster.model.files import DownloadLink, UploadedObject
from roster.model.jobs import Job, JobState, QueuedJob, RowOutcome, utc_now
from roster.model.writes import (
    MAX_WRITES_PER_TRANSACTION,
    AccountUpdate,
    AddressReservation,
    Cancelled,
    NewAccount,
    OutcomeRecord,
    Write,
)


class FakeJobs:
    """JobRecords: job records stored as JSON, as DynamoDB holds them."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.row_outcomes: dict[tuple[str, int], RowOutcome] = {}
        self.batches_counted: set[tuple[str, int]] = set()
        self.deadlines: set[tuple[str, str]] = set()  # (deadline, job id) of jobs waiting for approval
        # Runs just before a conditional update is checked: a test makes another caller win the race here.
        self.before_update_if: Callable[[str], None] | None = None

    def create_if_absent(self, job: Job) -> tuple[Job, bool]:
        if job.job_id in self.records:
            return self.get(job.job_id), False
        self.records[job.job_id] = job.model_dump(mode="json")
        return job, True

    def get(self, job_id: str) -> Job:
        if job_id not in self.records:
            raise JobNotFound(job_id)
        return Job.model_validate(self.records[job_id])

    def update(self, job_id: str, expect_state: JobState | None = None, **changes: Any) -> None:
        record = self.records[job_id]  # KeyError: the real store's condition refuses a missing job too
        if expect_state is not None and record["state"] != expect_state.value:
            raise JobStateChanged(job_id)
        for name, value in {**changes, "updated_at": utc_now()}.items():
            if value is None:
                record.pop(name, None)
            else:
                record[name] = _as_json(value)

    def file_arrived(self, job_id: str, version_id: str | None) -> Job:
        record = self.records[job_id]
        if record["state"] == JobState.AWAITING_FILE.value:
            record.update(state=JobState.RECEIVED.value, version_id=version_id, updated_at=utc_now())
            record.pop("expires_at", None)
        return self.get(job_id)

    def claim_data_key(self, job_id: str, data_key: str) -> str:
        record = self.records[job_id]
        if record.get("data_key") is None:
            record["data_key"] = data_key
        return str(record["data_key"])

    def outcomes(self, job_id: str) -> dict[int, RowOutcome]:
        return {o.line: o for o in self.outcomes_in_line_order(job_id)}

    def outcomes_in_line_order(self, job_id: str) -> Iterator[RowOutcome]:
        return iter([o for (job, _), o in sorted(self.row_outcomes.items()) if job == job_id])

    def outcomes_for(self, job_id: str, lines: list[int]) -> dict[int, RowOutcome]:
        return {line: self.row_outcomes[(job_id, line)] for line in lines if (job_id, line) in self.row_outcomes}

    def record_batch_progress(self, job_id: str, batch_no: int, tally: dict[str, int]) -> bool:
        if (job_id, batch_no) in self.batches_counted:
            return False
        self.batches_counted.add((job_id, batch_no))
        progress = self.records[job_id].setdefault("progress", {})
        for name, n in tally.items():
            progress[name] = progress.get(name, 0) + n
        return True

    def update_if(self, job_id: str, expected: Mapping[str, Any], **changes: Any) -> bool:
        if self.before_update_if is not None:
            hook, self.before_update_if = self.before_update_if, None
            hook(job_id)
        record = self.records.get(job_id)
        if record is None or any(record.get(name) != (None if value is None else _as_json(value))
                                 for name, value in expected.items()):
            return False
        self.update(job_id, **changes)
        return True

    def add_approval_deadline(self, job_id: str, deadline: str) -> None:
        self.deadlines.add((deadline, job_id))

    def remove_approval_deadline(self, job_id: str, deadline: str) -> None:
        self.deadlines.discard((deadline, job_id))

    def approval_deadlines_due(self, now: str) -> list[tuple[str, str]]:
        return [(job_id, deadline) for deadline, job_id in sorted(self.deadlines) if deadline <= now]


def _as_json(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return json.loads(json.dumps(value))


@dataclass
class FakeDirectory:
    """Directory: organisations, administrators, accounts, reservations and identities."""

    organisations_by_ods: dict[str, Organisation] = field(default_factory=dict)
    admins: dict[str, frozenset[str]] = field(default_factory=dict)
    accounts_by_email: dict[str, Account] = field(default_factory=dict)
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)  # password hash and flags, by email
    reservations: dict[str, str] = field(default_factory=dict)  # address -> its base
    identity_records: dict[str, IdentityRecord] = field(default_factory=dict)
    reads: dict[str, int] = field(default_factory=dict)  # calls of the address reads, by method

    def add_organisation(self, organisation: Organisation) -> None:
        self.organisations_by_ods[organisation.ods] = organisation

    def add_admin(self, email: str, orgs: set[str]) -> None:
        self.admins[email.lower()] = frozenset(o.upper() for o in orgs)

    def add_account(self, account: Account) -> None:
        """An account that predates Roster, with its address reserved."""
        self.accounts_by_email[account.email] = account
        self.reservations[account.email] = address_base_of(account.email)

    def snapshot(self, admin_email: str, ods_codes: set[str], emails: set[str]) -> DirectorySnapshot:
        accounts = self.accounts(emails)
        wanted = {o.upper() for o in ods_codes if o} | {a.ods for a in accounts.values()}
        organisations = self.organisations(wanted)
        active_by_name: dict[tuple[str, str, str], tuple[str, ...]] = {}
        for account in sorted(self.accounts_by_email.values(), key=lambda a: a.email):
            if account.ods in organisations and account.status is AccountStatus.ACTIVE:
                key = name_key(account.ods, account.first_name, account.last_name)
                active_by_name[key] = (*active_by_name.get(key, ()), account.email)
        return DirectorySnapshot(organisations=organisations, administered=self.admins.get(admin_email.lower(),
                                 frozenset()), accounts=accounts, active_by_name=active_by_name)

    def organisations(self, ods_codes: set[str]) -> dict[str, Organisation]:
        found = (self.organisations_by_ods.get(o.upper()) for o in ods_codes if o)
        return {o.ods: o for o in found if o is not None}

    def accounts(self, emails: set[str]) -> dict[str, Account]:
        return {e.lower(): self.accounts_by_email[e.lower()] for e in emails if e.lower() in self.accounts_by_email}

    def account(self, email: str) -> Account | None:
        return self.accounts_by_email.get(email.lower())

    def password_hash(self, email: str) -> str | None:
        stored = self.credentials.get(email.lower(), {}).get("password_hash")
        return str(stored) if stored else None

    def identities(self, keys: set[str]) -> dict[str, IdentityRecord]:
        return {k: self.identity_records[k] for k in keys if k in self.identity_records}

    def identity(self, key: str) -> IdentityRecord | None:
        return self.identity_records.get(key)

    def reserved_addresses(self, addresses: set[str]) -> set[str]:
        self.reads["reserved_addresses"] = self.reads.get("reserved_addresses", 0) + 1
        return {a for a in addresses if a in self.reservations}

    def taken_suffixes(self, base: str) -> set[int]:
        self.reads["taken_suffixes"] = self.reads.get("taken_suffixes", 0) + 1
        suffixes = {suffix_of(address, base) for address, of in self.reservations.items() if of == base}
        return {s for s in suffixes if s is not None}

    def active_account_counts(self, ods_codes: set[str]) -> dict[str, int]:
        wanted = {o.upper() for o in ods_codes if o}
        active = [a.ods for a in self.accounts_by_email.values() if a.status is AccountStatus.ACTIVE]
        return {ods: active.count(ods) for ods in wanted}

    def administrators(self, ods_codes: set[str]) -> dict[str, frozenset[str]]:
        return {ods: frozenset(email for email, orgs in self.admins.items() if ods in orgs)
                for ods in {o.upper() for o in ods_codes if o}}


class FakeTransactions:
    """Transactions over a FakeDirectory and FakeJobs: every condition checked before any
    write, all or nothing. `conflict_next(n)` makes the next n commits cancel with a
    TransactionConflict, as when another transaction touched the same items."""

    def __init__(self, directory: FakeDirectory, jobs: FakeJobs) -> None:
        self.directory = directory
        self.jobs = jobs
        self.commits: list[dict[str, Write]] = []  # the ones that committed
        self.cancellations: list[Cancelled] = []
        self.pending_conflicts = 0
        self.before_commit: Callable[[Mapping[str, Write]], None] | None = None
        # The record of changes, by (account, channel, source, line); it is also the ChangeLog port.
        self.change_records: dict[tuple[str, str, str, int], ChangeRecord] = {}

    def conflict_next(self, times: int = 1) -> None:
        self.pending_conflicts += times

    def commit(self, writes: Mapping[str, Write]) -> Cancelled | None:
        assert 0 < len(writes) <= MAX_WRITES_PER_TRANSACTION, "DynamoDB refuses such a transaction"
        if self.before_commit is not None:
            self.before_commit(writes)
        if self.pending_conflicts:
            self.pending_conflicts -= 1
            return self._cancel(Cancelled(conflict=True))
        refused = frozenset(name for name, write in writes.items() if not self._condition_holds(write))
        if refused:
            return self._cancel(Cancelled(refused=refused))
        for write in writes.values():
            self._apply(write)
        self.commits.append(dict(writes))
        return None

    def _cancel(self, cancelled: Cancelled) -> Cancelled:
        self.cancellations.append(cancelled)
        return cancelled

    def _condition_holds(self, write: Write) -> bool:
        directory = self.directory
        if isinstance(write, NewAccount):
            return write.account.email not in directory.accounts_by_email
        if isinstance(write, AddressReservation):
            return write.email not in directory.reservations
        if isinstance(write, IdentityRecord):
            return write.identity not in directory.identity_records
        if isinstance(write, OutcomeRecord):
            return (write.job_id, write.outcome.line) not in self.jobs.row_outcomes
        if isinstance(write, ChangeRecord):
            return _record_key(write) not in self.change_records
        account = directory.accounts_by_email.get(write.email)
        return account is not None and account.status is write.expected_status and account.ods == write.expected_ods

    def _apply(self, write: Write) -> None:
        directory = self.directory
        if isinstance(write, NewAccount):
            directory.accounts_by_email[write.account.email] = write.account
            directory.credentials[write.account.email] = {"password_hash": write.password_hash,
                                                          "must_change_password": write.must_change_password,
                                                          "created_by_job": write.created_by_job}
        elif isinstance(write, AddressReservation):
            directory.reservations[write.email] = write.base
        elif isinstance(write, IdentityRecord):
            directory.identity_records[write.identity] = write
        elif isinstance(write, OutcomeRecord):
            self.jobs.row_outcomes[(write.job_id, write.outcome.line)] = write.outcome
        elif isinstance(write, ChangeRecord):
            self.change_records[_record_key(write)] = write
        else:
            self._update(write)

    def for_upload(self, upload_id: str, channel: str = "upload") -> Iterator[ChangeRecord]:
        found = [r for r in self.change_records.values() if (r.channel, r.source_id) == (channel, upload_id)]
        return iter(sorted(found, key=lambda r: (r.line, r.email)))

    def for_account(self, email: str) -> list[ChangeRecord]:
        found = [r for r in self.change_records.values() if r.email == email.lower()]
        return sorted(found, key=lambda r: (r.at, r.line), reverse=True)

    def _update(self, write: AccountUpdate) -> None:
        account = self.directory.accounts_by_email[write.email]
        stored = {**account.model_dump(mode="json"), **self.directory.credentials.get(write.email, {})}
        stored.update(write.sets)
        for name in write.removes:
            stored.pop(name, None)
        self.directory.accounts_by_email[write.email] = Account.model_validate(
            {k: v for k, v in stored.items() if k in Account.model_fields})
        self.directory.credentials[write.email] = {k: v for k, v in stored.items() if k not in Account.model_fields}


def _record_key(record: ChangeRecord) -> tuple[str, str, str, int]:
    return (record.email, record.channel, record.source_id, record.line)


@dataclass
class StoredFile:
    body: bytes
    metadata: dict[str, str] = field(default_factory=dict)


class FakeFiles:
    """UploadFiles: objects by key; `upload` puts a file as the presigned upload would."""

    bucket = "roster-test-bucket"
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # when links are signed

    def __init__(self) -> None:
        self.objects: dict[str, StoredFile] = {}

    def upload(self, uploader: str, file_name: str, body: bytes, validate_only: bool = False) -> str:
        key = f"uploads/{uploader}/{len(self.objects):04d}/{file_name}"
        self.objects[key] = StoredFile(body, {"uploader": uploader, "validate-only": str(validate_only).lower(),
                                              "file-name": file_name})
        return key

    def describe(self, key: str, version_id: str | None) -> UploadedObject:
        stored = self.objects[key]
        return UploadedObject(bucket=self.bucket, key=key, version_id=version_id or "v1",
                              uploader=stored.metadata["uploader"],
                              validate_only=stored.metadata["validate-only"] == "true",
                              file_name=stored.metadata["file-name"], size=len(stored.body))

    def read(self, key: str, version_id: str | None = None, limit: int | None = None) -> bytes:
        body = self.objects[key].body
        return body if limit is None else body[: limit + 1]

    def put_text(self, key: str, text: str, content_type: str = "text/csv; charset=utf-8") -> None:
        self.objects[key] = StoredFile(text.encode("utf-8"))

    def put_json(self, key: str, value: Any) -> None:
        self.objects[key] = StoredFile(json.dumps(value).encode())

    def get_json(self, key: str) -> Any:
        return json.loads(self.objects[key].body)

    def presigned_download(self, key: str, expires_in: int, file_name: str | None = None) -> DownloadLink:
        return DownloadLink(f"https://{self.bucket}.example/{key}?expires-in={expires_in}",
                            self.now + timedelta(seconds=expires_in))

    def text(self, key: str) -> str:
        return self.objects[key].body.decode("utf-8")


class FakeQueue:
    """OrganisationQueue: holds with an expiry on a clock the test moves, and the queue."""

    def __init__(self, hold_seconds: int = 3600) -> None:
        self.hold_seconds = hold_seconds
        self.now = 1_000_000.0
        self.holds: dict[str, tuple[str, float]] = {}  # ods -> (holder, hold_until)
        self.queued: dict[str, QueuedJob] = {}

    def try_take(self, job_id: str, orgs: list[str]) -> bool:
        wanted = sorted(set(orgs))
        if any(ods in self.holds and self.holds[ods][1] >= self.now and self.holds[ods][0] != job_id
               for ods in wanted):
            return False
        for ods in wanted:
            self.holds[ods] = (job_id, self.now + self.hold_seconds)
        return True

    def release(self, job_id: str, orgs: list[str]) -> None:
        for ods in set(orgs):
            if ods in self.holds and self.holds[ods][0] == job_id:
                del self.holds[ods]

    def enqueue(self, job_id: str, created_at: str, orgs: list[str]) -> None:
        position = f"{created_at}#{job_id}"
        self.queued[position] = QueuedJob(position=position, job_id=job_id, orgs=tuple(sorted(set(orgs))))

    def waiting(self) -> list[QueuedJob]:
        return [self.queued[position] for position in sorted(self.queued)]

    def remove(self, entry: QueuedJob) -> None:
        self.queued.pop(entry.position, None)

    def holder(self, ods: str) -> str | None:
        return self.holds[ods][0] if ods in self.holds else None


class FakeKms:
    """KeyService: data keys bound to their encryption context, as KMS binds them."""

    def __init__(self) -> None:
        self._keys: dict[bytes, tuple[bytes, dict[str, str]]] = {}

    def generate_data_key(self, *, KeyId: str, KeySpec: str,  # noqa: N803 - KMS's names
                          EncryptionContext: Mapping[str, str]) -> dict[str, Any]:
        plaintext, blob = os.urandom(32), os.urandom(48)
        self._keys[blob] = (plaintext, dict(EncryptionContext))
        return {"Plaintext": plaintext, "CiphertextBlob": blob, "KeyId": KeyId}

    def decrypt(self, *, CiphertextBlob: bytes, EncryptionContext: Mapping[str, str]) -> dict[str, Any]:  # noqa: N803
        plaintext, context = self._keys[CiphertextBlob]
        if context != dict(EncryptionContext):
            raise PermissionError("InvalidCiphertextException")
        return {"Plaintext": plaintext}


class FakeMailer:
    """Mailer: one email per kind per job, as the idempotent SES sender guarantees."""

    def __init__(self) -> None:
        self.sent: dict[tuple[str, str], OutgoingEmail] = {}
        self.attempts = 0

    def send_once(self, kind: str, email: OutgoingEmail) -> str:
        self.attempts += 1
        self.sent.setdefault((email.job_id, kind), email)
        return f"message-{email.job_id}-{kind}"

    def emails_for(self, job_id: str) -> list[OutgoingEmail]:
        return [email for (job, _), email in self.sent.items() if job == job_id]


class FakeWorkflow:
    """Workflow: executions by name; a second start of a name is refused, as Step Functions does."""

    def __init__(self) -> None:
        self.executions: dict[str, dict[str, Any]] = {}

    def start(self, name: str, payload: Mapping[str, Any]) -> bool:
        if name in self.executions:
            return False
        self.executions[name] = dict(payload)
        return True
