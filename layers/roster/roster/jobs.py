"""Upload jobs: the job record, its state, per-row outcomes and progress (the Jobs table)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from pydantic import BaseModel, Field

from roster.aws import batch_get, from_item, query_all, to_item
from roster.errors import JobNotFound
from roster.rows import RowResult


class JobState(str, Enum):
    RECEIVED = "RECEIVED"
    VALIDATING = "VALIDATING"
    INVALID = "INVALID"
    VALIDATED = "VALIDATED"
    QUEUED = "QUEUED"
    CREATING = "CREATING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


FINAL_STATES = frozenset({JobState.INVALID, JobState.VALIDATED, JobState.COMPLETED, JobState.FAILED})

COUNT_NAMES = ("rows", "created", "updated", "leavers", "joiners", "unchanged", "failed", "errors", "warnings")

RESULT_COUNT = {
    RowResult.CREATED: "created",
    RowResult.UPDATED: "updated",
    RowResult.LEAVER: "leavers",
    RowResult.JOINER: "joiners",
    RowResult.UNCHANGED: "unchanged",
    RowResult.FAILED: "failed",
}


def empty_counts() -> dict[str, int]:
    """Every count of local-run.md's job.json, at zero."""
    return dict.fromkeys(COUNT_NAMES, 0)


def utc_now() -> str:
    """Now, ISO 8601 in UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def job_id_for(bucket: str, key: str, version_id: str | None) -> str:
    """One job per uploaded object version: a repeated S3 event finds the same job."""
    digest = hashlib.sha256(f"{bucket}\n{key}\n{version_id or ''}".encode()).hexdigest()
    return digest[:32]


class Job(BaseModel):
    """The job record an administrator and an engineer see (DynamoDB console, job.json)."""

    job_id: str
    state: JobState = JobState.RECEIVED
    bucket: str
    key: str
    version_id: str | None = None
    file_name: str
    uploader: str
    validate_only: bool = False
    format: str | None = None
    counts: dict[str, int] = Field(default_factory=empty_counts)
    orgs: list[str] = Field(default_factory=list)
    batch_list_key: str | None = None
    batch_count: int = 0
    report_key: str | None = None
    results_key: str | None = None
    data_key: str | None = None  # KMS-encrypted per-job data key (base64)
    error: str | None = None
    created_at: str = Field(default_factory=utc_now)
    updated_at: str = Field(default_factory=utc_now)
    progress: dict[str, int] = Field(default_factory=dict)  # rows done per result, by batch

    def summary(self) -> dict[str, Any]:
        """What local-run.md's job.json holds."""
        return self.model_dump(
            mode="json",
            include={"job_id", "state", "format", "counts", "file_name", "uploader", "validate_only",
                     "created_at", "updated_at", "error", "orgs"},
        )


class RowOutcome(BaseModel):
    """What the create phase did with one row; written once, in the row's transaction."""

    line: int
    result: RowResult
    message: str
    email: str = ""
    sealed_password: str | None = None  # the generated password, encrypted with the job key
    done_at: str = Field(default_factory=utc_now)


def _job_key(job_id: str) -> dict[str, str]:
    return {"pk": f"JOB#{job_id}", "sk": "JOB"}


def row_key(job_id: str, line: int) -> dict[str, str]:
    """The key of a row's outcome item (also the row's request key inside its transaction)."""
    return {"pk": f"JOB#{job_id}", "sk": f"ROW#{line:07d}"}


def outcome_item(table: str, job_id: str, outcome: RowOutcome) -> dict[str, Any]:
    """A TransactWriteItems Put for a row outcome that only succeeds once."""
    values = {**row_key(job_id, outcome.line), **outcome.model_dump(mode="json")}
    return {
        "Put": {
            "TableName": table,
            "Item": to_item(values),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


class JobStore:
    """Job records, row outcomes and progress in the Jobs table."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.dynamodb = dynamodb
        self.table = table

    def create_if_absent(self, job: Job) -> tuple[Job, bool]:
        """Write a new job record; if the job exists (a repeated event) return it instead."""
        item = {**_job_key(job.job_id), "gsi1pk": "JOBS", "gsi1sk": f"{job.created_at}#{job.job_id}",
                **job.model_dump(mode="json")}
        try:
            self.dynamodb.put_item(TableName=self.table, Item=to_item(item),
                                   ConditionExpression="attribute_not_exists(pk)")
            return job, True
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return self.get(job.job_id), False

    def get(self, job_id: str) -> Job:
        """The job record, or JobNotFound."""
        response = self.dynamodb.get_item(TableName=self.table, Key=to_item(_job_key(job_id)), ConsistentRead=True)
        if "Item" not in response:
            raise JobNotFound(job_id)
        return Job.model_validate(from_item(response["Item"]))

    def update(self, job_id: str, **changes: Any) -> None:
        """Set attributes of the job record (state, counts, keys...)."""
        changes["updated_at"] = utc_now()
        names = {f"#a{i}": name for i, name in enumerate(changes)}
        setting = {i: value for i, value in enumerate(changes.values()) if value is not None}
        values = {f":v{i}": _json_value(value) for i, value in setting.items()}
        expression = "SET " + ", ".join(f"#a{i} = :v{i}" for i in setting)
        removed = [f"#a{i}" for i, value in enumerate(changes.values()) if value is None]
        if removed:
            expression += " REMOVE " + ", ".join(removed)
        self.dynamodb.update_item(
            TableName=self.table,
            Key=to_item(_job_key(job_id)),
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_item(values),
            ConditionExpression="attribute_exists(pk)",
        )

    def outcomes(self, job_id: str) -> dict[int, RowOutcome]:
        """Every row outcome recorded for the job, by line."""
        items = query_all(
            self.dynamodb,
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :row)",
            ExpressionAttributeValues=to_item({":pk": f"JOB#{job_id}", ":row": "ROW#"}),
            ConsistentRead=True,
        )
        return {int(i["line"]): RowOutcome.model_validate(i) for i in items}

    def outcomes_for(self, job_id: str, lines: list[int]) -> dict[int, RowOutcome]:
        """Outcomes already recorded for these lines (a retried batch skips them)."""
        items = batch_get(self.dynamodb, self.table, [row_key(job_id, line) for line in lines])
        return {int(i["line"]): RowOutcome.model_validate(i) for i in items}

    def record_batch_progress(self, job_id: str, batch_no: int, tally: dict[str, int]) -> bool:
        """Add a batch's result counts to the job's progress exactly once (a marker item guards it)."""
        marker = {"pk": f"JOB#{job_id}", "sk": f"BATCH#{batch_no:05d}", "tally": tally, "done_at": utc_now()}
        names = {f"#c{i}": name for i, name in enumerate(tally)}
        values = {f":n{i}": n for i, n in enumerate(tally.values())}
        adds = ", ".join(f"progress.#c{i} :n{i}" for i in range(len(tally)))
        items: list[dict[str, Any]] = [
            {"Put": {"TableName": self.table, "Item": to_item(marker),
                     "ConditionExpression": "attribute_not_exists(pk)"}},
        ]
        if tally:
            items.append({"Update": {
                "TableName": self.table, "Key": to_item(_job_key(job_id)),
                "UpdateExpression": f"ADD {adds}",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item(values),
            }})
        try:
            self.dynamodb.transact_write_items(TransactItems=items)
            return True
        except self.dynamodb.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise


def _json_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value
