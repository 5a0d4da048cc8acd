"""The Jobs table in memory: JobRecords, OpenJobRecords and UploadIndex (roster.ports).

One fake for what adapters.job_store, adapters.open_jobs and adapters.upload_listing keep in
the one table, with their conditions: a job record created once, an update refused for a
missing job, the open-jobs index holding only jobs not in a final state (by state, oldest
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
from roster.errors import JobNotFound, JobStateChanged
from roster.model.jobs import (
    FINAL_STATES,
    Job,
    JobState,
    OpenJob,
    RowOutcome,
    UploadPage,
    organisation_listing,
    uploader_listing,
    utc_now,
)


class FakeJobs:
    """JobRecords, OpenJobRecords and UploadIndex over one set of job records."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.leaver_records: dict[str, str] = {}  # job id -> when its leavers were filed (ISO 8601)
        self.since: dict[str, str] = {}  # job id -> when it entered its state (the open-jobs index)
        self.listed_under: dict[str, set[str]] = {}  # job id -> organisations it is listed under
        self.row_outcomes: dict[tuple[str, int], RowOutcome] = {}
        self.batches_counted: set[tuple[str, int]] = set()
        self.deadlines: set[tuple[str, str]] = set()  # (deadline, job id) of jobs waiting for approval
        # Runs just before a conditional update is checked: a test makes another caller win the race here.
        self.before_update_if: Callable[[str], None] | None = None

    # -- test set-up: a record as it would be after earlier steps --------------------------
    def put(self, job: Job, since: str | None = None) -> Job:
        """Store a job record as it is (listed under its uploader and organisations)."""
        self.records[job.job_id] = _item(job)
        self.since[job.job_id] = since or job.updated_at
        self.listed_under.setdefault(job.job_id, set()).update(job.orgs)
        return job

    def set_state(self, job_id: str, state: JobState, **changes: Any) -> Job:
        """Move a job to `state` now, as a step would."""
        self.update(job_id, state=state, **changes)
        return self.get(job_id)

    # -- JobRecords --------------------------------------------------------------------------
    def create_if_absent(self, job: Job) -> tuple[Job, bool]:
        if job.job_id in self.records:
            return self.get(job.job_id), False
        self.records[job.job_id] = _item(job)
        self.since[job.job_id] = job.created_at
        self.listed_under[job.job_id] = set()
        return job, True

    def get(self, job_id: str) -> Job:
        if job_id not in self.records:
            raise JobNotFound(job_id)
        return Job.model_validate(self.records[job_id])

    def update(self, job_id: str, expect_state: JobState | None = None, **changes: Any) -> None:
        record = self.records[job_id]  # KeyError: the real store's condition refuses a missing job too
        if expect_state is not None and record["state"] != expect_state.value:
            raise JobStateChanged(job_id)
        now = utc_now()
        for name, value in {**changes, "updated_at": now}.items():
            if value is None:
                record.pop(name, None)
            else:
                record[name] = _as_json(value)
        if "state" in changes:
            self.since[job_id] = now
        if changes.get("orgs"):
            self.listed_under[job_id].update(record["orgs"])

    def file_arrived(self, job_id: str, version_id: str | None) -> Job:
        record = self.records[job_id]
        if record["state"] == JobState.AWAITING_FILE.value:
            now = utc_now()
            record.update(state=JobState.RECEIVED.value, updated_at=now)
            if version_id:
                record["version_id"] = version_id
            record.pop("expires_at", None)
            self.since[job_id] = now
        return self.get(job_id)

    def request_apply(self, job_id: str, requested_by: str) -> Job:
        record = self.records.get(job_id)
        if (record is not None and record["state"] == JobState.VALIDATED.value and record.get("validate_only") is True
                and "apply_requested_at" not in record):
            now = utc_now()
            record.update(state=JobState.VALIDATING.value, validate_only=False, apply_requested_at=now,
                          apply_requested_by=requested_by.lower(), updated_at=now)
            self.since[job_id] = now
        return self.get(job_id)

    def claim_data_key(self, job_id: str, data_key: str) -> str:
        record = self.records.get(job_id)
        if record is None:
            raise JobNotFound(job_id)  # the real store's condition refuses it, and the job is read back
        if record.get("data_key") is None:
            record["data_key"] = data_key
        return str(record["data_key"])

    def outcomes(self, job_id: str) -> dict[int, RowOutcome]:
        return {o.line: o for o in self.outcomes_in_line_order(job_id)}

    def outcomes_in_line_order(self, job_id: str) -> Iterator[RowOutcome]:
        return iter([o for (job, _), o in sorted(self.row_outcomes.items()) if job == job_id])

    def outcomes_for(self, job_id: str, lines: list[int]) -> dict[int, RowOutcome]:
        return {line: self.row_outcomes[(job_id, line)] for line in lines if (job_id, line) in self.row_outcomes}

    def record_batch_progress(self, job_id: str, batch_no: int, tally: dict[str, int]) -> bool:
        if (job_id, batch_no) in self.batches_counted:
            return False
        self.batches_counted.add((job_id, batch_no))
        if tally:
            progress = self.records[job_id].setdefault("progress", {})
            for name, n in tally.items():
                progress[name] = progress.get(name, 0) + n
        return True

    def update_if(self, job_id: str, expected: Mapping[str, Any], **changes: Any) -> bool:
        if self.before_update_if is not None:
            hook, self.before_update_if = self.before_update_if, None
            hook(job_id)
        record = self.records.get(job_id)
        if record is None or any(record.get(name) != (None if value is None else _as_json(value))
                                 for name, value in expected.items()):
            return False
        self.update(job_id, **changes)
        return True

    def add_approval_deadline(self, job_id: str, deadline: str) -> None:
        self.deadlines.add((deadline, job_id))

    def remove_approval_deadline(self, job_id: str, deadline: str) -> None:
        self.deadlines.discard((deadline, job_id))

    def approval_deadlines_due(self, now: str) -> list[tuple[str, str]]:
        return [(job_id, deadline) for deadline, job_id in sorted(self.deadlines) if deadline <= now]

    # -- OpenJobRecords ------------------------------------------------------------------------
    def in_state(self, state: JobState, entered_before: str | None = None) -> list[OpenJob]:
        if state in FINAL_STATES:
            return []  # the index holds no job in a final state
        found = [OpenJob(self.get(job_id), self.since[job_id]) for job_id, record in self.records.items()
                 if record["state"] == state.value
                 and (entered_before is None or self.since[job_id] < entered_before)]
        return sorted(found, key=lambda open_job: (open_job.since, open_job.job.job_id))

    def fail_if_in(self, job_id: str, states: Iterable[JobState], error: str) -> Job | None:
        record = self.records.get(job_id)
        if record is None or record["state"] not in {state.value for state in states}:
            return None
        return self.set_state(job_id, JobState.FAILED, error=error)

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

    def jobs(self, job_ids: list[str]) -> list[Job]:
        return [self.get(i) for i in job_ids if i in self.records]

    def _listed(self, listing: str) -> Iterator[str]:
        for job_id, record in self.records.items():
            under = {uploader_listing(record["uploader"])} | {
                organisation_listing(ods) for ods in self.listed_under.get(job_id, ())}
            if listing in under:
                yield f"{record['created_at']}#{job_id}"

    # -- the leaver guard's window (docs/security.md)
    def record_leavers(self, job_id: str, leavers: dict[str, int], at: str) -> None:
        self.records[job_id]["leavers_by_org"] = dict(leavers)
        self.leaver_records[job_id] = at

    def leavers_since(self, ods_codes: set[str], since: str, excluding: str) -> Counter[str]:
        jobs = [self.get(job_id) for job_id, at in self.leaver_records.items() if at >= since and job_id != excluding]
        return count_leavers(jobs, ods_codes)

    def age_leaver_records(self, by: timedelta) -> None:
        """Every upload's leavers filed `by` earlier than they were."""
        self.leaver_records = {job_id: (datetime.fromisoformat(at) - by).isoformat()
                               for job_id, at in self.leaver_records.items()}


def _item(job: Job) -> dict[str, Any]:
    """A job record as DynamoDB holds it: JSON values, None values left out (adapters.dynamodb.to_item)."""
    return {name: value for name, value in job.model_dump(mode="json").items() if value is not None}


def _as_json(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return json.loads(json.dumps(value))
