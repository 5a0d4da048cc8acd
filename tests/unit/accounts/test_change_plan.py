"""The change plan: what every kind of row does to an account, field by field
(docs/csv-format.md#what-a-row-does and docs/approval-and-plan.md#the-plan), as validation plans it and the create phase
applies it."""

from __future__ import annotations

import pytest

from roster.accounts.change_plan import (
    UPDATABLE_COLUMNS,
    UPDATABLE_FIELDS,
    ChangePlan,
    Refusal,
    new_account,
    plan_change,
    row_kind,
)
from roster.contract.columns import CURRENT_COLUMNS
from roster.model.directory import DEFAULT_MAILBOX_GB, AccountStatus
from roster.model.rows import FieldChange, RowAction, UserFields
from roster.validate.upload import UploadLimits, validate_upload
from tests.conftest import current_csv
from tests.unit.conftest import ADMIN, AMIR, LEEDS, TOM, YORK, Roster

AMIR_AS_LEAVER = AMIR.model_copy(update={"status": AccountStatus.LEAVER})

# One new value per updatable field, each different from Amir's.
NEW_VALUES = {
    "title": "Dr", "first_name": "Amira", "last_name": "Khanum", "display_name": "KHAN, Amir (Radiology)",
    "job_title": "Lead Radiographer", "unit": "Cardiology", "business_phone": "+441134960001",
    "mobile_phone": "+447912345200", "mailbox_gb": 8,
}


def _update(**values: object) -> UserFields:
    return UserFields(email=AMIR.email, **values)


# -- the section 4 table ---------------------------------------------------------------------

@pytest.mark.parametrize("new_user, leaving, account, kind", [
    (True, False, None, RowAction.CREATE),
    (True, True, None, Refusal.NEW_USER_LEAVER),
    (False, False, None, Refusal.NO_ACCOUNT),
    (False, True, None, Refusal.NO_ACCOUNT),
    (False, True, AMIR, RowAction.LEAVER),
    (False, True, AMIR_AS_LEAVER, RowAction.LEAVER),
    (False, False, AMIR_AS_LEAVER, RowAction.JOINER),
    (False, False, AMIR, RowAction.UPDATE),
], ids=["create", "new-user-leaver", "no-account", "leaver-without-account", "leaver", "leaver-of-a-leaver",
        "joiner", "update"])
def test_given_the_email_status_and_account_when_read_then_the_row_kind_is_the_tables(new_user, leaving, account,
                                                                                       kind) -> None:
    assert row_kind(new_user=new_user, leaving=leaving, account=account) is kind


def test_given_the_updatable_fields_then_each_is_named_by_its_current_format_column() -> None:
    assert list(UPDATABLE_COLUMNS) == list(UPDATABLE_FIELDS)
    assert set(UPDATABLE_COLUMNS.values()) <= set(CURRENT_COLUMNS)
    assert UPDATABLE_COLUMNS["mailbox_gb"] == "Mailbox Size" and UPDATABLE_COLUMNS["unit"] == "Organisational Unit"


# -- leavers ---------------------------------------------------------------------------------

def test_given_an_active_account_when_a_leaver_row_is_planned_then_it_is_a_leaver_with_no_field_lines() -> None:
    plan = plan_change(UserFields(email=AMIR.email, status="leaver", ods="RX1"), AMIR, password_given=False)
    assert plan == ChangePlan(RowAction.LEAVER)


def test_given_a_leaver_when_a_leaver_row_is_planned_then_it_is_unchanged() -> None:
    plan = plan_change(UserFields(email=AMIR.email, status="leaver"), AMIR_AS_LEAVER, password_given=False)
    assert plan == ChangePlan(RowAction.UNCHANGED)


def test_given_a_leaver_row_with_other_cells_then_the_other_cells_are_ignored() -> None:
    plan = plan_change(UserFields(email=AMIR.email, status="leaver", job_title="Porter"), AMIR, password_given=True)
    assert (plan.action, plan.changes, plan.password_changed) == (RowAction.LEAVER, (), False)


# -- updates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", UPDATABLE_FIELDS)
def test_given_one_cell_that_differs_when_planned_then_that_field_is_the_one_change(name: str) -> None:
    plan = plan_change(_update(**{name: NEW_VALUES[name]}), AMIR, password_given=False)
    assert plan.action is RowAction.UPDATE
    assert plan.changes == (FieldChange(name, UPDATABLE_COLUMNS[name], getattr(AMIR, name), NEW_VALUES[name]),)
    assert plan.changed_columns == [UPDATABLE_COLUMNS[name]]


def test_given_every_cell_differs_when_planned_then_the_changes_follow_the_column_order() -> None:
    plan = plan_change(_update(**NEW_VALUES), AMIR, password_given=False)
    assert [change.field for change in plan.changes] == list(UPDATABLE_FIELDS)


def test_given_blank_cells_when_planned_then_they_leave_the_accounts_values_alone() -> None:
    plan = plan_change(_update(job_title="Lead Radiographer"), AMIR, password_given=False)
    assert [change.field for change in plan.changes] == ["job_title"]  # unit, phones: blank, kept


def test_given_cells_equal_to_the_account_when_planned_then_it_is_unchanged() -> None:
    plan = plan_change(_update(ods="RX1", unit="Radiology", job_title="Radiographer"), AMIR, password_given=False)
    assert plan == ChangePlan(RowAction.UNCHANGED)


def test_given_only_a_password_when_planned_then_it_is_an_update_of_the_password() -> None:
    plan = plan_change(_update(), AMIR, password_given=True)
    assert (plan.action, plan.changes, plan.changed_columns) == (RowAction.UPDATE, (), ["Password"])


def test_given_another_organisation_for_an_active_user_when_planned_then_the_move_is_refused() -> None:
    plan = plan_change(_update(ods="RY2", job_title="Porter"), AMIR, password_given=False)
    assert plan == ChangePlan(None, Refusal.MOVES_ACTIVE_USER)


def test_given_the_accounts_own_organisation_in_lower_case_when_planned_then_it_is_no_move() -> None:
    assert plan_change(_update(ods="rx1"), AMIR, password_given=False).action is RowAction.UNCHANGED


# -- joiners ---------------------------------------------------------------------------------

def test_given_a_leaver_when_a_joiner_row_is_planned_then_status_organisation_and_cells_change() -> None:
    plan = plan_change(UserFields(email=TOM.email, ods="RY2", unit="District Nursing", job_title="Nurse"), TOM,
                       password_given=False)
    assert plan.action is RowAction.JOINER
    assert plan.changes == (
        FieldChange("job_title", "Job Title", None, "Nurse"),
        FieldChange("ods", "Organisation ODSCode", "RX1", "RY2"),
        FieldChange("unit", "Organisational Unit", "Cardiology", "District Nursing"),
        FieldChange("status", "Status", "leaver", "active"),
    )
    assert plan.changed_columns == ["Job Title", "Organisational Unit"]


def test_given_a_joiner_with_a_blank_unit_then_the_old_organisations_unit_is_removed() -> None:
    plan = plan_change(UserFields(email=TOM.email, ods="RY2"), TOM, password_given=False)
    assert FieldChange("unit", "Organisational Unit", "Cardiology", None) in plan.changes


def test_given_a_joiner_back_into_its_own_organisation_then_the_organisation_is_no_change() -> None:
    plan = plan_change(UserFields(email=TOM.email, ods="RX1", unit="Cardiology"), TOM, password_given=True)
    assert plan.changes == (FieldChange("status", "Status", "leaver", "active"),)
    assert plan.password_changed


# A leaver who had Leeds's top-up mailbox and Leeds's default display name.
TOM_FROM_LEEDS = TOM.model_copy(update={"mailbox_gb": 10, "display_name": "BAKER, Tom (Leeds Teaching Hospitals)"})
ORGANISATIONS = {LEEDS.ods: LEEDS, YORK.ods: YORK}


def test_given_a_joiner_into_an_organisation_that_bought_less_then_the_mailbox_is_capped_and_said() -> None:
    plan = plan_change(UserFields(email=TOM.email, ods="RY2"), TOM_FROM_LEEDS, password_given=False,
                       organisations=ORGANISATIONS)
    assert FieldChange("mailbox_gb", "Mailbox Size", 10, 4) in plan.changes
    assert "Mailbox Size reduced from 10 GB to 4 GB, the most that organisation RY2 has purchased." in plan.notes


def test_given_a_joiner_whose_display_name_is_the_old_organisations_default_then_it_gets_the_new_default() -> None:
    plan = plan_change(UserFields(email=TOM.email, ods="RY2", first_name="Thomas"), TOM_FROM_LEEDS,
                       password_given=False, organisations=ORGANISATIONS)
    assert FieldChange("display_name", "Display Name", "BAKER, Tom (Leeds Teaching Hospitals)",
                       "BAKER, Thomas (York Hospital)") in plan.changes
    assert "Display Name set to 'BAKER, Thomas (York Hospital)', the default for the new organisation." in plan.notes


@pytest.mark.parametrize("fields, account", [
    (UserFields(email=TOM.email, ods="RY2", mailbox_gb=4, display_name="Tom B"), TOM_FROM_LEEDS),  # the row says
    (UserFields(email=TOM.email, ods="RY2"), TOM_FROM_LEEDS.model_copy(update={"display_name": "Tom Baker (Cardio)",
                                                                              "mailbox_gb": 4})),
    (UserFields(email=TOM.email, ods="RX1"), TOM_FROM_LEEDS),  # back into Leeds: its values are Leeds's
], ids=["given-in-the-row", "own-display-name-and-4-gb", "back-into-the-same-organisation"])
def test_given_a_joiner_whose_values_fit_the_new_organisation_then_they_are_left_alone(fields, account) -> None:
    plan = plan_change(fields, account, password_given=False, organisations=ORGANISATIONS)
    assert {c.field for c in plan.changes} & {"mailbox_gb", "display_name"} <= {c.field for c in plan.changes
                                                                                 if getattr(fields, c.field)}
    assert plan.notes == ()


# -- new users -------------------------------------------------------------------------------

@pytest.mark.parametrize("given, stored", [(None, DEFAULT_MAILBOX_GB), (8, 8)])
def test_given_a_new_users_mailbox_cell_then_the_account_gets_it_or_4_gb(given: int | None, stored: int) -> None:
    fields = UserFields(first_name="Jane", last_name="Doe", ods="RX1", mailbox_gb=given)
    account = new_account(fields, "jane.doe@nhs.net", LEEDS, "2026-11-24T12:00:00+00:00")
    assert (account.mailbox_gb, account.ods, account.status) == (stored, "RX1", AccountStatus.ACTIVE)


# -- validation plans with it ----------------------------------------------------------------

def test_given_an_upload_when_validated_then_each_planned_row_carries_the_change_plans_changes(roster: Roster) -> None:
    text = current_csv(
        ",,,,Lead Radiographer,,,,07912 345200,,,amir.khan@nhs.net,",
        ",,,,,,,,,,,sarah.oconnor@nhs.net,leaver",
        ",,,,,RY2,District Nursing,,,,,tom.baker@nhs.net,",
    )
    outcome = validate_upload(text.encode(), ADMIN, roster.directory, UploadLimits())

    rows = {row.line: row for row in outcome.rows}
    assert rows[2].action is RowAction.UPDATE
    assert rows[2].changes == (FieldChange("job_title", "Job Title", "Radiographer", "Lead Radiographer"),
                               FieldChange("mobile_phone", "Mobile Phone", "+447912345000", "+447912345200"))
    assert (rows[3].action, rows[3].changes) == (RowAction.LEAVER, ())
    assert rows[4].action is RowAction.JOINER
    assert rows[4].changes == plan_change(rows[4].fields, TOM, password_given=False).changes
    assert FieldChange("ods", "Organisation ODSCode", "RX1", "RY2") in rows[4].changes
