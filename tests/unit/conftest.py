"""Unit-test fixtures, built once here: the steps, the sweeper and the dead-letter consumer wired
to the in-memory fakes of every port (tests/unit/fakes/)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from roster.audit.records import Provenance
from roster.create.step import CreateStep
from roster.dead_letter.step import DeadLetters
from roster.model.directory import Account, AccountStatus, Organisation
from roster.model.requests import BatchRequest
from roster.model.uploads import ExecutionStatus, Upload, UploadState
from roster.notify.failure_notice import UploadFailureNotice
from roster.notify.step import NotifyStep
from roster.passwords.sealing import UploadCipher
from roster.settings import Settings
from roster.sweep.step import SweepDeadlines, Sweeper
from roster.validate.step import ValidateStep
from tests.unit.fakes import (
    FakeDirectory,
    FakeExecutions,
    FakeFiles,
    FakeFinisher,
    FakeKms,
    FakeMailer,
    FakeQueue,
    FakeTransactions,
    FakeUploads,
    FakeWorkflow,
)

ADMIN = "admin@nhs.net"
LEEDS = Organisation(ods="RX1", name="Leeds Teaching Hospitals", domain="nhs.net", units=("Cardiology", "Radiology"),
                     mailbox_max_gb=10)
YORK = Organisation(ods="RY2", name="York Hospital", domain="york.nhs.net", units=("District Nursing",))
AMIR = Account(email="amir.khan@nhs.net", first_name="Amir", last_name="Khan", ods="RX1", unit="Radiology",
               job_title="Radiographer", mobile_phone="+447912345000")
SARAH = Account(email="sarah.oconnor@nhs.net", first_name="Sarah", last_name="O'Connor", ods="RX1")
TOM = Account(email="tom.baker@nhs.net", first_name="Tom", last_name="Baker", ods="RX1", unit="Cardiology",
              status=AccountStatus.LEAVER)


def settings(**overrides: Any) -> Settings:
    """Deployment settings for unit tests: every value given, none read from the environment.

    Leavers never need approval by share here (100%): the fixture's organisations have two
    active accounts, and the tests of approval (tests/unit/approval/test_step.py) set the deployed 10%."""
    values: dict[str, Any] = {
        "directory_table": "directory", "jobs_table": "jobs", "idempotency_table": "idempotency",
        "bucket": FakeFiles().bucket, "kms_key_id": "alias/roster", "sender_email": "roster@nhs.net",
        "state_machine_arn": "arn:aws:states:eu-west-2:123456789012:stateMachine:roster", "max_rows": 10_000,
        "max_upload_bytes": 5 * 1024 * 1024, "batch_size": 100, "password_hash_cost": 10,
        "identity_retention_days": 90, "org_hold_seconds": 3600, "attachment_limit_bytes": 7_000_000,
        "leaver_approval_threshold": 25, "leaver_approval_percent": 100, "approval_days": 7,
    }
    return Settings(**{**values, **overrides})


@dataclass
class Roster:
    """The three steps on fakes sharing one directory, one bucket and one queue."""

    settings: Settings = field(default_factory=settings)
    uploads: FakeUploads = field(default_factory=FakeUploads)
    directory: FakeDirectory = field(default_factory=FakeDirectory)
    files: FakeFiles = field(default_factory=FakeFiles)
    queue: FakeQueue = field(default_factory=FakeQueue)
    keys: FakeKms = field(default_factory=FakeKms)
    mailer: FakeMailer = field(default_factory=FakeMailer)
    workflow: FakeWorkflow = field(default_factory=FakeWorkflow)
    transactions: FakeTransactions = field(init=False)

    def __post_init__(self) -> None:
        self.transactions = FakeTransactions(self.directory, self.uploads)

    def validate_step(self) -> ValidateStep:
        return ValidateStep(self.settings, self.uploads, self.directory, self.files, self.queue, self.keys, self.mailer,
                            self.workflow)

    def notify_step(self) -> NotifyStep:
        return NotifyStep(self.settings, self.uploads, self.files, self.queue, self.keys, self.mailer, self.workflow)

    def create_step(self, upload_id: str, now: str = "2026-11-24T12:00:00+00:00") -> CreateStep:
        upload = self.uploads.get(upload_id)
        cipher = UploadCipher.open(self.keys, base64.b64decode(upload.data_key or ""), upload_id)
        step = CreateStep(upload_id=upload_id, directory=self.directory, uploads=self.uploads, files=self.files,
                          transactions=self.transactions, cipher=cipher,
                          password_hash_cost=self.settings.password_hash_cost,
                          identity_retention_days=self.settings.identity_retention_days,
                          provenance=Provenance(upload_id, upload.uploader, self.settings.audit_retention_days),
                          change_log=self.transactions, now=now)
        return step

    def upload(self, text: str, *, admin: str = ADMIN, validate_only: bool = False,
               file_name: str = "users.csv") -> Upload:
        """Upload a file and run the validate step on it, as the bucket event would."""
        key = self.files.upload(admin, file_name, text.encode("utf-8"), validate_only)
        return self.validate_step().receive(key, None)

    def run_batches(self, upload_id: str) -> list[dict[str, Any]]:
        """The Distributed Map: the create step on every batch of the upload."""
        upload = self.uploads.get(upload_id)
        step = self.create_step(upload_id)
        return [step.run_batch(BatchRequest(upload_id=upload_id, bucket=self.files.bucket, **entry))
                for entry in self.files.get_json(upload.batch_list_key or "")]

    def apply(self, text: str, **kwargs: Any) -> Upload:
        """Upload, validate, create and notify: a whole upload whose create phase starts at once."""
        upload = self.upload(text, **kwargs)
        if upload.state is UploadState.CREATING:
            self.run_batches(upload.upload_id)
            return self.notify_step().finish(upload.upload_id)
        return upload


@pytest.fixture
def roster() -> Roster:
    """Leeds (RX1) and York (RY2), administered by ADMIN; Amir and Sarah active in Leeds, Tom a leaver."""
    world = Roster()
    for organisation in (LEEDS, YORK):
        world.directory.add_organisation(organisation)
    world.directory.add_admin(ADMIN, {"RX1", "RY2"})
    for account in (AMIR, SARAH, TOM):
        world.directory.add_account(account)
    return world


# -- the sweeper and the dead-letter consumer (roster.sweep, roster.dead_letter) -------------------

BUCKET = "roster-uploads"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DEADLINES = SweepDeadlines(stuck_job_minutes=30, validation_timeout_minutes=90, queue_timeout_minutes=1440,
                           hold_seconds=3600)


def iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def minutes_ago(minutes: float) -> str:
    return iso(NOW - timedelta(minutes=minutes))


def an_upload(upload_id: str, state: UploadState, orgs: list[str] | None = None, uploader: str = "admin@example.nhs.net",
             created_at: str | None = None) -> Upload:
    return Upload(upload_id=upload_id, state=state, bucket=BUCKET, key=f"uploads/{uploader}/u-{upload_id}/{upload_id}.csv",
                  version_id="v1", file_name=f"{upload_id}.csv", uploader=uploader, orgs=orgs or [],
                  created_at=created_at or minutes_ago(60), updated_at=created_at or minutes_ago(60))


@pytest.fixture
def uploads() -> FakeUploads:
    return FakeUploads()


@pytest.fixture
def upload_files() -> FakeFiles:
    return FakeFiles(bucket=BUCKET)


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def queue() -> FakeQueue:
    return FakeQueue(hold_seconds=DEADLINES.hold_seconds, now=NOW.timestamp())


@pytest.fixture
def executions() -> FakeExecutions:
    return FakeExecutions()


@pytest.fixture
def start(uploads: FakeUploads, executions: FakeExecutions) -> Callable[[str], None]:
    """start_create_phase: the upload becomes CREATING and its execution runs."""

    def start_create_phase(upload_id: str) -> None:
        uploads.set_state(upload_id, UploadState.CREATING)
        executions.executions[upload_id] = ExecutionStatus("RUNNING")

    return start_create_phase


@pytest.fixture
def finisher(uploads: FakeUploads, queue: FakeQueue, mailer: FakeMailer, start: Callable[[str], None]) -> FakeFinisher:
    return FakeFinisher(uploads, queue, mailer, start)


@pytest.fixture
def notice(mailer: FakeMailer) -> UploadFailureNotice:
    return UploadFailureNotice("roster@example.nhs.net", mailer.send_once)


@pytest.fixture
def sweeper(uploads: FakeUploads, queue: FakeQueue, executions: FakeExecutions, finisher: FakeFinisher,
            notice: UploadFailureNotice, start: Callable[[str], None]) -> Sweeper:
    return Sweeper(deadlines=DEADLINES, open_uploads=uploads, uploads=uploads, queue=queue, executions=executions,
                   finisher=finisher, notice=notice, start_create_phase=start, clock=lambda: NOW)


@pytest.fixture
def dead_letters(uploads: FakeUploads, upload_files: FakeFiles, notice: UploadFailureNotice) -> DeadLetters:
    return DeadLetters(uploads=uploads, transitions=uploads, files=upload_files, notice=notice)
