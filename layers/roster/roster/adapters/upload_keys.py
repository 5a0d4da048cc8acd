"""Where an upload's items live in the Jobs table: one statement of the key formats.

Code calls an administrator's upload an upload (`Upload`, `upload_id`), as the API and console do
(docs/api.md#upload-states). What is stored or sent between steps keeps the names first deployed,
so that no stored item, event or file needs rewriting: the keys' prefix `JOB#` and sort key `JOB`,
the Jobs table, the attribute and event field `job_id` (roster.model.uploads.Upload reads and
writes it by that name), and job.json of `roster local run`.

  JOB#<id>, JOB                 the upload's record (adapters.upload_store)
  JOB#<id>, BATCH#<n>           one batch's tally, added once (adapters.upload_store)
  JOB#<id>#ROWS<nn>, LINE#<n>   row outcomes, spread over OUTCOME_PARTITIONS keys
  JOB#<id>, ORG#<ods>           the upload listed under an organisation (adapters.upload_listing)
  APPROVAL, <deadline>#<id>     an upload waiting for approval, by deadline
  HOLD#<ods>, HOLD              an organisation's hold; QUEUE, <created_at>#<id> the queue (adapters.holds)"""

from __future__ import annotations


def upload_partition(upload_id: str) -> str:
    """The partition key of an upload's record, batch tallies and listings."""
    return f"JOB#{upload_id}"


def upload_key(upload_id: str) -> dict[str, str]:
    """The key of an upload's record."""
    return {"pk": upload_partition(upload_id), "sk": "JOB"}
