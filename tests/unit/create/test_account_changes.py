"""What a leaver, joiner or update row does to an account as it is now (docs/csv-format.md#what-a-row-does)."""

from __future__ import annotations

import pytest

from roster.adapters.transactions import account_update_item
from roster.create.account_changes import plan_change as _plan_change
from roster.create.batches import BatchRow
from roster.model.directory import Account, AccountStatus
from roster.model.rows import RowAction, RowResult, UserFields
from roster.model.writes import AccountUpdate

NOW = "2026-11-24T12:00:00+00:00"
ACTIVE = Account(email="amir.khan@nhs.net", first_name="Amir", last_name="Khan", ods="RX1", unit="Radiology",
                 job_title="Radiographer", mobile_phone="+447912345000")
LEAVER = ACTIVE.model_copy(update={"status": AccountStatus.LEAVER})


def _row(action: RowAction, sealed_password: str | None = None, **fields: object) -> BatchRow:
    return BatchRow(line=2, action=action, fields=UserFields(email="amir.khan@nhs.net", **fields),
                    sealed_password=sealed_password)


def test_a_leaver_row_marks_an_active_account_and_records_the_date() -> None:
    plan = _plan_change(_row(RowAction.LEAVER, status="leaver", ods="RX1"), ACTIVE, NOW)
    assert plan.result is RowResult.LEAVER
    assert plan.sets == {"status": "leaver", "leaver_at": NOW}
    assert plan.expected_status is AccountStatus.ACTIVE


def test_a_leaver_row_for_a_leaver_is_unchanged() -> None:
    assert _plan_change(_row(RowAction.LEAVER, status="leaver"), LEAVER, NOW).result is RowResult.UNCHANGED


def test_an_update_sets_only_the_cells_that_differ_and_leaves_blank_cells_alone() -> None:
    plan = _plan_change(_row(RowAction.UPDATE, job_title="Lead Radiographer", mobile_phone="+447912345000"),
                        ACTIVE, NOW)
    assert plan.result is RowResult.UPDATED
    assert plan.sets == {"job_title": "Lead Radiographer"}
    assert plan.message == "Updated Job Title."


def test_an_update_with_nothing_different_is_unchanged() -> None:
    plan = _plan_change(_row(RowAction.UPDATE, ods="RX1", unit="Radiology"), ACTIVE, NOW)
    assert plan.result is RowResult.UNCHANGED


def test_a_supplied_password_is_a_change_to_hash() -> None:
    plan = _plan_change(_row(RowAction.UPDATE, sealed_password="sealed"), ACTIVE, NOW)
    assert (plan.result, plan.password_hash_needed, plan.message) == (RowResult.UPDATED, True, "Updated Password.")


def test_moving_an_active_user_is_refused_with_what_to_do() -> None:
    plan = _plan_change(_row(RowAction.UPDATE, ods="RY2"), ACTIVE, NOW)
    assert plan.result is RowResult.FAILED
    assert "mark them as a leaver first" in plan.message


@pytest.mark.parametrize("unit, removes", [("District Nursing", []), (None, ["unit"])])
def test_a_joiner_moves_a_leaver_and_makes_it_active(unit: str | None, removes: list[str]) -> None:
    plan = _plan_change(_row(RowAction.JOINER, ods="ry2", unit=unit), LEAVER, NOW)
    assert plan.result is RowResult.JOINER
    assert plan.sets["status"] == "active" and plan.sets["ods"] == "RY2"
    # The stored update also refiles the account under its new organisation (gsi1).
    update = AccountUpdate(email=LEAVER.email, sets=plan.sets, removes=tuple(plan.removes),
                           expected_status=AccountStatus.LEAVER, expected_ods="RX1")
    item = account_update_item("Directory", update)["Update"]
    filed = {item["ExpressionAttributeNames"][n]: item["ExpressionAttributeValues"][n.replace("#", ":")]
             for n in item["ExpressionAttributeNames"] if n[:2] == "#s" and n[2:].isdigit()}
    assert filed["gsi1pk"] == {"S": "ORG#RY2"}
    assert plan.sets["joined_at"] == NOW
    assert plan.removes == removes
    assert plan.expected_status is AccountStatus.LEAVER
