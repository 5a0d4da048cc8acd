"""What the steps need from the outside world, as small Protocols (ports).

The steps (validate, create, notify, queueing) take these as parameters. The production
adapters live in roster.adapters and are built in roster.wiring; unit tests pass in-memory
fakes (tests/unit/fakes.py). Nothing here imports boto3."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from roster.emails import OutgoingEmail
from roster.model.directory import Account, AccountStatus, DirectorySnapshot, IdentityRecord, Organisation
from roster.model.jobs import Job, JobState, RowOutcome

# -- jobs ---------------------------------------------------------------------------------


class JobRecords(Protocol):
    """Job records, row outcomes and batch progress (adapters.job_store.JobStore)."""

    def create_if_absent(self, job: Job) -> tuple[Job, bool]:
        """Write a new job record; when it exists already (a repeated event) return that one and False."""
        ...

    def get(self, job_id: str) -> Job:
        """The job record; JobNotFound when there is none."""
        ...

    def update(self, job_id: str, expect_state: JobState | None = None, **changes: Any) -> None:
        """Set attributes of the job record (a None value removes the attribute); with
        `expect_state`, only while the job is in that state (JobStateChanged otherwise)."""
        ...

    def file_arrived(self, job_id: str, version_id: str | None) -> Job:
        """An AWAITING_FILE upload's file came (the first version only); the job as it now is."""
        ...

    def claim_data_key(self, job_id: str, data_key: str) -> str:
        """Record the job's encrypted data key unless one is recorded; the one that counts."""
        ...

    def record_leavers(self, job_id: str, leavers: dict[str, int], at: str) -> None:
        """File the upload's leavers per organisation at `at` (the leaver guard's window, docs/security.md)."""
        ...

    def leavers_since(self, ods_codes: set[str], since: str, excluding: str) -> Counter[str]:
        """Leavers per organisation of other uploads filed since `since` that apply, applied or wait."""
        ...

    def outcomes(self, job_id: str) -> dict[int, RowOutcome]:
        """Every row outcome recorded for the job, by line."""
        ...

    def outcomes_in_line_order(self, job_id: str) -> Iterator[RowOutcome]:
        """Every row outcome recorded for the job, in line order, read as they are taken (a
        100,000-row job is never held whole)."""
        ...

    def outcomes_for(self, job_id: str, lines: list[int]) -> dict[int, RowOutcome]:
        """The outcomes already recorded for these lines."""
        ...

    def record_batch_progress(self, job_id: str, batch_no: int, tally: dict[str, int]) -> bool:
        """Add one batch's result counts to the job's progress, once; False when already added."""
        ...

    def update_if(self, job_id: str, expected: Mapping[str, Any], **changes: Any) -> bool:
        """`update`, only while every attribute in `expected` has that value (None: absent);
        False, and nothing changed, when one does not."""
        ...

    def add_approval_deadline(self, job_id: str, deadline: str) -> None:
        """File a job that waits for approval under its deadline (idempotent)."""
        ...

    def remove_approval_deadline(self, job_id: str, deadline: str) -> None:
        """Take a job off the approval deadlines (it no longer waits)."""
        ...

    def approval_deadlines_due(self, now: str) -> list[tuple[str, str]]:
        """(job id, deadline) of the jobs filed with a deadline at or before `now`, earliest first."""
        ...


# -- the directory ------------------------------------------------------------------------


class DirectoryReader(Protocol):
    """What validation reads: one snapshot per upload, in batched reads."""

    def snapshot(self, admin_email: str, ods_codes: set[str], emails: set[str]) -> DirectorySnapshot:
        """The organisations, accounts and administrator rights one upload needs."""
        ...

    def identities(self, keys: set[str]) -> dict[str, IdentityRecord]:
        """Users already created by an upload, by identity key (csv-contract 8)."""
        ...


class Directory(DirectoryReader, Protocol):
    """Reads of the directory (adapters.directory_store.DirectoryStore). Writes go through
    `Transactions`, so that each row's effect and outcome are written together."""

    def organisations(self, ods_codes: set[str]) -> dict[str, Organisation]:
        """The organisations among these ODS codes that exist, by code."""
        ...

    def accounts(self, emails: set[str]) -> dict[str, Account]:
        """The accounts among these addresses that exist, by lower-case address."""
        ...

    def account(self, email: str) -> Account | None:
        """One account as it is now (a consistent read), or None."""
        ...

    def password_hash(self, email: str) -> str | None:
        """The stored hash of an account's password (a consistent read); None when it has none."""
        ...

    def identity(self, key: str) -> IdentityRecord | None:
        """One identity record as it is now (a consistent read), or None."""
        ...

    def reserved_addresses(self, addresses: set[str]) -> set[str]:
        """Which of these addresses are already reserved."""
        ...

    def taken_suffixes(self, base: str) -> set[int]:
        """The numbers already used with a base address (first.last@domain -> {0, 1, 3})."""
        ...

    def active_account_counts(self, ods_codes: set[str]) -> dict[str, int]:
        """How many active accounts each of these organisations has (0 for none), by ODS code."""
        ...

    def administrators(self, ods_codes: set[str]) -> dict[str, frozenset[str]]:
        """Who administers each of these organisations (lower-case addresses), by ODS code."""
        ...


# -- row transactions ---------------------------------------------------------------------


@dataclass(frozen=True)
class NewAccount:
    """Create an account; refused when the address has an account already."""

    account: Account
    password_hash: str
    must_change_password: bool
    created_by_job: str


@dataclass(frozen=True)
class AddressReservation:
    """Reserve an address for good; refused when it is reserved already."""

    email: str
    base: str  # first.last@domain: the reservations of one base are looked up together
    job_id: str
    line: int


@dataclass(frozen=True)
class AccountUpdate:
    """Change an existing account; refused unless it still has the status and organisation
    the change was planned against."""

    email: str
    sets: Mapping[str, Any]  # stored attribute -> new value
    removes: tuple[str, ...]  # stored attributes to remove
    expected_status: AccountStatus
    expected_ods: str


@dataclass(frozen=True)
class OutcomeRecord:
    """Record a row's outcome; refused when the row has one already (the row was done)."""

    job_id: str
    outcome: RowOutcome


Write = NewAccount | AddressReservation | IdentityRecord | AccountUpdate | OutcomeRecord
# DynamoDB's limit per TransactWriteItems, and so the port's.
MAX_WRITES_PER_TRANSACTION = 100


@dataclass(frozen=True)
class Cancelled:
    """Why a transaction wrote nothing: the writes (by name) whose condition failed, and
    whether another transaction touched the same items at the same time."""

    refused: frozenset[str] = frozenset()
    conflict: bool = False


class Transactions(Protocol):
    """All-or-nothing conditional writes (adapters.transactions.DynamoDBTransactions).

    Every write is conditional as its class says (an identity record is refused when it
    exists). Transient failures (throttling, service errors) raise
    TransientInfrastructureError; a cancellation is a result, not an exception."""

    def commit(self, writes: Mapping[str, Write]) -> Cancelled | None:
        """Apply every write or none; None when committed, else why it was cancelled."""
        ...


# -- files --------------------------------------------------------------------------------


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


class UploadFiles(Protocol):
    """The upload bucket: uploaded files, reports, batch files, results (adapters.upload_store)."""

    def describe(self, key: str, version_id: str | None) -> UploadedObject:
        """An uploaded object's metadata (who uploaded it, validate-only or not)."""
        ...

    def read(self, key: str, version_id: str | None = None, limit: int | None = None) -> bytes:
        """An object's bytes; with `limit`, at most limit + 1 bytes."""
        ...

    def put_text(self, key: str, text: str, content_type: str = "text/csv; charset=utf-8") -> None:
        """Store a text object (UTF-8)."""
        ...

    def put_json(self, key: str, value: Any) -> None:
        """Store a value as a JSON object."""
        ...

    def get_json(self, key: str) -> Any:
        """A JSON object's value."""
        ...

    def presigned_download(self, key: str, expires_in: int) -> DownloadLink:
        """A link to an object, working for `expires_in` seconds or until the credentials that
        signed it expire, whichever is sooner; `expires_at` says which."""
        ...


# -- one create phase per organisation ----------------------------------------------------


@dataclass(frozen=True)
class QueuedJob:
    """A validated upload waiting for its organisations, in upload order."""

    position: str  # sorts in upload order
    job_id: str
    orgs: tuple[str, ...]


class OrganisationQueue(Protocol):
    """Holds on organisations and the queue of jobs waiting for them (adapters.holds).
    The order in which waiting jobs start is roster.queueing's rule, not the adapter's."""

    def try_take(self, job_id: str, orgs: list[str]) -> bool:
        """Take every hold at once, or none: each must be free, expired, or this job's."""
        ...

    def release(self, job_id: str, orgs: list[str]) -> None:
        """Give back this job's holds (a hold another job has taken over is left alone)."""
        ...

    def enqueue(self, job_id: str, created_at: str, orgs: list[str]) -> None:
        """Put a job in the queue (idempotent)."""
        ...

    def waiting(self) -> list[QueuedJob]:
        """The queued jobs, in upload order."""
        ...

    def remove(self, entry: QueuedJob) -> None:
        """Take a started job off the queue."""
        ...


# -- keys, mail, workflow -----------------------------------------------------------------


class KeyService(Protocol):
    """KMS data keys for JobCipher, in KMS's own terms: the boto3 KMS client is the adapter."""

    def generate_data_key(self, *, KeyId: str, KeySpec: str,
                          EncryptionContext: Mapping[str, str]) -> Mapping[str, Any]:
        """A new data key: {"Plaintext": bytes, "CiphertextBlob": bytes}."""
        ...

    def decrypt(self, *, CiphertextBlob: bytes,
                EncryptionContext: Mapping[str, str]) -> Mapping[str, Any]:
        """The data key inside a blob from generate_data_key: {"Plaintext": bytes}."""
        ...


class Mailer(Protocol):
    """Email to administrators, at most one per kind per job (adapters.ses.SesMailer)."""

    def send_once(self, kind: str, email: OutgoingEmail) -> str:
        """Send unless an email of this kind was sent for the email's job; the message id."""
        ...


class Workflow(Protocol):
    """The create-phase state machine (adapters.stepfunctions.StepFunctionsWorkflow)."""

    def start(self, name: str, payload: Mapping[str, Any]) -> bool:
        """Start an execution named `name`; False when one of that name exists already."""
        ...


StartJob = Callable[[str], None]
