"""Leavers per organisation over time, for the leaver guard's window (docs/csv-format.md,
"Large retirements", `LeaverApprovalWindowHours`; docs/security.md): an upload that goes on to apply leavers, or waits
for approval, files one entry per organisation in the Jobs table, found by time on gsi2:

  JOB#<id>, LEAVERS#<ods>    gsi2pk = LEAVERS#<ods>, gsi2sk = <when>#<job id>

The counts are the job record's own (`leavers_by_org`), read with its state: an upload cancelled
or found invalid since counts for nothing."""

from __future__ import annotations

from collections import Counter
from typing import Any

from roster.adapters.dynamodb import batch_get, query_all, to_item
from roster.adapters.upload_listing import INDEX
from roster.model.jobs import Job, JobState

# What has been applied, is being applied or waits to be: the leavers that count.
COUNTED_STATES = frozenset({JobState.AWAITING_APPROVAL, JobState.VALIDATING, JobState.QUEUED, JobState.CREATING,
                            JobState.COMPLETED, JobState.FAILED})


def leaver_listing(ods: str) -> str:
    return f"LEAVERS#{ods.upper()}"


def file_leavers(dynamodb: Any, table: str, job_id: str, leavers: dict[str, int], at: str) -> None:
    """Record on the job its leavers per organisation, and list it under each at `at` (ISO 8601 UTC)."""
    dynamodb.update_item(TableName=table, Key=to_item({"pk": f"JOB#{job_id}", "sk": "JOB"}),
                         UpdateExpression="SET leavers_by_org = :leavers",
                         ExpressionAttributeValues=to_item({":leavers": leavers}))
    for ods in sorted(leavers):
        entry = {"pk": f"JOB#{job_id}", "sk": leaver_listing(ods), "job_id": job_id,
                 "gsi2pk": leaver_listing(ods), "gsi2sk": f"{at}#{job_id}"}
        dynamodb.put_item(TableName=table, Item=to_item(entry))


def leavers_since(dynamodb: Any, table: str, ods_codes: set[str], since: str, excluding: str) -> Counter[str]:
    """Leavers per organisation of the uploads filed since `since`, other than `excluding`, that
    are applied, being applied or waiting: one query per organisation, one batched read of jobs."""
    job_ids: set[str] = set()
    for ods in sorted({o.upper() for o in ods_codes if o}):
        items = query_all(dynamodb, TableName=table, IndexName=INDEX,
                          KeyConditionExpression="gsi2pk = :listing AND gsi2sk >= :since",
                          ExpressionAttributeValues=to_item({":listing": leaver_listing(ods), ":since": since}))
        job_ids.update(item["gsi2sk"].rsplit("#", 1)[1] for item in items)
    job_ids.discard(excluding)
    jobs = [Job.model_validate(item) for item in batch_get(dynamodb, table, [{"pk": f"JOB#{i}", "sk": "JOB"}
                                                                              for i in sorted(job_ids)])]
    return count_leavers(jobs, ods_codes)


def count_leavers(jobs: list[Job], ods_codes: set[str]) -> Counter[str]:
    """The leavers of these jobs in these organisations, of the jobs whose leavers count."""
    wanted = {o.upper() for o in ods_codes}
    counted: Counter[str] = Counter()
    for job in jobs:
        if job.state in COUNTED_STATES:
            counted.update({ods: n for ods, n in job.leavers_by_org.items() if ods in wanted})
    return counted
