"""One create phase at a time per organisation (docs/csv-format.md#safe-to-repeat): which waiting upload starts
next, and starting it. Validate starts an upload when its organisations are free; notify
starts the next ones when a create phase ends."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from roster.model.jobs import FINAL_STATES, JobState
from roster.ports import JobRecords, OrganisationQueue, StartJob, Workflow

logger = Logger(child=True)


def dispatch_waiting(queue: OrganisationQueue, start: StartJob) -> list[str]:
    """Start every queued job whose holds can be taken, in upload order; a job that still
    waits keeps later jobs of its organisations waiting too. Returns the started job ids."""
    blocked: set[str] = set()
    started: list[str] = []
    for entry in queue.waiting():
        if blocked.intersection(entry.orgs) or not queue.try_take(entry.job_id, list(entry.orgs)):
            blocked.update(entry.orgs)
            continue
        start(entry.job_id)
        queue.remove(entry)
        started.append(entry.job_id)
    return started


def start_create_phase(jobs: JobRecords, workflow: Workflow, job_id: str) -> None:
    """Mark the job CREATING and start its execution; a second start of the same job is a no-op,
    and a job that has ended or waits for approval (never queued) is not started."""
    job = jobs.get(job_id)
    if job.state in FINAL_STATES or job.state is JobState.AWAITING_APPROVAL:
        return
    jobs.update(job_id, state=JobState.CREATING)
    payload = {"job_id": job_id, "bucket": job.bucket, "batch_list_key": job.batch_list_key}
    if not workflow.start(job_id, payload):
        logger.info("execution already started", extra={"job_id": job_id})
