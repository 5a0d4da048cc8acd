"""Applying a row re-checks its planned action against the account as it is then
(docs/approval-and-plan.md#the-plan): the planned action, Unchanged when its effect is already in place, or a
refusal that says what changed. Never another action instead."""

from __future__ import annotations

import pytest

from roster.accounts.change_plan import Refusal, recheck
from roster.model.directory import Account, AccountStatus
from roster.model.rows import RowAction, UserFields
from tests.unit.conftest import AMIR

JANE = Account(email="jane.doe@nhs.net", first_name="Jane", last_name="Doe", ods="RX1", job_title="Nurse")
JANE_LEAVER = JANE.model_copy(update={"status": AccountStatus.LEAVER})
JANE_IN_YORK = JANE.model_copy(update={"ods": "RY2"})

UPDATE_ROW = UserFields(email=JANE.email, ods="RX1", job_title="Ward Sister")
LEAVER_ROW = UserFields(email=JANE.email, ods="RX1", status="leaver")
JOINER_ROW = UserFields(email=JANE.email, ods="RY2", job_title="Nurse")
SAME_ROW = UserFields(email=JANE.email, ods="RX1", job_title="Nurse")


@pytest.mark.parametrize("planned, fields, account, action", [
    (RowAction.UPDATE, UPDATE_ROW, JANE, RowAction.UPDATE),
    (RowAction.LEAVER, LEAVER_ROW, JANE, RowAction.LEAVER),
    (RowAction.JOINER, JOINER_ROW, JANE_LEAVER, RowAction.JOINER),
    (RowAction.UNCHANGED, SAME_ROW, JANE, RowAction.UNCHANGED),
    (RowAction.UNCHANGED, LEAVER_ROW, JANE_LEAVER, RowAction.UNCHANGED),
], ids=["update", "leaver", "joiner", "unchanged-update", "unchanged-leaver"])
def test_given_the_account_as_validated_when_rechecked_then_the_planned_action_holds(planned, fields, account,
                                                                                     action) -> None:
    assert recheck(planned, fields, account, password_given=False).action is action


@pytest.mark.parametrize("planned, fields, account", [
    (RowAction.UPDATE, UPDATE_ROW, JANE.model_copy(update={"job_title": "Ward Sister"})),
    (RowAction.LEAVER, LEAVER_ROW, JANE_LEAVER),
    (RowAction.JOINER, JOINER_ROW, JANE_IN_YORK),
], ids=["update-already-made", "already-a-leaver", "already-joined"])
def test_given_the_effect_already_in_place_when_rechecked_then_the_row_is_unchanged(planned, fields,
                                                                                    account) -> None:
    assert recheck(planned, fields, account, password_given=False).action is RowAction.UNCHANGED


def test_given_an_update_planned_when_the_account_is_now_a_leaver_then_it_fails_and_says_to_accept_a_joiner() -> None:
    plan = recheck(RowAction.UPDATE, UPDATE_ROW, JANE_LEAVER, password_given=False)
    assert (plan.action, plan.refusal) == (None, Refusal.PLAN_NO_LONGER_HOLDS)
    assert plan.reason == ("Planned as an update when validated, but jane.doe@nhs.net is now a leaver; upload the "
                           "row again to accept them as a joiner.")


def test_given_an_update_planned_when_the_account_moved_organisation_then_it_fails_and_is_not_moved_back() -> None:
    plan = recheck(RowAction.UPDATE, UPDATE_ROW, JANE_IN_YORK, password_given=False)
    assert plan.action is None
    assert plan.reason == ("Planned as an update when validated, but jane.doe@nhs.net is now active in organisation "
                           "RY2, not RX1; an active user cannot be moved: mark them as a leaver first, or upload the "
                           "row again to update them in RY2.")


def test_given_a_leaver_planned_when_the_account_moved_organisation_then_it_fails() -> None:
    plan = recheck(RowAction.LEAVER, LEAVER_ROW, JANE_IN_YORK, password_given=False)
    assert plan.action is None
    assert plan.reason == ("Planned as a leaver when validated, but jane.doe@nhs.net is now active in organisation "
                           "RY2, not RX1; upload the row again to mark them as a leaver.")


def test_given_a_joiner_planned_when_the_account_is_already_active_elsewhere_then_it_fails() -> None:
    plan = recheck(RowAction.JOINER, JOINER_ROW, JANE, password_given=False)
    assert plan.action is None
    assert plan.reason == ("Planned as a joiner when validated, but jane.doe@nhs.net is already active in "
                           "organisation RX1; mark them as a leaver first, then upload the row again to accept them "
                           "as a joiner.")


def test_given_a_joiner_planned_when_the_account_is_already_active_there_with_other_values_then_it_fails() -> None:
    plan = recheck(RowAction.JOINER, JOINER_ROW, JANE_IN_YORK.model_copy(update={"job_title": "Porter"}),
                   password_given=False)
    assert plan.action is None
    assert plan.reason == ("Planned as a joiner when validated, but jane.doe@nhs.net is already active in "
                           "organisation RY2; upload the row again to update them.")


def test_given_unchanged_planned_when_the_account_changed_since_then_it_fails_rather_than_overwrite() -> None:
    plan = recheck(RowAction.UNCHANGED, SAME_ROW, JANE.model_copy(update={"job_title": "Matron"}),
                   password_given=False)
    assert plan.action is None
    assert plan.reason == ("Planned as unchanged when validated, but jane.doe@nhs.net has changed since: its Job "
                           "Title differs from the row; upload the row again to update them.")


def test_given_an_already_leaver_planned_when_the_account_is_active_again_then_it_fails() -> None:
    plan = recheck(RowAction.UNCHANGED, LEAVER_ROW, JANE, password_given=False)
    assert plan.action is None
    assert plan.reason == ("Planned as unchanged (already a leaver) when validated, but jane.doe@nhs.net is active "
                           "again, in organisation RX1; upload the row again to mark them as a leaver.")


@pytest.mark.parametrize("planned", [RowAction.UPDATE, RowAction.LEAVER, RowAction.JOINER, RowAction.UNCHANGED])
@pytest.mark.parametrize("account", [JANE, JANE_LEAVER, JANE_IN_YORK, AMIR.model_copy(update={"email": JANE.email})])
@pytest.mark.parametrize("fields", [UPDATE_ROW, LEAVER_ROW, JOINER_ROW, SAME_ROW])
@pytest.mark.parametrize("password_given", [False, True])
def test_given_any_row_and_account_when_rechecked_then_the_action_is_the_planned_one_unchanged_or_none(
        planned, account, fields, password_given) -> None:
    plan = recheck(planned, fields, account, password_given=password_given)
    assert plan.action in (planned, RowAction.UNCHANGED, None)
    assert (plan.action is None) == (plan.refusal is Refusal.PLAN_NO_LONGER_HOLDS) == bool(plan.reason)
