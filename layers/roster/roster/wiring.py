"""Production objects built from the deployment's settings and shared boto3 clients.

Handlers call these; tests build the same classes with their own stores instead."""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

from roster.adapters.clients import client
from roster.adapters.directory_store import DirectoryStore
from roster.adapters.holds import OrganisationHolds
from roster.adapters.job_store import JobStore
from roster.adapters.ses import SesMailer, persistence_layer
from roster.adapters.stepfunctions import StepFunctionsWorkflow
from roster.adapters.transactions import DynamoDBTransactions
from roster.adapters.upload_store import UploadStore
from roster.approve.step import ApprovalStep
from roster.batches import BatchRequest
from roster.create.step import CreateStep
from roster.notify.step import NotifyStep
from roster.ports import KeyService
from roster.sealing import JobCipher
from roster.settings import get_settings
from roster.validate.step import ValidateStep

# A replayed batch invocation (a retry after a lost response) gets its recorded answer back
# cheaply. Exactly-once does not rest on this: every row's transaction guarantees it.
batch_idempotency_config = IdempotencyConfig(event_key_jmespath="[job_id, batch_no]",
                                             raise_on_no_idempotency_key=True, expires_after_seconds=7 * 86400)


def job_store() -> JobStore:
    """The Jobs table."""
    return JobStore(client("dynamodb"), get_settings().jobs_table)


def directory_store() -> DirectoryStore:
    """The Directory table."""
    return DirectoryStore(client("dynamodb"), get_settings().directory_table)


def upload_store() -> UploadStore:
    """The upload bucket."""
    return UploadStore(client("s3"), get_settings().bucket)


def organisation_holds() -> OrganisationHolds:
    """Holds on organisations and the queue of waiting uploads (Jobs table)."""
    settings = get_settings()
    return OrganisationHolds(client("dynamodb"), settings.jobs_table, settings.org_hold_seconds)


def transactions() -> DynamoDBTransactions:
    """Row transactions across the Directory and Jobs tables."""
    settings = get_settings()
    return DynamoDBTransactions(client("dynamodb"), settings.directory_table, settings.jobs_table)


def workflow() -> StepFunctionsWorkflow:
    """The create-phase state machine."""
    return StepFunctionsWorkflow(client("stepfunctions"), get_settings().state_machine_arn)


def key_service() -> KeyService:
    """KMS: the boto3 client is the KeyService port as it is."""
    keys: KeyService = client("kms")
    return keys


def validate_step() -> ValidateStep:
    """The validate step as deployed."""
    return ValidateStep(get_settings(), job_store(), directory_store(), upload_store(), organisation_holds(),
                        key_service(), SesMailer(), workflow())


def approval_step() -> ApprovalStep:
    """Approve, cancel and expire waiting uploads as deployed (the API, the CLI, the sweeper)."""
    return ApprovalStep(get_settings(), job_store(), upload_store(), SesMailer(), validate_step().apply,
                        directory_store())


def notify_step() -> NotifyStep:
    """The notify step as deployed."""
    return NotifyStep(get_settings(), job_store(), upload_store(), organisation_holds(), key_service(), SesMailer(),
                      workflow())


def create_step(job_id: str) -> CreateStep:
    """The create step for one job: its data key is opened once per batch."""
    settings = get_settings()
    jobs = job_store()
    job = jobs.get(job_id)
    cipher = JobCipher.open(key_service(), base64.b64decode(job.data_key or ""), job_id)
    return CreateStep(job_id=job_id, directory=directory_store(), jobs=jobs, files=upload_store(),
                      transactions=transactions(), cipher=cipher, password_hash_cost=settings.password_hash_cost,
                      identity_retention_days=settings.identity_retention_days)


def run_batch_once(request: dict[str, Any]) -> dict[str, Any]:
    """Apply one batch, recording the answer under (job id, batch number)."""
    return _batch_runner()(request=request)


@lru_cache(maxsize=1)
def _batch_runner() -> Callable[..., dict[str, Any]]:
    def run_batch(request: dict[str, Any]) -> dict[str, Any]:
        batch = BatchRequest.model_validate(request)
        return create_step(batch.job_id).run_batch(batch)

    # Applied as a call (see adapters.ses._sender): the qualified name stays in the idempotency key.
    runner: Callable[..., dict[str, Any]] = idempotent_function(
        data_keyword_argument="request", config=batch_idempotency_config, persistence_store=persistence_layer(),
    )(run_batch)
    return runner
