"""Uploads listed for administrators (`GET /uploads`, docs/api.md#routes): newest first, paged, by uploader
and by organisation, on the Jobs table's index gsi2 (keys only). Never a scan.

Listing entries (gsi2pk; gsi2sk = <created_at>#<upload id> for all of them):
  JOB#<id>, JOB         the upload record itself      UPLOADER#<email>
  JOB#<id>, ORG#<ods>   one per organisation the upload touches   ORG#<ods>

A page merges the listings a caller may read (theirs and their organisations'): each
listing is queried for keys older than the page's start, the keys are merged newest first
and each upload is taken once. The next page starts below the last key taken."""

from __future__ import annotations

from typing import Any

from roster.adapters.dynamodb import batch_get, to_item
from roster.adapters.upload_keys import upload_key, upload_partition
from roster.model.uploads import Upload, UploadPage, organisation_listing, uploader_listing

INDEX = "gsi2"


def uploader_listing_keys(upload: Upload) -> dict[str, str]:
    """The index keys of an upload record: listed under its uploader."""
    return {"gsi2pk": uploader_listing(upload.uploader), "gsi2sk": _position(upload)}


def _position(upload: Upload) -> str:
    return f"{upload.created_at}#{upload.upload_id}"


class UploadListing:
    """The listing entries of the Jobs table and the pages read from them."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.dynamodb = dynamodb
        self.table = table

    def list_under(self, upload: Upload) -> None:
        """List the upload under each of its organisations (idempotent)."""
        for ods in sorted(set(upload.orgs)):
            entry = {"pk": upload_partition(upload.upload_id), "sk": organisation_listing(ods),
                     "job_id": upload.upload_id, "gsi2pk": organisation_listing(ods), "gsi2sk": _position(upload)}
            self.dynamodb.put_item(TableName=self.table, Item=to_item(entry))

    def page(self, listings: list[str], limit: int, before: str | None = None) -> UploadPage:
        """The newest `limit` uploads of these listings together, each once, older than `before`."""
        positions: set[str] = set()
        truncated = False
        for listing in listings:
            found, more = self._query(listing, limit, before)
            positions.update(found)
            truncated = truncated or more
        newest = sorted(positions, reverse=True)
        taken = newest[:limit]
        more = truncated or len(newest) > limit
        return UploadPage([p.split("#", 1)[1] for p in taken], taken[-1] if more and taken else None)

    def uploads(self, upload_ids: list[str]) -> list[Upload]:
        """The upload records of these ids, in the same order (ids with no record are left out)."""
        items = batch_get(self.dynamodb, self.table, [upload_key(i) for i in upload_ids])
        by_id = {item["job_id"]: Upload.model_validate(item) for item in items}
        return [by_id[i] for i in upload_ids if i in by_id]

    def _query(self, listing: str, limit: int, before: str | None) -> tuple[list[str], bool]:
        condition = "gsi2pk = :listing" + (" AND gsi2sk < :before" if before else "")
        values = {":listing": listing, **({":before": before} if before else {})}
        response = self.dynamodb.query(TableName=self.table, IndexName=INDEX, KeyConditionExpression=condition,
                                       ExpressionAttributeValues=to_item(values), ScanIndexForward=False,
                                       Limit=limit)
        found = [item["gsi2sk"]["S"] for item in response.get("Items", [])]
        return found, "LastEvaluatedKey" in response
