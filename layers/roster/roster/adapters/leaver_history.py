"""Leavers per organisation over time, for the leaver guard's window (docs/csv-format.md,
"Large retirements", `LeaverApprovalWindowHours`; docs/security.md): an upload that goes on to apply leavers, or waits
for approval, files one entry per organisation in the Jobs table, found by time on gsi2:

  JOB#<id>, LEAVERS#<ods>    gsi2pk = LEAVERS#<ods>, gsi2sk = <when>#<upload id>

The counts are the upload record's own (`leavers_by_org`), read with its state: an upload cancelled
or found invalid since counts for nothing."""

from __future__ import annotations

from collections import Counter
from typing import Any

from roster.adapters.dynamodb import batch_get, query_all, to_item
from roster.adapters.upload_listing import INDEX
from roster.model.uploads import Upload, UploadState

# What has been applied, is being applied or waits to be: the leavers that count.
COUNTED_STATES = frozenset({UploadState.AWAITING_APPROVAL, UploadState.VALIDATING, UploadState.QUEUED,
                            UploadState.CREATING, UploadState.COMPLETED, UploadState.FAILED})


def leaver_listing(ods: str) -> str:
    return f"LEAVERS#{ods.upper()}"


def file_leavers(dynamodb: Any, table: str, upload_id: str, leavers: dict[str, int], at: str) -> None:
    """Record on the upload its leavers per organisation, and list it under each at `at` (ISO 8601 UTC)."""
    dynamodb.update_item(TableName=table, Key=to_item({"pk": f"JOB#{upload_id}", "sk": "JOB"}),
                         UpdateExpression="SET leavers_by_org = :leavers",
                         ExpressionAttributeValues=to_item({":leavers": leavers}))
    for ods in sorted(leavers):
        entry = {"pk": f"JOB#{upload_id}", "sk": leaver_listing(ods), "job_id": upload_id,
                 "gsi2pk": leaver_listing(ods), "gsi2sk": f"{at}#{upload_id}"}
        dynamodb.put_item(TableName=table, Item=to_item(entry))


def leavers_since(dynamodb: Any, table: str, ods_codes: set[str], since: str, excluding: str) -> Counter[str]:
    """Leavers per organisation of the uploads filed since `since`, other than `excluding`, that
    are applied, being applied or waiting: one query per organisation, one batched read of uploads."""
    upload_ids: set[str] = set()
    for ods in sorted({o.upper() for o in ods_codes if o}):
        items = query_all(dynamodb, TableName=table, IndexName=INDEX,
                          KeyConditionExpression="gsi2pk = :listing AND gsi2sk >= :since",
                          ExpressionAttributeValues=to_item({":listing": leaver_listing(ods), ":since": since}))
        upload_ids.update(item["gsi2sk"].rsplit("#", 1)[1] for item in items)
    upload_ids.discard(excluding)
    uploads = [Upload.model_validate(item) for item in batch_get(dynamodb, table, [{"pk": f"JOB#{i}", "sk": "JOB"}
                                                                              for i in sorted(upload_ids)])]
    return count_leavers(uploads, ods_codes)


def count_leavers(uploads: list[Upload], ods_codes: set[str]) -> Counter[str]:
    """The leavers of these uploads in these organisations, of the uploads whose leavers count."""
    wanted = {o.upper() for o in ods_codes}
    counted: Counter[str] = Counter()
    for upload in uploads:
        if upload.state in COUNTED_STATES:
            counted.update({ods: n for ods, n in upload.leavers_by_org.items() if ods in wanted})
    return counted
