"""The Jobs table in memory: UploadRecords, OpenUploadRecords and UploadIndex (roster.ports).

One fake for what adapters.upload_store, adapters.open_uploads and adapters.upload_listing keep in
the one table, with their conditions: an upload record created once, an update refused for a
missing upload, the open-jobs index holding only uploads not in a final state (by state, oldest
first), and upload listings by uploader and by organisation, newest first. Records are held
as JSON, as DynamoDB holds them, so a value that does not survive the trip fails here too."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from pydantic import BaseModel

from roster.adapters.leaver_history import count_leavers
from roster.errors import UploadNotFound, UploadStateChanged
from roster.model.uploads import (
    FINAL_STATES,
    OpenUpload,
    RowOutcome,
    Upload,
    UploadPage,
    UploadState,
    organisation_listing,
    uploader_listing,
    utc_now,
)


class FakeUploads:
    """UploadRecords, OpenUploadRecords and UploadIndex over one set of upload records."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.leaver_records: dict[str, str] = {}  # upload id -> when its leavers were filed (ISO 8601)
        self.since: dict[str, str] = {}  # upload id -> when it entered its state (the open-jobs index)
        self.listed_under: dict[str, set[str]] = {}  # upload id -> organisations it is listed under
        self.row_outcomes: dict[tuple[str, int], RowOutcome] = {}
        self.batches_counted: set[tuple[str, int]] = set()
        self.deadlines: set[tuple[str, str]] = set()  # (deadline, upload id) of uploads waiting for approval
        # Runs just before a conditional update is checked: a test makes another caller win the race here.
        self.before_update_if: Callable[[str], None] | None = None

    # -- test set-up: a record as it would be after earlier steps --------------------------
    def put(self, upload: Upload, since: str | None = None) -> Upload:
        """Store an upload record as it is (listed under its uploader and organisations)."""
        self.records[upload.upload_id] = _item(upload)
        self.since[upload.upload_id] = since or upload.updated_at
        self.listed_under.setdefault(upload.upload_id, set()).update(upload.orgs)
        return upload

    def set_state(self, upload_id: str, state: UploadState, **changes: Any) -> Upload:
        """Move an upload to `state` now, as a step would."""
        self.update(upload_id, state=state, **changes)
        return self.get(upload_id)

    # -- UploadRecords --------------------------------------------------------------------------
    def create_if_absent(self, upload: Upload) -> tuple[Upload, bool]:
        if upload.upload_id in self.records:
            return self.get(upload.upload_id), False
        self.records[upload.upload_id] = _item(upload)
        self.since[upload.upload_id] = upload.created_at
        self.listed_under[upload.upload_id] = set()
        return upload, True

    def get(self, upload_id: str) -> Upload:
        if upload_id not in self.records:
            raise UploadNotFound(upload_id)
        return Upload.model_validate(self.records[upload_id])

    def update(self, upload_id: str, expect_state: UploadState | None = None, **changes: Any) -> None:
        record = self.records[upload_id]  # KeyError: the real store's condition refuses a missing upload too
        if expect_state is not None and record["state"] != expect_state.value:
            raise UploadStateChanged(upload_id)
        now = utc_now()
        for name, value in {**changes, "updated_at": now}.items():
            if value is None:
                record.pop(name, None)
            else:
                record[name] = _as_json(value)
        if "state" in changes:
            self.since[upload_id] = now
        if changes.get("orgs"):
            self.listed_under[upload_id].update(record["orgs"])

    def file_arrived(self, upload_id: str, version_id: str | None) -> Upload:
        record = self.records[upload_id]
        if record["state"] == UploadState.AWAITING_FILE.value:
            now = utc_now()
            record.update(state=UploadState.RECEIVED.value, updated_at=now)
            if version_id:
                record["version_id"] = version_id
            record.pop("expires_at", None)
            self.since[upload_id] = now
        return self.get(upload_id)

    def request_apply(self, upload_id: str, requested_by: str) -> Upload:
        record = self.records.get(upload_id)
        if (record is not None and record["state"] == UploadState.VALIDATED.value and record.get("validate_only") is True
                and "apply_requested_at" not in record):
            now = utc_now()
            record.update(state=UploadState.VALIDATING.value, validate_only=False, apply_requested_at=now,
                          apply_requested_by=requested_by.lower(), updated_at=now)
            self.since[upload_id] = now
        return self.get(upload_id)

    def claim_data_key(self, upload_id: str, data_key: str) -> str:
        record = self.records.get(upload_id)
        if record is None:
            raise UploadNotFound(upload_id)  # the real store's condition refuses it, and the upload is read back
        if record.get("data_key") is None:
            record["data_key"] = data_key
        return str(record["data_key"])

    def outcomes(self, upload_id: str) -> dict[int, RowOutcome]:
        return {o.line: o for o in self.outcomes_in_line_order(upload_id)}

    def outcomes_in_line_order(self, upload_id: str) -> Iterator[RowOutcome]:
        return iter([o for (upload, _), o in sorted(self.row_outcomes.items()) if upload == upload_id])

    def outcomes_for(self, upload_id: str, lines: list[int]) -> dict[int, RowOutcome]:
        return {line: self.row_outcomes[(upload_id, line)] for line in lines if (upload_id, line) in self.row_outcomes}

    def record_batch_progress(self, upload_id: str, batch_no: int, tally: dict[str, int]) -> bool:
        if (upload_id, batch_no) in self.batches_counted:
            return False
        self.batches_counted.add((upload_id, batch_no))
        if tally:
            progress = self.records[upload_id].setdefault("progress", {})
            for name, n in tally.items():
                progress[name] = progress.get(name, 0) + n
        return True

    def update_if(self, upload_id: str, expected: Mapping[str, Any], **changes: Any) -> bool:
        if self.before_update_if is not None:
            hook, self.before_update_if = self.before_update_if, None
            hook(upload_id)
        record = self.records.get(upload_id)
        if record is None or any(record.get(name) != (None if value is None else _as_json(value))
                                 for name, value in expected.items()):
            return False
        self.update(upload_id, **changes)
        return True

    def add_approval_deadline(self, upload_id: str, deadline: str) -> None:
        self.deadlines.add((deadline, upload_id))

    def remove_approval_deadline(self, upload_id: str, deadline: str) -> None:
        self.deadlines.discard((deadline, upload_id))

    def approval_deadlines_due(self, now: str) -> list[tuple[str, str]]:
        return [(upload_id, deadline) for deadline, upload_id in sorted(self.deadlines) if deadline <= now]

    # -- OpenUploadRecords ------------------------------------------------------------------------
    def in_state(self, state: UploadState, entered_before: str | None = None) -> list[OpenUpload]:
        if state in FINAL_STATES:
            return []  # the index holds no upload in a final state
        found = [OpenUpload(self.get(upload_id), self.since[upload_id]) for upload_id, record in self.records.items()
                 if record["state"] == state.value
                 and (entered_before is None or self.since[upload_id] < entered_before)]
        return sorted(found, key=lambda open_upload: (open_upload.since, open_upload.upload.upload_id))

    def fail_if_in(self, upload_id: str, states: Iterable[UploadState], error: str) -> Upload | None:
        record = self.records.get(upload_id)
        if record is None or record["state"] not in {state.value for state in states}:
            return None
        return self.set_state(upload_id, UploadState.FAILED, error=error)

    # -- UploadIndex -----------------------------------------------------------------------------
    def page(self, listings: list[str], limit: int, before: str | None = None) -> UploadPage:
        positions: set[str] = set()
        more = False
        for listing in listings:
            found = sorted((p for p in self._listed(listing) if before is None or p < before), reverse=True)
            positions.update(found[:limit])
            more = more or len(found) >= limit  # DynamoDB says there may be more when a query fills its limit
        newest = sorted(positions, reverse=True)
        taken = newest[:limit]
        more = more or len(newest) > limit
        return UploadPage([p.split("#", 1)[1] for p in taken], taken[-1] if more and taken else None)

    def uploads(self, upload_ids: list[str]) -> list[Upload]:
        return [self.get(i) for i in upload_ids if i in self.records]

    def _listed(self, listing: str) -> Iterator[str]:
        for upload_id, record in self.records.items():
            under = {uploader_listing(record["uploader"])} | {
                organisation_listing(ods) for ods in self.listed_under.get(upload_id, ())}
            if listing in under:
                yield f"{record['created_at']}#{upload_id}"

    # -- the leaver guard's window (docs/security.md)
    def record_leavers(self, upload_id: str, leavers: dict[str, int], at: str) -> None:
        self.records[upload_id]["leavers_by_org"] = dict(leavers)
        self.leaver_records[upload_id] = at

    def leavers_since(self, ods_codes: set[str], since: str, excluding: str) -> Counter[str]:
        uploads = [self.get(upload_id) for upload_id, at in self.leaver_records.items() if at >= since and upload_id != excluding]
        return count_leavers(uploads, ods_codes)

    def age_leaver_records(self, by: timedelta) -> None:
        """Every upload's leavers filed `by` earlier than they were."""
        self.leaver_records = {upload_id: (datetime.fromisoformat(at) - by).isoformat()
                               for upload_id, at in self.leaver_records.items()}


def _item(upload: Upload) -> dict[str, Any]:
    """An upload record as DynamoDB holds it: JSON values, None values left out (adapters.dynamodb.to_item)."""
    return {name: value for name, value in upload.model_dump(mode="json").items() if value is not None}


def _as_json(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return json.loads(json.dumps(value))
