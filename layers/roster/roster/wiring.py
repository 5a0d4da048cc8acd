"""The one composition root: every function's production objects, built from the deployment's
settings and shared boto3 clients.

Handlers call these; tests build the same classes with their own stores (tests/unit/fakes/) instead."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import idempotent_function

from roster.adapters.apply_requests import LambdaApplyRequests
from roster.adapters.change_log import ChangeLog
from roster.adapters.clients import client
from roster.adapters.directory_store import DirectoryStore
from roster.adapters.eventbridge import EventBridgeUploadEvents
from roster.adapters.executions import CreatePhaseExecutions
from roster.adapters.file_store import FileStore
from roster.adapters.holds import OrganisationHolds
from roster.adapters.idempotency import batch_idempotency, event_idempotency, persistence_layer

# Handlers call this once per invocation, before any idempotent send or batch.
from roster.adapters.idempotency import register_lambda_context as register_lambda_context
from roster.adapters.open_uploads import OpenUploads
from roster.adapters.scim_store import ScimStore
from roster.adapters.ses import SesMailer, send_once
from roster.adapters.stepfunctions import StepFunctionsWorkflow
from roster.adapters.transactions import DynamoDBTransactions
from roster.adapters.upload_listing import UploadListing
from roster.adapters.upload_store import UploadStore
from roster.api.front_door import FrontDoor
from roster.api.records import RecordsDesk
from roster.api.sign_in import cognito_endpoint, sign_in_config
from roster.api.undo import UndoDesk
from roster.api.uploads import UploadDesk
from roster.approval.step import ApprovalStep
from roster.audit.records import Provenance
from roster.create.step import CreateStep
from roster.dead_letter.step import DeadLetters
from roster.events.state_changes import UploadStateChange
from roster.events.step import StateChangeEvents
from roster.model.requests import BatchRequest
from roster.model.uploads import Upload
from roster.notify.failure_notice import UploadFailureNotice
from roster.notify.step import NotifyStep
from roster.passwords.sealing import UploadCipher
from roster.ports import KeyService
from roster.queue.dispatch import start_create_phase
from roster.scim.apply import RowApplier
from roster.scim.desk import ScimDesk
from roster.scim.leaver_guard import LeaverGuard
from roster.settings import approval_policy, get_settings
from roster.sweep.step import SweepDeadlines, Sweeper
from roster.undo.planner import UndoPlanner
from roster.validate.step import ValidateStep


def upload_store() -> UploadStore:
    """The Jobs table."""
    return UploadStore(client("dynamodb"), get_settings().jobs_table)


def directory_store() -> DirectoryStore:
    """The Directory table."""
    return DirectoryStore(client("dynamodb"), get_settings().directory_table)


def file_store() -> FileStore:
    """The upload bucket."""
    return FileStore(client("s3"), get_settings().bucket)


def organisation_holds() -> OrganisationHolds:
    """Holds on organisations and the queue of waiting uploads (Jobs table)."""
    settings = get_settings()
    return OrganisationHolds(client("dynamodb"), settings.jobs_table, settings.org_hold_seconds)


def transactions() -> DynamoDBTransactions:
    """Row transactions across the Directory, Uploads and Changes tables."""
    settings = get_settings()
    return DynamoDBTransactions(client("dynamodb"), settings.directory_table, settings.jobs_table,
                                settings.changes_table)


def workflow() -> StepFunctionsWorkflow:
    """The create-phase state machine."""
    return StepFunctionsWorkflow(client("stepfunctions"), get_settings().state_machine_arn)


def key_service() -> KeyService:
    """KMS: the boto3 client is the KeyService port as it is."""
    keys: KeyService = client("kms")
    return keys


def validate_step() -> ValidateStep:
    """The validate step as deployed."""
    return ValidateStep(get_settings(), upload_store(), directory_store(), file_store(), organisation_holds(),
                        key_service(), SesMailer(), workflow(), UndoPlanner(change_log(), directory_store()))


def apply_requests() -> LambdaApplyRequests:
    """The hand-over of a validated or approved upload to the apply function."""
    return LambdaApplyRequests(client("lambda"), get_settings().apply_function)


def approval_step() -> ApprovalStep:
    """Approve, cancel and expire waiting uploads as deployed (the API, the CLI, the sweeper). An
    approval that completes an upload hands its re-validation to the apply function, as applying a
    validated upload does: the API keeps its narrow rights and its answer fast."""
    uploads = upload_store()
    applier = apply_requests()

    def hand_over(upload_id: str) -> Upload:
        applier.request(upload_id)
        return uploads.get(upload_id)

    return ApprovalStep(get_settings(), uploads, file_store(), SesMailer(), hand_over, directory_store())


def notify_step() -> NotifyStep:
    """The notify step as deployed."""
    return NotifyStep(get_settings(), upload_store(), file_store(), organisation_holds(), key_service(), SesMailer(),
                      workflow())


def create_step(upload_id: str) -> CreateStep:
    """The create step for one upload: its data key is opened once per batch."""
    settings = get_settings()
    uploads = upload_store()
    upload = uploads.get(upload_id)
    cipher = UploadCipher.of_upload(key_service(), upload.data_key, upload_id)
    return CreateStep(upload_id=upload_id, directory=directory_store(), uploads=uploads, files=file_store(),
                      transactions=transactions(), cipher=cipher, password_hash_cost=settings.password_hash_cost,
                      identity_retention_days=settings.identity_retention_days,
                      provenance=Provenance(upload_id, upload.uploader, settings.audit_retention_days),
                      change_log=change_log())


def change_log() -> ChangeLog:
    """Reads of the record of changes (docs/approval-and-plan.md#change-records)."""
    return ChangeLog(client("dynamodb"), get_settings().changes_table)


def run_batch_once(request: dict[str, Any]) -> dict[str, Any]:
    """Apply one batch, recording the answer under (upload id, batch number)."""
    return _batch_runner()(request=request)


@lru_cache(maxsize=1)
def _batch_runner() -> Callable[..., dict[str, Any]]:
    def run_batch(request: dict[str, Any]) -> dict[str, Any]:
        batch = BatchRequest.model_validate(request)
        return create_step(batch.upload_id).run_batch(batch)

    # Applied as a call (see adapters.ses._sender): the qualified name stays in the idempotency key.
    runner: Callable[..., dict[str, Any]] = idempotent_function(
        data_keyword_argument="request", config=batch_idempotency, persistence_store=persistence_layer(),
    )(run_batch)
    return runner


def front_door() -> FrontDoor:
    """The HTTP API's front door on the deployment's stores."""
    settings = get_settings()
    uploads = UploadDesk(records=upload_store(), index=UploadListing(client("dynamodb"), settings.jobs_table),
                         files=file_store(), applier=apply_requests(),
                         max_upload_bytes=settings.max_upload_bytes, approvals=approval_step())
    directory = directory_store()
    return FrontDoor(uploads=uploads, directory=directory, sign_in=sign_in_config(settings, client("cognito-idp")),
                     records=RecordsDesk(uploads, change_log(), directory),
                     undo=UndoDesk(uploads, change_log(), upload_store(), file_store(), settings.undo_days))


def console_connect_origins() -> list[str]:
    """Where the console's page calls besides its own API: the user pool (sign-in) and the bucket
    (the upload form). Its Content-Security-Policy allows these and nothing else."""
    return [cognito_endpoint(client("cognito-idp")), file_store().form_url()]


def open_uploads() -> OpenUploads:
    """Uploads not yet in a final state, by state (the sweeper and the dead-letter consumer)."""
    return OpenUploads(client("dynamodb"), get_settings().jobs_table)


def upload_failure_notice() -> UploadFailureNotice:
    """The one email telling an uploader a system error stopped their upload."""
    return UploadFailureNotice(get_settings().sender_email, send_once)


def dead_letters() -> DeadLetters:
    """The dead-letter consumer as deployed."""
    return DeadLetters(upload_store(), open_uploads(), file_store(), upload_failure_notice())


def sweeper() -> Sweeper:
    """The sweeper as deployed: notify's own finish ends the stuck create phases."""
    settings = get_settings()
    uploads = upload_store()
    return Sweeper(
        deadlines=SweepDeadlines.from_settings(settings),
        open_uploads=open_uploads(),
        uploads=uploads,
        queue=organisation_holds(),
        executions=CreatePhaseExecutions(client("stepfunctions"), settings.state_machine_arn),
        finisher=notify_step(),
        notice=upload_failure_notice(),
        start_create_phase=lambda upload_id: start_create_phase(uploads, workflow(), upload_id),
        expire_waiting_approvals=approval_step().expire_waiting_approvals,
    )


def scim_desk() -> ScimDesk:
    """SCIM tokens and the SCIM Users endpoint as deployed (docs/scim.md)."""
    settings = get_settings()
    store = ScimStore(client("dynamodb"), settings.directory_table)
    directory = directory_store()
    applier = RowApplier(directory, upload_store(), transactions(), settings.password_hash_cost,
                         settings.identity_retention_days, settings.audit_retention_days)
    guard = LeaverGuard(directory, upload_store(), file_store(), SesMailer(), approval_policy(settings),
                        settings.sender_email)
    return ScimDesk(store, store, directory, applier, guard)


def state_change_events() -> StateChangeEvents:
    """The Jobs table stream's consumer as deployed: each state change published once."""
    return StateChangeEvents(_publish_change_once())


@lru_cache(maxsize=1)
def _publish_change_once() -> Callable[[UploadStateChange], None]:
    bus = EventBridgeUploadEvents(client("events"), get_settings().event_bus_name)

    def publish_event(change: dict[str, Any]) -> dict[str, str]:
        bus.publish(change)
        return {"published": str(change["change_key"])}

    # Keyed by the change (upload id and stream sequence number): a redelivered stream record,
    # a retried batch or a replayed invocation finds the change published and publishes nothing.
    publisher: Callable[..., dict[str, str]] = idempotent_function(
        data_keyword_argument="change", config=event_idempotency, persistence_store=persistence_layer(),
    )(publish_event)

    def publish_once(change: UploadStateChange) -> None:
        publisher(change=change.detail())

    return publish_once
