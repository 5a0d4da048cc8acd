"""Where an upload's items live in the Jobs table: one statement of the key formats.

The code calls an administrator's upload a "job" (docs/api.md#upload-states); the stored keys
keep the prefix `JOB#` they were first deployed with, so that no stored item needs rewriting.

  JOB#<id>, JOB                 the upload's record (adapters.job_store)
  JOB#<id>, BATCH#<n>           one batch's tally, added once (adapters.job_store)
  JOB#<id>#ROWS<nn>, LINE#<n>   row outcomes, spread over OUTCOME_PARTITIONS keys
  JOB#<id>, ORG#<ods>           the upload listed under an organisation (adapters.upload_listing)
  APPROVAL, <deadline>#<id>     an upload waiting for approval, by deadline
  HOLD#<ods>, HOLD              an organisation's hold; QUEUE, <created_at>#<id> the queue (adapters.holds)"""

from __future__ import annotations


def job_partition(job_id: str) -> str:
    """The partition key of an upload's record, batch tallies and listings."""
    return f"JOB#{job_id}"


def job_key(job_id: str) -> dict[str, str]:
    """The key of an upload's record."""
    return {"pk": job_partition(job_id), "sk": "JOB"}
