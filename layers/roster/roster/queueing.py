"""Starting a queued upload's create phase: validate starts it when its organisations are
free, notify starts the next one when a create phase ends (csv-contract 8)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger

from roster.adapters.job_store import JobStore
from roster.model.jobs import FINAL_STATES, JobState
from roster.settings import Settings

logger = Logger(child=True)


def start_create_phase(jobs: JobStore, stepfunctions: Any, settings: Settings, job_id: str) -> None:
    """Mark the job CREATING and start its execution; a second start of the same job is a no-op."""
    job = jobs.get(job_id)
    if job.state in FINAL_STATES:
        return
    jobs.update(job_id, state=JobState.CREATING)
    payload = {"job_id": job_id, "bucket": job.bucket, "batch_list_key": job.batch_list_key}
    try:
        stepfunctions.start_execution(stateMachineArn=settings.state_machine_arn, name=job_id,
                                      input=json.dumps(payload))
    except stepfunctions.exceptions.ExecutionAlreadyExists:
        logger.info("execution already started", extra={"job_id": job_id})
