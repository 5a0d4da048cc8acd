"""Undo rows from the record of changes (docs/approval-and-plan.md#undo), without AWS: the reverse of
each action, an account changed since left alone and named, the create phase's re-check, the file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from roster.api.access import Caller
from roster.api.errors import Conflict, Forbidden
from roster.api.undo import UndoDesk, undo_upload_id
from roster.create.account_changes import reversal_change
from roster.model.changes import ChangeRecord, FieldValues
from roster.model.directory import Account, AccountStatus, DirectorySnapshot
from roster.model.rows import RowAction, RowResult
from roster.model.uploads import Upload, UploadState
from roster.undo.planner import UndoPlanner
from roster.undo.reversals import reversal_of, undo_row
from roster.undo.undo_file import undo_csv, undo_file_name

AT = "2026-12-01T10:00:00+00:00"
AMIR = Account(email="amir.khan@nhs.net", first_name="Amir", last_name="Khan", ods="RX1", job_title="Lead Radiographer",
               mobile_phone="+447912345200")


def _record(action: str, *fields: tuple[str, Any, Any], source: str = "u1", at: str = AT, **where: Any) -> ChangeRecord:
    return ChangeRecord(email="amir.khan@nhs.net", source_id=source, line=2, by="admin@nhs.net", at=at, action=action,
                        fields=tuple(FieldValues(field=f, old=o, new=n) for f, o, n in fields),
                        ods_before=where.get("ods_before", "RX1"), ods_after=where.get("ods_after", "RX1"),
                        status_before=where.get("status_before", "active"),
                        status_after=where.get("status_after", "active"), expires_at=0)


UPDATE = _record("Update", ("job_title", "Radiographer", "Lead Radiographer"), ("mobile_phone", None, "+447912345200"))


def test_given_an_update_when_reversed_then_each_field_goes_back_and_a_value_it_added_is_removed():
    reversal = reversal_of(UPDATE)

    assert reversal.result is RowResult.UPDATED
    assert reversal.sets == {"job_title": "Radiographer"} and reversal.removes == ("mobile_phone",)
    assert reversal.expect == {"job_title": "Lead Radiographer", "mobile_phone": "+447912345200", "status": "active",
                               "ods": "RX1"}


def test_given_a_create_when_reversed_then_the_account_becomes_a_leaver_and_keeps_its_address():
    created = _record("Create", ("first_name", None, "Amir"), ("status", None, "active"), ("ods", None, "RX1"),
                      ("created_at", None, AT), ods_before=None, status_before=None)
    reversal = reversal_of(created)

    assert reversal.result is RowResult.LEAVER and reversal.sets == {"status": "leaver"} and reversal.stamp_leaver
    assert "created_at" not in reversal.expect  # when, not what: never compared


def test_given_a_joiner_when_reversed_then_it_is_a_leaver_again_in_its_old_organisation():
    joiner = _record("Joiner", ("ods", "RX1", "RY2"), ("status", "leaver", "active"), ("unit", "Cardiology", None),
                     ("joined_at", None, AT), ods_after="RY2", status_before="leaver")
    reversal = reversal_of(joiner)

    assert reversal.result is RowResult.LEAVER
    assert reversal.sets == {"ods": "RX1", "status": "leaver", "unit": "Cardiology"}
    assert reversal.removes == ("joined_at",)


def test_given_a_leaver_when_reversed_then_it_is_active_again_where_it_left():
    leaver = _record("Leaver", ("status", "active", "leaver"), ("leaver_at", None, AT), status_after="leaver")
    reversal = reversal_of(leaver)

    assert reversal.result is RowResult.JOINER and reversal.sets == {"status": "active"}
    assert reversal.removes == ("leaver_at",)


def test_given_the_account_as_the_upload_left_it_when_planned_then_the_update_puts_each_column_back():
    row = undo_row(2, UPDATE, AMIR, lambda email: [UPDATE])

    assert row.action is RowAction.UPDATE and not row.note
    assert [(c.column, c.old, c.new) for c in row.changes] == [("Job Title", "Lead Radiographer", "Radiographer"),
                                                               ("Mobile Phone", "+447912345200", None)]


def test_given_a_later_upload_changed_the_account_when_planned_then_unchanged_naming_it_and_when():
    later = _record("Update", ("unit", None, "Radiology"), source="u2", at="2026-12-02T11:30:00+00:00")
    moved = AMIR.model_copy(update={"unit": "Radiology"})

    row = undo_row(2, UPDATE, moved, lambda email: [later, UPDATE], last_change="upload#u2#2")

    assert row.action is RowAction.UNCHANGED
    assert row.note == ("Left as it is: changed since upload u1: updated (Organisational Unit) by upload u2 "
                        "(admin@nhs.net) on 2026-12-02 11:30 UTC.")


def test_given_the_account_stamped_by_the_upload_itself_when_planned_then_no_history_is_read():
    def history(email: str) -> list[ChangeRecord]:
        raise AssertionError("read only for an account changed since")

    assert undo_row(2, UPDATE, AMIR, history, last_change="upload#u1#2").action is RowAction.UPDATE


def test_given_a_change_with_no_record_when_planned_then_unchanged_naming_the_columns():
    row = undo_row(2, UPDATE, AMIR.model_copy(update={"job_title": "Consultant"}), lambda email: [UPDATE])

    assert row.action is RowAction.UNCHANGED and row.note.startswith("Left as it is: Job Title changed since upload u1")


def test_given_a_row_planned_unchanged_when_applied_then_it_stays_unchanged_even_if_the_account_is_as_left():
    reversal = reversal_of(UPDATE)

    assert reversal_change(reversal, AMIR, AT, RowAction.UNCHANGED).result is RowResult.UNCHANGED
    applied = reversal_change(reversal, AMIR, AT, RowAction.UPDATE)
    assert applied.result is RowResult.UPDATED and applied.sets == {"job_title": "Radiographer"}
    assert applied.removes == ["mobile_phone"]
    assert reversal_change(reversal, AMIR.model_copy(update={"job_title": "X"}), AT,
                           RowAction.UPDATE).result is RowResult.UNCHANGED


def test_the_undo_file_has_one_row_per_change_in_the_current_format():
    text = undo_csv([UPDATE])

    assert text.startswith("\ufeffTitle,First Name,Last Name")
    assert text.splitlines()[1] == ",,,,Radiographer,RX1,,,,,,amir.khan@nhs.net,"
    assert undo_file_name("users.csv") == "users-undo.csv"


# -- the desk -------------------------------------------------------------------------------

class Stores:
    """The desk's ports: an upload visible to the caller, its records, the upload records and the bucket."""

    bucket = "b"

    def __init__(self, upload: Upload, records: list[ChangeRecord]) -> None:
        self.upload, self.records = upload, records
        self.uploads: dict[str, Upload] = {}
        self.files: list[str] = []

    def visible(self, caller: Caller, upload_id: str) -> Upload:
        return self.upload

    def for_upload(self, upload_id: str, channel: str = "upload") -> list[ChangeRecord]:
        return self.records

    def create_if_absent(self, upload: Upload) -> tuple[Upload, bool]:
        if upload.upload_id in self.uploads:
            return self.uploads[upload.upload_id], False
        self.uploads[upload.upload_id] = upload
        return upload, True

    def put_upload(self, key: str, text: str, *, uploader: str, validate_only: bool, file_name: str) -> None:
        self.files.append(key)


def _desk(upload: Upload, now: str = "2026-12-07T10:00:00+00:00") -> tuple[UndoDesk, Stores]:
    stores = Stores(upload, [UPDATE])
    desk = UndoDesk(stores, stores, stores, stores, 30, clock=lambda: datetime.fromisoformat(now))  # type: ignore[arg-type]
    return desk, stores


def _upload(state: UploadState = UploadState.COMPLETED, updated_at: str = AT) -> Upload:
    return Upload(upload_id="u1", state=state, bucket="b", key="k", file_name="users.csv", uploader="uploader@nhs.net",
                  orgs=["RX1"], updated_at=updated_at)


def test_given_an_applied_upload_when_undone_twice_then_one_undo_upload_and_one_file():
    desk, stores = _desk(_upload())
    caller = Caller("admin@nhs.net", frozenset({"RX1"}))

    first, made = desk.undo(caller, "u1")
    stores.uploads[first.upload_id] = first.model_copy(update={"state": UploadState.VALIDATED})
    second, made_again = desk.undo(caller, "u1")

    assert (made, made_again) == (True, False) and first.upload_id == second.upload_id == undo_upload_id("u1")
    assert first.undo_of == "u1" and first.validate_only and stores.files == [first.key]


@pytest.mark.parametrize("state", [UploadState.VALIDATED, UploadState.CREATING, UploadState.AWAITING_APPROVAL])
def test_given_an_upload_not_applied_when_undone_then_conflict(state):
    with pytest.raises(Conflict, match="only an applied upload"):
        _desk(_upload(state))[0].undo(Caller("uploader@nhs.net", frozenset({"RX1"})), "u1")


def test_given_an_upload_that_changed_nothing_when_undone_then_conflict_saying_so():
    desk, stores = _desk(_upload())
    stores.records = []
    with pytest.raises(Conflict, match="changed nothing"):
        desk.undo(Caller("uploader@nhs.net", frozenset({"RX1"})), "u1")


def test_given_an_upload_applied_past_the_window_when_undone_then_conflict():
    desk, _ = _desk(_upload(updated_at="2026-11-01T09:00:00+00:00"), now="2026-12-01T09:00:01+00:00")
    with pytest.raises(Conflict, match="more than 30 days ago"):
        desk.undo(Caller("uploader@nhs.net", frozenset({"RX1"})), "u1")


def test_given_an_administrator_of_another_organisation_only_when_undone_then_forbidden():
    with pytest.raises(Forbidden, match="RX1"):
        _desk(_upload())[0].undo(Caller("other@nhs.net", frozenset({"RY2"})), "u1")


def test_given_the_uploader_when_undone_then_allowed_while_they_administer_where_it_put_the_accounts():
    undo, made = _desk(_upload())[0].undo(Caller("uploader@nhs.net", frozenset({"RX1"})), "u1")
    assert made and undo.uploader == "uploader@nhs.net" and undo.state is UploadState.AWAITING_FILE


def test_given_an_uploader_no_longer_administering_the_organisation_when_undone_then_forbidden():
    # A security defect if allowed: removed from RX1, they could still change RX1's accounts.
    with pytest.raises(Forbidden):
        _desk(_upload())[0].undo(Caller("uploader@nhs.net", frozenset({"RY2"})), "u1")


# -- the planner ----------------------------------------------------------------------------

class Snapshots:
    """PlannedAgainst's answer: the accounts now, and what the undo's requester administers now."""

    def __init__(self, administered: frozenset[str]) -> None:
        self.administered = administered

    def snapshot(self, admin_email: str, ods_codes: set[str], emails: set[str]) -> DirectorySnapshot:
        return DirectorySnapshot(accounts={AMIR.email: AMIR}, administered=self.administered)

    def last_changes(self, emails: set[str]) -> dict[str, str]:
        return {AMIR.email: "upload#u1#2"}


class Records:
    def for_upload(self, upload_id: str, channel: str = "upload") -> list[ChangeRecord]:
        return [UPDATE]

    def for_account(self, email: str) -> list[ChangeRecord]:
        return [UPDATE]


def _undo_upload() -> Upload:
    return Upload(upload_id="x", bucket="b", key="k", file_name="users-undo.csv", uploader="admin@nhs.net", undo_of="u1")


def test_given_the_requester_administers_the_accounts_organisation_when_planned_then_it_validates():
    directory = Snapshots(frozenset({"RX1"}))
    outcome = UndoPlanner(Records(), directory).plan(_undo_upload(), directory)  # type: ignore[arg-type]

    assert outcome.ok and [row.action for row in outcome.rows] == [RowAction.UPDATE]


def test_given_the_requester_no_longer_administers_it_when_planned_again_then_invalid_naming_the_organisation():
    directory = Snapshots(frozenset({"RY2"}))
    outcome = UndoPlanner(Records(), directory).plan(_undo_upload(), directory)  # type: ignore[arg-type]

    assert not outcome.ok
    assert [f.message for f in outcome.findings] == [
        "You do not administer organisation RX1: this undo cannot change amir.khan@nhs.net."]


# -- the stamp every recorded change writes on its account ------------------------------------

def test_given_a_change_and_its_record_in_one_transaction_then_the_account_is_stamped_with_that_change():
    from roster.adapters.transactions import stamped
    from roster.model.writes import AccountUpdate

    update = AccountUpdate(email="Amir.Khan@nhs.net", sets={"job_title": "Radiographer"}, removes=(),
                           expected_status=AccountStatus.ACTIVE, expected_ods="RX1")
    other = AccountUpdate(email="someone@nhs.net", sets={"unit": "X"}, removes=(),
                          expected_status=AccountStatus.ACTIVE, expected_ods="RX1")

    writes = stamped({"account": update, "change": UPDATE, "other": other})

    assert writes["account"].sets == {"job_title": "Radiographer", "last_change": "upload#u1#2"}  # type: ignore[union-attr]
    assert writes["other"].sets == {"unit": "X"}  # type: ignore[union-attr]
    assert "last_change" not in reversal_of(UPDATE).sets
