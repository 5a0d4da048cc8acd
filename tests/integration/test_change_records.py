"""The record of changes on the embedded stack (docs/approval-and-plan.md#change-records): every
applied row (Create, Update, Leaver, Joiner) has exactly one record, written with its change, with
each stored value before and after; Failed and Unchanged rows have none; faults before and after
every function leave no change without its record and no record twice."""

from __future__ import annotations

from datetime import datetime

import pytest

from roster.adapters.change_log import ChangeLog
from roster.contract.results_file import parse_results_csv
from roster.model.changes import ChangeRecord
from roster.settings import get_settings
from tests.conftest import ADMIN, EXAMPLES

pytestmark = pytest.mark.integration
APPLIED = {"Created", "Updated", "Leaver", "Joiner"}
ACTION_OF_RESULT = {"Created": "Create", "Updated": "Update", "Leaver": "Leaver", "Joiner": "Joiner"}


def _log(harness) -> ChangeLog:
    return ChangeLog(harness.stack.client("dynamodb"), get_settings().changes_table)


def _applied(result) -> dict[int, tuple[str, str]]:
    """Line -> (Result, the account's address) of the rows an upload applied."""
    rows = parse_results_csv((result.folder / "results.csv").read_text(encoding="utf-8"))
    return {number: (row["Result"], (row["Assigned Email"] or row["Email Address"]).lower())
            for number, row in enumerate(rows, start=2) if row["Result"] in APPLIED}


def _values(record: ChangeRecord) -> dict[str, tuple[object, object]]:
    return {f.field: (f.old, f.new) for f in record.fields}


def test_every_action_has_its_record_with_each_stored_value_before_and_after(harness):
    before = {a.email: a for a in harness.directory.all_accounts()}
    (result,) = harness.upload(EXAMPLES / "updates.csv")
    records = {r.line: r for r in _log(harness).for_upload(result.upload.upload_id)}

    assert sorted(records) == [2, 3, 4, 6]  # line 5 is Unchanged: no change, no record
    assert all((r.channel, r.source_id, r.by) == ("upload", result.upload.upload_id, ADMIN) for r in records.values())
    update, leaver, joiner, create = records[2], records[3], records[4], records[6]
    assert (update.action, update.email, update.status_before, update.status_after) == (
        "Update", "amir.khan@nhs.net", "active", "active")
    assert _values(update) == {"job_title": ("Radiographer", "Lead Radiographer"),
                               "mobile_phone": (None, "+447912345200")}
    assert (leaver.action, leaver.ods_before, leaver.ods_after) == ("Leaver", "RY2", "RY2")
    assert _values(leaver)["status"] == ("active", "leaver") and _values(leaver)["leaver_at"][0] is None
    assert (joiner.action, joiner.ods_before, joiner.ods_after, joiner.status_before) == (
        "Joiner", "RX1", "RY2", "leaver")
    assert {k: v for k, v in _values(joiner).items() if k != "joined_at"} == {
        "status": ("leaver", "active"), "ods": ("RX1", "RY2"), "unit": ("Cardiology", "District Nursing")}
    assert (create.action, create.email, create.ods_before, create.status_after) == (
        "Create", "daniel.clarke@nhs.net", None, "active")
    assert _values(create)["first_name"] == (None, "Daniel") and _values(create)["unit"] == (None, "Radiology")
    # Before is what the account was; after is what it is now, field by field.
    after = {a.email: a for a in harness.directory.all_accounts()}
    for record in (update, leaver, joiner):
        for name, (old, new) in _values(record).items():
            assert getattr(before[record.email], name) == old and getattr(after[record.email], name) == new
    for record in records.values():  # kept AuditRetentionDays (400 by default), then DynamoDB's TTL
        assert record.expires_at - int(datetime.fromisoformat(record.at).timestamp()) == 400 * 86400
    # An account's history: newest first, this upload's change on top.
    assert _log(harness).for_account("amir.khan@nhs.net")[0] == update


@pytest.mark.parametrize("chaos_harness", [
    ("validate:before:0.3,validate:after:0.5,create:before:0.3,create:after:0.5,notify:before:0.3,"
     "notify:after:0.5", 19),
    ("create:before:0.5,create:after:0.7", 3),
], indirect=True, ids=["every-function", "create-heavy"])
def test_faults_before_and_after_every_function_leave_no_change_without_its_record_nor_a_record_twice(
        chaos_harness):
    results = chaos_harness.upload(EXAMPLES / "users.csv", EXAMPLES / "updates.csv")

    assert chaos_harness.stack.lambdas.stats.injected, "the chaos rules injected no fault"
    log = _log(chaos_harness)
    accounts = {a.email: a for a in chaos_harness.directory.all_accounts()}
    for result in results:
        applied = _applied(result)
        records = list(log.for_upload(result.upload.upload_id))
        assert len(records) == len({r.line for r in records}), "a row recorded twice"
        assert {r.line: (r.action, r.email) for r in records} == {
            line: (ACTION_OF_RESULT[outcome], email) for line, (outcome, email) in applied.items()}
        for record in records:
            assert accounts[record.email].status.value == record.status_after
    # Each account's latest record says what it is now.
    for email in {r.email for result in results for r in log.for_upload(result.upload.upload_id)}:
        latest = log.for_account(email)[0]
        assert accounts[email].ods == latest.ods_after
        for name, (_, new) in _values(latest).items():
            assert getattr(accounts[email], name) == new
