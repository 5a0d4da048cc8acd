"""One create phase at a time per organisation (docs/csv-format.md#safe-to-repeat): which waiting upload starts
next, and starting it. Validate starts an upload when its organisations are free; notify
starts the next ones when a create phase ends."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from roster.model.uploads import FINAL_STATES, UploadState
from roster.ports import OrganisationQueue, StartUpload, UploadRecords, Workflow

logger = Logger(child=True)


def dispatch_waiting(queue: OrganisationQueue, start: StartUpload) -> list[str]:
    """Start every queued upload whose holds can be taken, in upload order; an upload that still
    waits keeps later uploads of its organisations waiting too. Returns the started upload ids."""
    blocked: set[str] = set()
    started: list[str] = []
    for entry in queue.waiting():
        if blocked.intersection(entry.orgs) or not queue.try_take(entry.upload_id, list(entry.orgs)):
            blocked.update(entry.orgs)
            continue
        start(entry.upload_id)
        queue.remove(entry)
        started.append(entry.upload_id)
    return started


def start_create_phase(uploads: UploadRecords, workflow: Workflow, upload_id: str) -> None:
    """Mark the upload CREATING and start its execution; a second start of the same upload is a no-op,
    and an upload that has ended or waits for approval (never queued) is not started."""
    upload = uploads.get(upload_id)
    if upload.state in FINAL_STATES or upload.state is UploadState.AWAITING_APPROVAL:
        return
    uploads.update(upload_id, state=UploadState.CREATING)
    payload = {"job_id": upload_id, "bucket": upload.bucket, "batch_list_key": upload.batch_list_key}
    if not workflow.start(upload_id, payload):
        logger.info("execution already started", extra={"upload_id": upload_id})
