"""An upload's row outcomes are spread over several partition keys (DynamoDB's per-key write
limit), and every one of them comes back in line order."""

from __future__ import annotations

import pytest

from roster.adapters import upload_store
from roster.adapters.upload_store import OUTCOME_PARTITIONS, UploadStore, outcome_item
from roster.model.rows import RowResult
from roster.model.uploads import RowOutcome, Upload
from roster.settings import get_settings

pytestmark = pytest.mark.integration


def test_given_outcomes_of_many_lines_then_they_use_every_partition_and_all_come_back(harness):
    dynamodb = harness.stack.client("dynamodb")
    uploads = UploadStore(dynamodb, get_settings().jobs_table)
    uploads.create_if_absent(Upload(upload_id="a" * 32, bucket="b", key="k", file_name="f.csv", uploader="x@y.nhs.net"))
    lines = list(range(2, 2 + 3 * OUTCOME_PARTITIONS))
    for start in range(0, len(lines), 25):
        dynamodb.transact_write_items(TransactItems=[
            outcome_item(uploads.table, "a" * 32, RowOutcome(line=line, result=RowResult.CREATED, message="m"))
            for line in lines[start:start + 25]])

    outcomes = uploads.outcomes("a" * 32)

    assert list(outcomes) == lines
    assert uploads.outcomes_for("a" * 32, [5, 6, 999]).keys() == {5, 6}
    keys = {item["pk"]["S"] for page in dynamodb.get_paginator("scan").paginate(TableName=uploads.table)
            for item in page["Items"] if item["sk"]["S"].startswith("ROW#")}
    assert len(keys) == OUTCOME_PARTITIONS


def test_given_outcomes_written_out_of_order_when_read_in_line_order_then_they_stream_sorted_across_partitions(
        harness, monkeypatch):
    monkeypatch.setattr(upload_store, "MERGE_PAGE_SIZE", 1)  # every partition read over several pages
    dynamodb = harness.stack.client("dynamodb")
    uploads = UploadStore(dynamodb, get_settings().jobs_table)
    uploads.create_if_absent(Upload(upload_id="c" * 32, bucket="b", key="k", file_name="f.csv", uploader="x@y.nhs.net"))
    # Lines of one, two, four and five digits, written highest first: the sort key's padding
    # and the merge of the partitions, not the order of writing, give the order read.
    lines = [10_001, 1_234, 999, 100, 17, 16, 9, 2]
    dynamodb.transact_write_items(TransactItems=[
        outcome_item(uploads.table, "c" * 32, RowOutcome(line=line, result=RowResult.CREATED, message="m"))
        for line in lines])

    read = uploads.outcomes_in_line_order("c" * 32)

    assert iter(read) is read  # an iterator, read as it is taken
    assert [outcome.line for outcome in read] == sorted(lines)
