"""The record of changes on fakes (docs/approval-and-plan.md#change-records): each applied row's
record is in its own transaction, with each stored value before and after; changes.csv and history
read as the plan does; a row whose account changed since it was planned names what changed it;
a re-validation plans against the accounts as first validated (#the-plan-is-binding)."""

from __future__ import annotations

import pytest

from roster.audit.attribution import changed_since
from roster.audit.changes_file import changes_csv, history
from roster.audit.records import Provenance, created_record, updated_record
from roster.model.changes import ChangeRecord, FieldValues
from roster.model.directory import AccountStatus
from roster.model.rows import RowResult
from roster.model.uploads import UploadState
from roster.model.writes import AccountUpdate
from roster.ports import ChangeLog, Transactions
from tests.conftest import current_csv
from tests.unit.conftest import ADMIN, AMIR, SARAH, TOM, Roster
from tests.unit.fakes import FakeDirectory, FakeTransactions, FakeUploads

CHANGES = current_csv(
    ",,,,Lead Radiographer,,,,07912 345200,,,amir.khan@nhs.net,",
    ",,,,,,,,,,,sarah.oconnor@nhs.net,leaver",
    ",,,,,RY2,District Nursing,,,,,tom.baker@nhs.net,",
    "Dr,Jane,Doe,,Nurse,RX1,Cardiology,,,,,,",
)
NOW = "2026-11-24T12:00:00+00:00"
PROVENANCE = Provenance("a" * 32, ADMIN, 400)


def _values(record: ChangeRecord) -> dict[str, tuple[object, object]]:
    return {f.field: (f.old, f.new) for f in record.fields}


def test_given_each_action_applied_then_its_record_is_in_the_same_transaction_as_its_change(roster: Roster) -> None:
    upload = roster.upload(CHANGES)
    roster.run_batches(upload.upload_id)

    records = {r.line: r for r in roster.transactions.for_upload(upload.upload_id)}
    assert {line: r.action for line, r in records.items()} == {2: "Update", 3: "Leaver", 4: "Joiner", 5: "Create"}
    for commit in roster.transactions.commits:  # never a change without its record in the same commit
        changes = [name for name in commit if name.endswith(("account", "change"))]
        assert len([n for n in changes if n.endswith("account")]) == len([n for n in changes if n.endswith("change")])
    assert _values(records[2]) == {"job_title": ("Radiographer", "Lead Radiographer"),
                                   "mobile_phone": ("+447912345000", "+447912345200")}
    assert _values(records[3]) == {"status": ("active", "leaver"), "leaver_at": (None, NOW)}
    assert _values(records[4]) == {"status": ("leaver", "active"), "ods": ("RX1", "RY2"),
                                   "unit": ("Cardiology", "District Nursing"), "joined_at": (None, NOW)}
    assert (records[5].email, records[5].ods_after, _values(records[5])["last_name"]) == ("jane.doe@nhs.net", "RX1",
                                                                                          (None, "Doe"))
    assert all((r.by, r.at, r.source_id) == (ADMIN, NOW, upload.upload_id) for r in records.values())


def test_given_a_batch_run_again_then_no_record_is_written_twice(roster: Roster) -> None:
    upload = roster.upload(CHANGES)
    roster.run_batches(upload.upload_id)
    commits = len(roster.transactions.commits)

    roster.run_batches(upload.upload_id)  # a retried batch: every row is done already

    assert len(roster.transactions.commits) == commits and len(roster.transactions.change_records) == 4


def _results_of(roster: Roster, upload_id: str) -> dict[int, RowResult]:
    return {line: o.result for line, o in roster.uploads.outcomes(upload_id).items()}


def test_given_a_cancelled_transaction_then_neither_the_change_nor_its_record_is_written(roster: Roster) -> None:
    upload = roster.upload(current_csv(",,,,Lead Radiographer,,,,,,,amir.khan@nhs.net,"))
    roster.transactions.conflict_next(1)

    roster.run_batches(upload.upload_id)

    [record] = roster.transactions.change_records.values()
    assert roster.transactions.cancellations and record.line == 2
    assert roster.directory.account(AMIR.email).job_title == "Lead Radiographer"


def test_given_failed_and_unchanged_rows_then_they_have_no_record(roster: Roster) -> None:
    upload = roster.upload(current_csv(",,,,Radiographer,,,,,,,amir.khan@nhs.net,",
                                       ",,,,Porter,,,,,,,sarah.oconnor@nhs.net,"))
    roster.directory.accounts_by_email[SARAH.email] = SARAH.model_copy(update={"status": AccountStatus.LEAVER})

    roster.run_batches(upload.upload_id)

    assert set(_results_of(roster, upload.upload_id).values()) == {RowResult.UNCHANGED, RowResult.FAILED}
    assert roster.transactions.change_records == {}


def test_a_record_leaves_out_credentials_and_says_a_password_was_set() -> None:
    update = AccountUpdate(email=AMIR.email, sets={"password_hash": "scrypt$x", "must_change_password": False,
                                                   "job_title": "Lead"}, removes=("unit",),
                           expected_status=AccountStatus.ACTIVE, expected_ods="RX1")

    record = updated_record(AMIR, update, "Update", PROVENANCE, line=7, at=NOW)

    assert _values(record) == {"job_title": ("Radiographer", "Lead"), "unit": ("Radiology", None)}
    assert record.password_changed and "scrypt" not in record.model_dump_json()
    created = created_record(TOM, PROVENANCE, line=2, at=NOW, password_supplied=True)
    assert created.password_changed and _values(created)["status"] == (None, "leaver")


def test_changes_csv_has_the_plans_shape_and_when_each_was_applied() -> None:
    update = ChangeRecord(email=AMIR.email, source_id="u", line=2, by=ADMIN, at=NOW, action="Update",
                          fields=(FieldValues(field="mobile_phone", old=None, new="+447912345200"),
                                  FieldValues(field="job_title", old="Radiographer", new="Lead")),
                          password_changed=True, ods_before="RX1", ods_after="RX1", status_before="active",
                          status_after="active", expires_at=1)
    leaver = update.model_copy(update={"line": 3, "action": "Leaver", "email": SARAH.email, "password_changed": False,
                                       "fields": (FieldValues(field="status", old="active", new="leaver"),)})

    text = changes_csv([update, leaver])

    assert text.split("\r\n")[:6] == [
        "\ufeffLine,Action,Email Address,Field,Old,New,Applied At",
        f"2,Update,amir.khan@nhs.net,Job Title,Radiographer,Lead,{NOW}",
        f"2,Update,amir.khan@nhs.net,Mobile Phone,,'+447912345200,{NOW}",
        f"2,Update,amir.khan@nhs.net,Password,********,********,{NOW}",
        f"3,Leaver,sarah.oconnor@nhs.net,,,,{NOW}",
        "",
    ]
    newest_first = history(AMIR.email, [update, update.model_copy(update={"at": "2026-11-25T09:00:00+00:00",
                                                                          "source_id": "v"})])
    assert [c["upload_id"] for c in newest_first["changes"]] == ["v", "v", "v", "u", "u", "u"]


def test_a_row_whose_plan_no_longer_holds_names_the_upload_who_and_when() -> None:
    leaver = ChangeRecord(email=AMIR.email, source_id="b" * 32, line=9, by="other@nhs.net",
                          at="2026-11-24T10:15:00+00:00", action="Leaver", ods_before="RX1", ods_after="RX1",
                          status_before="active", status_after="leaver", expires_at=1)
    own = leaver.model_copy(update={"source_id": "a" * 32, "at": "2026-11-24T11:00:00+00:00"})

    message = changed_since("Planned as an update when validated, but ...", [own, leaver], "a" * 32)

    assert message == (f"Changed since you validated: marked as a leaver by upload {'b' * 32} (other@nhs.net) on "
                       "2026-11-24 10:15 UTC. Planned as an update when validated, but ...")
    assert changed_since("Reason.", [], "a" * 32) == "Reason."


def test_given_a_validated_update_then_another_upload_makes_a_leaver_then_applying_fails_it_by_name(
        roster: Roster) -> None:
    update = roster.upload(current_csv(",,,,Lead Radiographer,,,,,,,amir.khan@nhs.net,"), validate_only=True)
    leaver = roster.apply(current_csv(",,,,,,,,,,,amir.khan@nhs.net,leaver"))
    assert leaver.state is UploadState.COMPLETED

    roster.uploads.update(update.upload_id, state=UploadState.VALIDATING, validate_only=False)
    applied = roster.validate_step().apply(update.upload_id)  # validated again: planned against the account of then
    assert applied.state is UploadState.CREATING
    roster.run_batches(update.upload_id)

    outcome = roster.uploads.outcomes(update.upload_id)[2]
    assert outcome.result is RowResult.FAILED
    assert outcome.message.startswith(f"Changed since you validated: marked as a leaver by upload {leaver.upload_id}")
    amir = roster.directory.account(AMIR.email)
    assert (amir.status, amir.job_title) == (AccountStatus.LEAVER, "Radiographer")


def test_given_the_uploader_no_longer_administers_then_applying_still_finds_the_file_invalid(roster: Roster) -> None:
    update = roster.upload(current_csv(",,,,Lead Radiographer,,,,,,,amir.khan@nhs.net,"), validate_only=True)
    roster.directory.add_admin(ADMIN, {"RY2"})

    roster.uploads.update(update.upload_id, state=UploadState.VALIDATING, validate_only=False)
    assert roster.validate_step().apply(update.upload_id).state is UploadState.INVALID


# -- the port contract: run again on DynamoDB in tests/integration/test_port_contracts.py ---------

@pytest.fixture
def change_store() -> tuple[Transactions, ChangeLog]:
    fake = FakeTransactions(FakeDirectory(), FakeUploads())
    return fake, fake


def test_given_a_record_when_committed_twice_then_the_second_is_refused_and_it_reads_back(
        change_store: tuple[Transactions, ChangeLog]) -> None:
    transactions, log = change_store
    record = created_record(AMIR, PROVENANCE, line=2, at=NOW)
    later = updated_record(AMIR, AccountUpdate(email=AMIR.email, sets={"job_title": "Lead"}, removes=(),
                                               expected_status=AccountStatus.ACTIVE, expected_ods="RX1"),
                           "Update", Provenance("c" * 32, ADMIN, 400), line=3, at="2026-11-25T08:00:00+00:00")

    assert transactions.commit({"change": record}) is None
    again = transactions.commit({"change": record})
    assert again is not None and again.refused == {"change"}
    assert transactions.commit({"change": later}) is None

    assert list(log.for_upload("a" * 32)) == [record]
    assert log.for_account(AMIR.email) == [later, record]  # newest first
    assert list(log.for_upload("d" * 32)) == [] and log.for_account("nobody@nhs.net") == []
