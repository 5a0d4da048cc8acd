"""Upload records, row outcomes and progress in the Jobs table (DynamoDB).

An upload record is also an administrator's upload (docs/api.md): created AWAITING_FILE when its
form is issued, listed by uploader and by organisation on gsi2 (upload_listing.py)."""

from __future__ import annotations

import contextlib
import heapq
from collections import Counter
from collections.abc import Iterator, Mapping
from enum import Enum
from typing import Any

from pydantic import BaseModel

from roster.adapters.dynamodb import batch_get, from_item, query_all, query_items, to_item
from roster.adapters.leaver_history import file_leavers, leavers_since
from roster.adapters.open_uploads import open_upload_attributes
from roster.adapters.upload_keys import upload_key, upload_partition
from roster.adapters.upload_listing import UploadListing, uploader_listing_keys
from roster.errors import UploadNotFound, UploadStateChanged
from roster.model.uploads import RowOutcome, Upload, UploadState, utc_now


def _deadline_key(upload_id: str, deadline: str) -> dict[str, str]:
    # Upload ids are hex digits, which sort below "~": "<now>#~" bounds every deadline up to now.
    return {"pk": "APPROVAL", "sk": f"{deadline}#{upload_id}"}


# An upload's row outcomes are spread over this many partition keys: DynamoDB writes at most
# 1,000 WCU a second to one partition key, and an outcome written in a transaction costs 2,
# so 10,000 outcomes under one key would take at least 20 s (bench/aws_model.py).
OUTCOME_PARTITIONS = 16
MERGE_PAGE_SIZE = 250  # outcomes a query page, when the partitions are read side by side


def _outcome_partition(upload_id: str, shard: int) -> str:
    return f"{upload_partition(upload_id)}#ROWS{shard:02d}"


def row_key(upload_id: str, line: int) -> dict[str, str]:
    """The key of a row's outcome item (also the row's request key inside its transaction):
    one of OUTCOME_PARTITIONS partitions of the upload, by line."""
    return {"pk": _outcome_partition(upload_id, line % OUTCOME_PARTITIONS), "sk": f"ROW#{line:07d}"}


def outcome_item(table: str, upload_id: str, outcome: RowOutcome) -> dict[str, Any]:
    """A TransactWriteItems Put for a row outcome that only succeeds once."""
    values = {**row_key(upload_id, outcome.line), **outcome.model_dump(mode="json")}
    return {
        "Put": {
            "TableName": table,
            "Item": to_item(values),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


class UploadStore:
    """Upload records, row outcomes and progress in the Jobs table."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.dynamodb = dynamodb
        self.table = table

    def create_if_absent(self, upload: Upload) -> tuple[Upload, bool]:
        """Write a new upload record; if the upload exists (a repeated event) return it instead."""
        item = {**upload_key(upload.upload_id), "gsi1pk": "JOBS", "gsi1sk": f"{upload.created_at}#{upload.upload_id}",
                **uploader_listing_keys(upload), **open_upload_attributes(upload.state, upload.created_at),
                **upload.model_dump(mode="json")}
        try:
            self.dynamodb.put_item(TableName=self.table, Item=to_item(item),
                                   ConditionExpression="attribute_not_exists(pk)")
            return upload, True
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return self.get(upload.upload_id), False

    def get(self, upload_id: str) -> Upload:
        """The upload record, or UploadNotFound."""
        response = self.dynamodb.get_item(TableName=self.table, Key=to_item(upload_key(upload_id)), ConsistentRead=True)
        if "Item" not in response:
            raise UploadNotFound(upload_id)
        return Upload.model_validate(from_item(response["Item"]))

    def update(self, upload_id: str, expect_state: UploadState | None = None, **changes: Any) -> None:
        """Set attributes of the upload record (state, counts, keys...); with `expect_state`, only
        while the upload is in that state (UploadStateChanged otherwise). Setting `orgs` lists the
        upload under each of them (gsi2)."""
        changes["updated_at"] = utc_now()
        expression, names, values = _update_expression(changes)
        condition = "attribute_exists(pk)"
        if expect_state is not None:
            names["#expected"] = "state"
            values[":expected"] = expect_state.value
            condition += " AND #expected = :expected"
        try:
            response = self.dynamodb.update_item(
                TableName=self.table,
                Key=to_item(upload_key(upload_id)),
                UpdateExpression=expression,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
                ConditionExpression=condition,
                ReturnValues="ALL_NEW",
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException as exc:
            if expect_state is None:
                raise
            raise UploadStateChanged(upload_id) from exc
        if changes.get("orgs"):
            updated = Upload.model_validate(from_item(response["Attributes"]))
            UploadListing(self.dynamodb, self.table).list_under(updated)

    def record_leavers(self, upload_id: str, leavers: dict[str, int], at: str) -> None:
        """File the upload's leavers per organisation at `at`, for the leaver guard's window."""
        file_leavers(self.dynamodb, self.table, upload_id, leavers, at)

    def leavers_since(self, ods_codes: set[str], since: str, excluding: str) -> Counter[str]:
        """Leavers per organisation of other uploads filed since `since` that apply, applied or wait."""
        return leavers_since(self.dynamodb, self.table, ods_codes, since, excluding)

    def file_arrived(self, upload_id: str, version_id: str | None) -> Upload:
        """An AWAITING_FILE upload's file came: RECEIVED, with its version, no longer expiring.
        Only the first version counts; the upload as it now is either way."""
        changes: dict[str, Any] = {":received": UploadState.RECEIVED.value,
                                   ":awaiting": UploadState.AWAITING_FILE.value, ":now": utc_now()}
        version = ", version_id = :version" if version_id else ""
        if version_id:
            changes[":version"] = version_id
        with contextlib.suppress(self.dynamodb.exceptions.ConditionalCheckFailedException):
            self.dynamodb.update_item(
                TableName=self.table, Key=to_item(upload_key(upload_id)),
                # open_state and state_since keep the sweeper's open-jobs index in step (adapters/open_uploads.py).
                UpdateExpression=f"SET #state = :received, open_state = :received, state_since = :now, "
                                 f"updated_at = :now{version} REMOVE expires_at",
                ConditionExpression="#state = :awaiting",
                ExpressionAttributeNames={"#state": "state"}, ExpressionAttributeValues=to_item(changes))
        return self.get(upload_id)

    def request_apply(self, upload_id: str, requested_by: str) -> Upload:
        """A validate-only VALIDATED upload goes on to be applied (VALIDATING again, no longer
        validate-only), once; the upload as it now is either way."""
        values = {":validated": UploadState.VALIDATED.value, ":validating": UploadState.VALIDATING.value, ":yes": True,
                  ":no": False, ":now": utc_now(), ":by": requested_by.lower()}
        with contextlib.suppress(self.dynamodb.exceptions.ConditionalCheckFailedException):
            self.dynamodb.update_item(
                TableName=self.table, Key=to_item(upload_key(upload_id)),
                UpdateExpression="SET #state = :validating, open_state = :validating, state_since = :now, "
                                 "validate_only = :no, apply_requested_at = :now, apply_requested_by = :by, "
                                 "updated_at = :now",
                ConditionExpression="#state = :validated AND validate_only = :yes "
                                    "AND attribute_not_exists(apply_requested_at)",
                ExpressionAttributeNames={"#state": "state"}, ExpressionAttributeValues=to_item(values))
        return self.get(upload_id)

    def claim_data_key(self, upload_id: str, data_key: str) -> str:
        """Record the upload's encrypted data key unless one is recorded already; returns the one
        that counts (a repeated or concurrent validation seals with the same key)."""
        try:
            self.dynamodb.update_item(
                TableName=self.table, Key=to_item(upload_key(upload_id)), UpdateExpression="SET data_key = :key",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(data_key)",
                ExpressionAttributeValues=to_item({":key": data_key}))
            return data_key
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return self.get(upload_id).data_key or data_key

    def outcomes(self, upload_id: str) -> dict[int, RowOutcome]:
        """Every row outcome recorded for the upload, by line."""
        return {outcome.line: outcome for outcome in self.outcomes_in_line_order(upload_id)}

    def outcomes_in_line_order(self, upload_id: str) -> Iterator[RowOutcome]:
        """Every row outcome recorded for the upload, in line order: the outcome partitions are read
        a page at a time side by side and merged, so a 100,000-row upload is never held whole."""
        partitions = [self._outcome_items(upload_id, shard) for shard in range(OUTCOME_PARTITIONS)]
        # Each partition comes in sort key order (ROW#<line, zero-padded>), so in line order.
        return heapq.merge(*partitions, key=lambda outcome: outcome.line)

    def _outcome_items(self, upload_id: str, shard: int) -> Iterator[RowOutcome]:
        for item in query_items(
            self.dynamodb,
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :row)",
            ExpressionAttributeValues=to_item({":pk": _outcome_partition(upload_id, shard), ":row": "ROW#"}),
            ConsistentRead=True,
            # The merge holds a page of every partition at once: pages of 1 MB (DynamoDB's
            # default) would be some 150 MB of outcomes in memory, pages of this many a few MB.
            PaginationConfig={"PageSize": MERGE_PAGE_SIZE},
        ):
            yield RowOutcome.model_validate(item)

    def outcomes_for(self, upload_id: str, lines: list[int]) -> dict[int, RowOutcome]:
        """Outcomes already recorded for these lines (a retried batch skips them)."""
        items = batch_get(self.dynamodb, self.table, [row_key(upload_id, line) for line in lines])
        return {int(i["line"]): RowOutcome.model_validate(i) for i in items}

    def record_batch_progress(self, upload_id: str, batch_no: int, tally: dict[str, int]) -> bool:
        """Add a batch's result counts to the upload's progress exactly once (a marker item guards it)."""
        marker = {"pk": upload_partition(upload_id), "sk": f"BATCH#{batch_no:05d}", "tally": tally,
                  "done_at": utc_now()}
        names = {f"#c{i}": name for i, name in enumerate(tally)}
        values = {f":n{i}": n for i, n in enumerate(tally.values())}
        adds = ", ".join(f"progress.#c{i} :n{i}" for i in range(len(tally)))
        items: list[dict[str, Any]] = [
            {"Put": {"TableName": self.table, "Item": to_item(marker),
                     "ConditionExpression": "attribute_not_exists(pk)"}},
        ]
        if tally:
            items.append({"Update": {
                "TableName": self.table, "Key": to_item(upload_key(upload_id)),
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

    def update_if(self, upload_id: str, expected: Mapping[str, Any], **changes: Any) -> bool:
        """Set attributes only while each `expected` attribute has its value (None: absent);
        False when one has not (another caller changed the upload first)."""
        changes = {**changes, "updated_at": utc_now()}
        expression, names, values = _update_expression(changes)
        conditions = ["attribute_exists(pk)"]
        for i, (name, value) in enumerate(expected.items()):
            names[f"#e{i}"] = name
            if value is None:
                conditions.append(f"attribute_not_exists(#e{i})")
            else:
                conditions.append(f"#e{i} = :e{i}")
                values[f":e{i}"] = _json_value(value)
        try:
            self.dynamodb.update_item(TableName=self.table, Key=to_item(upload_key(upload_id)),
                                      UpdateExpression=expression, ExpressionAttributeNames=names,
                                      ExpressionAttributeValues=to_item(values),
                                      ConditionExpression=" AND ".join(conditions))
            return True
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return False

    def add_approval_deadline(self, upload_id: str, deadline: str) -> None:
        """File a waiting upload under its deadline: APPROVAL/<deadline>#<upload id>."""
        item = {**_deadline_key(upload_id, deadline), "job_id": upload_id, "deadline": deadline}
        self.dynamodb.put_item(TableName=self.table, Item=to_item(item))

    def remove_approval_deadline(self, upload_id: str, deadline: str) -> None:
        """Take an upload off the approval deadlines."""
        self.dynamodb.delete_item(TableName=self.table, Key=to_item(_deadline_key(upload_id, deadline)))

    def approval_deadlines_due(self, now: str) -> list[tuple[str, str]]:
        """Uploads filed with a deadline at or before `now`: one query, earliest first."""
        items = query_all(self.dynamodb, TableName=self.table, KeyConditionExpression="pk = :p AND sk <= :due",
                          ExpressionAttributeValues=to_item({":p": "APPROVAL", ":due": f"{now}#~"}),
                          ConsistentRead=True)
        return [(i["job_id"], i["deadline"]) for i in items]


def _update_expression(changes: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """SET the changes' values and REMOVE those that are None; a state change also keeps the
    sparse open-jobs index (adapters/open_uploads.py) in step. (expression, names, values)."""
    if "state" in changes:
        changes = {**changes, **open_upload_attributes(changes["state"], changes["updated_at"])}
    names = {f"#a{i}": name for i, name in enumerate(changes)}
    setting = {i: value for i, value in enumerate(changes.values()) if value is not None}
    values = {f":v{i}": _json_value(value) for i, value in setting.items()}
    expression = "SET " + ", ".join(f"#a{i} = :v{i}" for i in setting)
    removed = [f"#a{i}" for i, value in enumerate(changes.values()) if value is None]
    if removed:
        expression += " REMOVE " + ", ".join(removed)
    return expression, names, values


def _json_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value
