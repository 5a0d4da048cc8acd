"""What the steps need from the outside world, as small Protocols (ports).

The steps (validate, create, notify, the queue) take these as parameters. The production
adapters live in roster.adapters and are built in roster.wiring; unit tests pass in-memory
fakes (tests/unit/fakes/). Nothing here imports boto3."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

from roster.emails import OutgoingEmail
from roster.model.changes import ChangeRecord
from roster.model.directory import Account, DirectorySnapshot, IdentityRecord, Organisation
from roster.model.files import DownloadLink, UploadedObject
from roster.model.uploads import ExecutionStatus, OpenUpload, QueuedUpload, RowOutcome, Upload, UploadPage, UploadState
from roster.model.writes import Cancelled, Write
from roster.scim.links import ScimLink
from roster.scim.tokens import ScimToken

# -- uploads ---------------------------------------------------------------------------------


class UploadRecords(Protocol):
    """Upload records, row outcomes and batch progress (adapters.upload_store.UploadStore)."""

    def create_if_absent(self, upload: Upload) -> tuple[Upload, bool]:
        """Write a new upload record; when it exists already (a repeated event) return that one and False."""

    def get(self, upload_id: str) -> Upload:
        """The upload record; UploadNotFound when there is none."""

    def update(self, upload_id: str, expect_state: UploadState | None = None, **changes: Any) -> None:
        """Set attributes of the upload record (a None value removes the attribute); with
        `expect_state`, only while the upload is in that state (UploadStateChanged otherwise)."""

    def file_arrived(self, upload_id: str, version_id: str | None) -> Upload:
        """An AWAITING_FILE upload's file came (the first version only); the upload as it now is."""

    def claim_data_key(self, upload_id: str, data_key: str) -> str:
        """Record the upload's encrypted data key unless one is recorded; the one that counts."""

    def record_leavers(self, upload_id: str, leavers: dict[str, int], at: str) -> None:
        """File the upload's leavers per organisation at `at` (the leaver guard's window, docs/security.md)."""

    def leavers_since(self, ods_codes: set[str], since: str, excluding: str) -> Counter[str]:
        """Leavers per organisation of other uploads filed since `since` that apply, applied or wait."""

    def outcomes(self, upload_id: str) -> dict[int, RowOutcome]:
        """Every row outcome recorded for the upload, by line."""

    def outcomes_in_line_order(self, upload_id: str) -> Iterator[RowOutcome]:
        """Every row outcome recorded for the upload, in line order, read as they are taken (a
        100,000-row upload is never held whole)."""

    def outcomes_for(self, upload_id: str, lines: list[int]) -> dict[int, RowOutcome]:
        """The outcomes already recorded for these lines."""

    def record_batch_progress(self, upload_id: str, batch_no: int, tally: dict[str, int]) -> bool:
        """Add one batch's result counts to the upload's progress, once; False when already added."""

    def update_if(self, upload_id: str, expected: Mapping[str, Any], **changes: Any) -> bool:
        """`update`, only while every attribute in `expected` has that value (None: absent);
        False, and nothing changed, when one does not."""

    def add_approval_deadline(self, upload_id: str, deadline: str) -> None:
        """File an upload that waits for approval under its deadline (idempotent)."""

    def remove_approval_deadline(self, upload_id: str, deadline: str) -> None:
        """Take an upload off the approval deadlines (it no longer waits)."""

    def request_apply(self, upload_id: str, requested_by: str) -> Upload:
        """Mark a VALIDATED upload as asked to be applied by `requested_by`; the upload as it now is."""

    def approval_deadlines_due(self, now: str) -> list[tuple[str, str]]:
        """(upload id, deadline) of the uploads filed with a deadline at or before `now`, earliest first."""


# -- the directory ------------------------------------------------------------------------


class DirectoryReader(Protocol):
    """What validation reads: one snapshot per upload, in batched reads."""

    def snapshot(self, admin_email: str, ods_codes: set[str], emails: set[str]) -> DirectorySnapshot:
        """The organisations, accounts and administrator rights one upload needs."""

    def identities(self, keys: set[str]) -> dict[str, IdentityRecord]:
        """Users already created by an upload, by identity key (docs/csv-format.md#safe-to-repeat)."""


class Directory(DirectoryReader, Protocol):
    """Reads of the directory (adapters.directory_store.DirectoryStore). Writes go through
    `Transactions`, so that each row's effect and outcome are written together."""

    def organisations(self, ods_codes: set[str]) -> dict[str, Organisation]:
        """The organisations among these ODS codes that exist, by code."""

    def accounts(self, emails: set[str]) -> dict[str, Account]:
        """The accounts among these addresses that exist, by lower-case address."""

    def account(self, email: str) -> Account | None:
        """One account as it is now (a consistent read), or None."""

    def password_hash(self, email: str) -> str | None:
        """The stored hash of an account's password (a consistent read); None when it has none."""

    def identity(self, key: str) -> IdentityRecord | None:
        """One identity record as it is now (a consistent read), or None."""

    def reserved_addresses(self, addresses: set[str]) -> set[str]:
        """Which of these addresses are already reserved."""

    def taken_suffixes(self, base: str) -> set[int]:
        """The numbers already used with a base address (first.last@domain -> {0, 1, 3})."""

    def active_account_counts(self, ods_codes: set[str]) -> dict[str, int]:
        """How many active accounts each of these organisations has (0 for none), by ODS code."""

    def administrator_email(self, sub: str) -> str | None:
        """The administrator a Cognito user is bound to (by its immutable sub); None when unbound."""

    def administered(self, admin_email: str) -> frozenset[str]:
        """The organisations (ODS codes) this administrator administers."""

    def accounts_in(self, ods: str) -> Iterable[Account]:
        """Every account of one organisation, read a page at a time."""

    def administrators(self, ods_codes: set[str]) -> dict[str, frozenset[str]]:
        """Who administers each of these organisations (lower-case addresses), by ODS code."""


class Transactions(Protocol):
    """All-or-nothing conditional writes (adapters.transactions.DynamoDBTransactions).

    Every write is conditional as its class says (an identity record is refused when it
    exists). Transient failures (throttling, service errors) raise
    TransientInfrastructureError; a cancellation is a result, not an exception."""

    def commit(self, writes: Mapping[str, Write]) -> Cancelled | None:
        """Apply every write or none; None when committed, else why it was cancelled."""


class ChangeLog(Protocol):
    """Reads of the record of changes (adapters.change_log.ChangeLog;
    docs/approval-and-plan.md#change-records). Records are written only through
    `Transactions`, each with the change it records."""

    def for_upload(self, upload_id: str, channel: str = "upload") -> Iterator[ChangeRecord]:
        """An upload's records, in line order."""

    def for_account(self, email: str) -> list[ChangeRecord]:
        """Every record of one account, newest first."""


# -- files --------------------------------------------------------------------------------


class UploadFiles(Protocol):
    """The upload bucket: uploaded files, reports, batch files, results (adapters.file_store)."""

    bucket: str

    def presigned_upload(self, uploader: str, file_name: str, validate_only: bool, max_bytes: int,
                         expires_in: int = 900, upload_id: str | None = None) -> dict[str, Any]:
        """A form that uploads one file, its uploader and options fixed in the signed policy."""

    def describe(self, key: str, version_id: str | None) -> UploadedObject:
        """An uploaded object's metadata (who uploaded it, validate-only or not)."""

    def read(self, key: str, version_id: str | None = None, limit: int | None = None) -> bytes:
        """An object's bytes; with `limit`, at most limit + 1 bytes."""

    def put_text(self, key: str, text: str, content_type: str = "text/csv; charset=utf-8") -> None:
        """Store a text object (UTF-8)."""

    def put_bytes(self, key: str, body: bytes, content_type: str) -> None:
        """Store an object as given (a workbook)."""

    def put_json(self, key: str, value: Any) -> None:
        """Store a value as a JSON object."""

    def get_json(self, key: str) -> Any:
        """A JSON object's value."""

    def presigned_download(self, key: str, expires_in: int, file_name: str | None = None) -> DownloadLink:
        """A link to an object, working for `expires_in` seconds or until the credentials that
        signed it expire, whichever is sooner; `expires_at` says which. With `file_name`, the
        download is saved under that name."""


# -- one create phase per organisation ----------------------------------------------------


class OrganisationQueue(Protocol):
    """Holds on organisations and the queue of uploads waiting for them (adapters.holds).
    The order in which waiting uploads start is roster.queue.dispatch's rule, not the adapter's."""

    def try_take(self, upload_id: str, orgs: list[str]) -> bool:
        """Take every hold at once, or none: each must be free, expired, or this upload's."""

    def release(self, upload_id: str, orgs: list[str]) -> None:
        """Give back this upload's holds (a hold another upload has taken over is left alone)."""

    def enqueue(self, upload_id: str, created_at: str, orgs: list[str]) -> None:
        """Put an upload in the queue (idempotent)."""

    def waiting(self) -> list[QueuedUpload]:
        """The queued uploads, in upload order."""

    def remove(self, entry: QueuedUpload) -> None:
        """Take a started upload off the queue."""

    def dequeue(self, upload_id: str, created_at: str) -> None:
        """Take an upload off the queue by id (one that ended while it waited)."""

    def queue_length(self) -> int:
        """How many uploads wait."""


# -- keys, mail, workflow -----------------------------------------------------------------


class KeyService(Protocol):
    """KMS data keys for UploadCipher, in KMS's own terms: the boto3 KMS client is the adapter."""

    def generate_data_key(self, *, KeyId: str, KeySpec: str,
                          EncryptionContext: Mapping[str, str]) -> Mapping[str, Any]:
        """A new data key: {"Plaintext": bytes, "CiphertextBlob": bytes}."""

    def decrypt(self, *, CiphertextBlob: bytes,
                EncryptionContext: Mapping[str, str]) -> Mapping[str, Any]:
        """The data key inside a blob from generate_data_key: {"Plaintext": bytes}."""


class Mailer(Protocol):
    """Email to administrators, at most one per kind per upload (adapters.ses.SesMailer)."""

    def send_once(self, kind: str, email: OutgoingEmail) -> str:
        """Send unless an email of this kind was sent for the email's upload; the message id."""


class Workflow(Protocol):
    """The create-phase state machine (adapters.stepfunctions.StepFunctionsWorkflow)."""

    def start(self, name: str, payload: Mapping[str, Any]) -> bool:
        """Start an execution named `name`; False when one of that name exists already."""


StartUpload = Callable[[str], None]


# -- the front door -----------------------------------------------------------------------


class UploadIndex(Protocol):
    """Uploads listed by uploader and by organisation, newest first (adapters.upload_listing)."""

    def page(self, listings: list[str], limit: int, before: str | None = None) -> UploadPage:
        """The newest `limit` uploads of these listings together, each once, older than `before`."""

    def uploads(self, upload_ids: list[str]) -> list[Upload]:
        """These uploads' records, in the order given."""


class ApplyRequests(Protocol):
    """Hands a validated upload to the apply function, asynchronously (adapters.apply_requests)."""

    def request(self, upload_id: str) -> None:
        """Ask for the upload to be applied; a repeat is a no-op."""


class Approvals(Protocol):
    """Approving and cancelling uploads that wait for approval (roster.approval.step.ApprovalStep)."""

    def approve_upload(self, upload_id: str, approver: str) -> Upload:
        """Record an approval; the upload as it now is."""

    def cancel_upload(self, upload_id: str, who: str) -> Upload:
        """Cancel a waiting upload; the upload as it now is."""


# -- operations: the sweeper, the dead-letter consumer and the metrics ----------------------


class OpenUploadRecords(Protocol):
    """Uploads not yet in a final state, by state, oldest first (adapters.open_uploads)."""

    def in_state(self, state: UploadState, entered_before: str | None = None) -> list[OpenUpload]:
        """Uploads in `state`, only those that entered it before `entered_before` if given."""

    def fail_if_in(self, upload_id: str, states: Iterable[UploadState], error: str) -> Upload | None:
        """Record the upload FAILED with `error` if it is in one of `states`; None when it was not."""


class ExecutionLookup(Protocol):
    """An upload's create-phase execution (adapters.executions)."""

    def status(self, upload_id: str) -> ExecutionStatus | None:
        """What Step Functions says of the upload's execution; None if it never started."""


class UploadFinisher(Protocol):
    """Notify's end of a create phase (roster.notify.step.NotifyStep)."""

    uploads: UploadRecords

    def finish(self, upload_id: str, failure: dict[str, Any] | None = None) -> Upload:
        """Write the results, record the final state, email the uploader, start the next upload."""


class FailureNotice(Protocol):
    """The one email telling an uploader a system error stopped their upload."""

    def tell(self, upload: Upload, rows_may_be_applied: bool = False) -> None:
        """Send it, once per upload."""


class MetricSink(Protocol):
    """Where measures go (Powertools Metrics)."""

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        """Add one measure."""


class ScimTokens(Protocol):
    """SCIM bearer tokens, stored as digests (roster.adapters.scim_store; docs/scim.md#tokens)."""

    def add_token(self, token: ScimToken) -> None:
        """Store a new token."""

    def token_by_digest(self, digest: str) -> ScimToken | None:
        """The live token with this digest; None once revoked."""

    def token_by_id(self, token_id: str) -> ScimToken | None:
        """A token by id, revoked or not."""

    def tokens(self, ods: str) -> list[ScimToken]:
        """An organisation's tokens, oldest first."""

    def revoke(self, token: ScimToken, revoked_by: str, at: str) -> None:
        """Stop the token from authenticating, for good."""


class ScimLinks(Protocol):
    """SCIM users: the identity provider's names linked to accounts (docs/scim.md#resources)."""

    def link(self, ods: str, resource_id: str) -> ScimLink | None:
        """One SCIM user of the organisation, deleted ones too."""

    def id_for_user_name(self, ods: str, user_name: str) -> str | None:
        """The id of the user holding this userName in the organisation."""

    def links(self, ods: str) -> list[ScimLink]:
        """Every SCIM user of the organisation."""


# -- events -------------------------------------------------------------------------------


class UploadEventBus(Protocol):
    """Where Upload State Changed events go (adapters.eventbridge.EventBridgeUploadEvents)."""

    def publish(self, detail: Mapping[str, Any]) -> None:
        """Put one event with this detail on the bus; raises when the bus did not take it."""


# -- undo ---------------------------------------------------------------------------------


class UndoFiles(Protocol):
    """Where an undo upload's file goes (adapters.file_store.FileStore): the bucket's uploads/,
    with the metadata a presigned form gives an administrator's file."""

    bucket: str

    def put_upload(self, key: str, text: str, *, uploader: str, validate_only: bool, file_name: str) -> None:
        """Store an upload's file as if its uploader had posted it; its bucket event validates it."""


class ChangeStamps(Protocol):
    """Which recorded change an account had last (adapters.directory_store.DirectoryStore)."""

    def last_changes(self, emails: set[str]) -> dict[str, str]:
        """The last change's stamp (roster.model.changes.change_stamp) of each account that has one."""
