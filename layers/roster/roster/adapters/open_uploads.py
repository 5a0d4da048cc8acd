"""Uploads that are not finished, found through the Jobs table's sparse `open-jobs` index.

An upload record carries `open_state` (its state) only while the state is not final, and
`state_since` (when it entered that state); UploadStore writes both with every state change.
The index therefore holds exactly the RECEIVED, VALIDATING, QUEUED and CREATING uploads, by
state and oldest first, and the sweeper reads them without scanning the table."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

from roster.adapters.dynamodb import from_item, query_all, to_item
from roster.adapters.upload_keys import upload_key
from roster.model.uploads import FINAL_STATES, OpenUpload, Upload, UploadState, utc_now

OPEN_UPLOADS_INDEX = "open-jobs"


def open_upload_attributes(state: UploadState | str, since: str) -> dict[str, str | None]:
    """The index attributes for an upload entering `state` at `since`; None means remove (final states)."""
    value = state.value if isinstance(state, Enum) else str(state)
    final = value in {s.value for s in FINAL_STATES}
    return {"open_state": None if final else value, "state_since": since}


class OpenUploads:
    """Queries of the open-jobs index, and the sweeper's guarded state change."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.dynamodb = dynamodb
        self.table = table

    def in_state(self, state: UploadState, entered_before: str | None = None) -> list[OpenUpload]:
        """Uploads in `state` (oldest first), only those that entered it before `entered_before` if given.

        The index is eventually consistent: an upload that changed state a moment ago may still be
        listed under its old one, so callers change state only through `fail_if_in`."""
        condition = "open_state = :state"
        values: dict[str, Any] = {":state": state.value}
        if entered_before is not None:
            condition += " AND state_since < :before"
            values[":before"] = entered_before
        items = query_all(self.dynamodb, TableName=self.table, IndexName=OPEN_UPLOADS_INDEX,
                          KeyConditionExpression=condition, ExpressionAttributeValues=to_item(values))
        return [OpenUpload(Upload.model_validate(item), str(item["state_since"])) for item in items]

    def fail_if_in(self, upload_id: str, states: Iterable[UploadState], error: str) -> Upload | None:
        """Mark the upload FAILED if it is still in one of `states`; the failed upload, or None if it moved on."""
        expected = sorted(state.value for state in states)
        now = utc_now()
        names = {"#state": "state", "#error": "error", "#updated": "updated_at", "#since": "state_since",
                 "#open": "open_state"}
        values = {":failed": UploadState.FAILED.value, ":error": error, ":now": now,
                  **{f":s{i}": state for i, state in enumerate(expected)}}
        try:
            response = self.dynamodb.update_item(
                TableName=self.table, Key=to_item(upload_key(upload_id)),
                UpdateExpression="SET #state = :failed, #error = :error, #updated = :now, #since = :now REMOVE #open",
                ConditionExpression=f"#state IN ({', '.join(f':s{i}' for i in range(len(expected)))})",
                ExpressionAttributeNames=names, ExpressionAttributeValues=to_item(values), ReturnValues="ALL_NEW")
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return None
        return Upload.model_validate(from_item(response["Attributes"]))
