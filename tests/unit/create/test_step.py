"""The create step on in-memory fakes: every row applied exactly once, the planned action
re-checked, transaction conflicts retried, nothing ever created twice."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from roster.errors import TransientInfrastructureError
from roster.model.directory import AccountStatus
from roster.model.requests import BatchRequest
from roster.model.rows import RowResult
from roster.model.writes import AccountUpdate, Cancelled, NewAccount
from roster.passwords.generated import verify_password
from roster.validate.upload import UploadLimits, validate_upload
from tests.conftest import current_csv
from tests.unit.conftest import ADMIN, AMIR, SARAH, TOM, YORK, Roster

NEW_USERS = current_csv(
    "Dr,Jane,Doe,,Nurse,RX1,Cardiology,,07912 345679,,,,",
    ",Ann,Lee,,Porter,RX1,,,,8,,,",
)
UPDATE_AMIR = current_csv(",,,,Lead Radiographer,,,,07912 345200,,,amir.khan@nhs.net,")
CHANGES = current_csv(
    ",,,,Lead Radiographer,,,,,,,amir.khan@nhs.net,",
    ",,,,,,,,,,,sarah.oconnor@nhs.net,leaver",
    ",,,,,RY2,District Nursing,,,,,tom.baker@nhs.net,",
)


def _results(roster: Roster, upload_id: str) -> dict[int, tuple[RowResult, str]]:
    return {line: (o.result, o.message) for line, o in roster.uploads.outcomes(upload_id).items()}


def test_given_new_user_rows_when_the_batch_runs_then_each_gets_an_account_and_an_outcome(roster: Roster) -> None:
    upload = roster.upload(NEW_USERS)

    [tally] = roster.run_batches(upload.upload_id)

    assert tally == {"batch_no": 1, "rows": 2, "created": 2}
    jane = roster.directory.account("jane.doe@nhs.net")
    assert jane is not None and (jane.title, jane.unit, jane.mailbox_gb) == ("Dr", "Cardiology", 4)
    assert roster.directory.account("ann.lee@nhs.net").mailbox_gb == 8
    outcomes = roster.uploads.outcomes(upload.upload_id)
    assert [(o.result, o.email) for o in outcomes.values()] == [
        (RowResult.CREATED, "jane.doe@nhs.net"), (RowResult.CREATED, "ann.lee@nhs.net")]
    assert outcomes[3].message.startswith("Created directly under Leeds Teaching Hospitals (RX1), its parent")
    assert roster.uploads.get(upload.upload_id).progress == {"created": 2}


def test_given_new_users_with_free_addresses_then_they_are_created_in_one_transaction(roster: Roster) -> None:
    upload = roster.upload(NEW_USERS)
    roster.run_batches(upload.upload_id)

    [group] = roster.transactions.commits
    assert sorted(group) == sorted(f"{line}:{name}" for line in (2, 3)
                                   for name in ("account", "address", "identity", "outcome", "change"))


def test_given_a_generated_password_then_only_its_hash_is_stored_and_a_change_is_forced(roster: Roster) -> None:
    upload = roster.upload(NEW_USERS)
    roster.run_batches(upload.upload_id)

    stored = roster.directory.credentials["jane.doe@nhs.net"]
    assert stored["must_change_password"] is True and stored["password_hash"].startswith("scrypt$10$")
    sealed = roster.uploads.outcomes(upload.upload_id)[2].sealed_password
    assert sealed and not verify_password(sealed, stored["password_hash"])  # sealed, not plain


def test_given_a_taken_address_when_creating_then_the_next_free_number_is_used(roster: Roster) -> None:
    roster.directory.reservations["jane.doe@nhs.net"] = "jane.doe@nhs.net"
    roster.directory.reservations["jane.doe1@nhs.net"] = "jane.doe@nhs.net"
    upload = roster.upload(NEW_USERS)

    roster.run_batches(upload.upload_id)

    assert roster.uploads.outcomes(upload.upload_id)[2].email == "jane.doe2@nhs.net"


def test_given_a_batch_already_applied_when_it_runs_again_then_nothing_is_written_twice(roster: Roster) -> None:
    upload = roster.upload(NEW_USERS)
    first = roster.run_batches(upload.upload_id)
    commits = len(roster.transactions.commits)

    again = roster.run_batches(upload.upload_id)

    assert again == first
    assert len(roster.transactions.commits) == commits
    assert roster.uploads.get(upload.upload_id).progress == {"created": 2}  # counted once


def test_given_a_row_whose_outcome_was_written_by_a_lost_attempt_then_the_recorded_outcome_is_reported(
        roster: Roster) -> None:
    upload = roster.upload(NEW_USERS)
    step = roster.create_step(upload.upload_id)
    roster.run_batches(upload.upload_id)
    recorded = roster.uploads.outcomes(upload.upload_id)

    # The attempt that wrote them died before reporting, and the retry's first read missed them.
    original = roster.uploads.outcomes_for
    roster.uploads.outcomes_for = lambda upload_id, lines: {} if len(lines) > 1 else original(upload_id, lines)
    tally = step.run_batch(BatchRequest(upload_id=upload.upload_id, bucket="b", batch_key=f"batches/{upload.upload_id}/00001.json",
                                        batch_no=1))

    assert tally == {"batch_no": 1, "rows": 2, "created": 2}
    assert roster.uploads.outcomes(upload.upload_id) == recorded
    assert len(roster.directory.accounts_by_email) == 5


def test_given_the_same_person_created_by_an_earlier_upload_then_the_row_is_unchanged(roster: Roster) -> None:
    first = roster.apply(NEW_USERS)
    second = roster.upload(NEW_USERS, file_name="again.csv")

    roster.run_batches(second.upload_id)

    outcome = roster.uploads.outcomes(second.upload_id)[2]
    assert outcome.result is RowResult.UNCHANGED and outcome.email == "jane.doe@nhs.net"
    assert outcome.message.startswith(f"Already created as jane.doe@nhs.net by upload {first.upload_id} on ")
    assert len(roster.directory.accounts_by_email) == 5


def test_given_the_organisation_deleted_after_validation_then_the_new_user_fails(roster: Roster) -> None:
    upload = roster.upload(NEW_USERS)
    del roster.directory.organisations_by_ods["RX1"]

    roster.run_batches(upload.upload_id)

    assert _results(roster, upload.upload_id)[2][0] is RowResult.FAILED
    assert "Organisation RX1 no longer exists" in _results(roster, upload.upload_id)[2][1]


def test_given_leaver_joiner_and_update_rows_when_applied_then_each_account_changes_once(roster: Roster) -> None:
    upload = roster.upload(CHANGES)

    roster.run_batches(upload.upload_id)

    assert _results(roster, upload.upload_id) == {
        2: (RowResult.UPDATED, "Updated Job Title."),
        3: (RowResult.LEAVER, "Marked as a leaver; the address sarah.oconnor@nhs.net is kept."),
        4: (RowResult.JOINER, "Moved from leaver state to organisation RY2 and made active."),
    }
    tom = roster.directory.account(TOM.email)
    assert (tom.status, tom.ods, tom.unit, tom.joined_at) == (AccountStatus.ACTIVE, "RY2", "District Nursing",
                                                             "2026-11-24T12:00:00+00:00")
    assert roster.directory.account(SARAH.email).leaver_at == "2026-11-24T12:00:00+00:00"


def test_given_a_supplied_password_on_an_update_then_its_hash_is_stored_without_forcing_a_change(
        roster: Roster) -> None:
    upload = roster.upload(current_csv(",,,,,,,,,,Xk9#mQ2$vL7!pR,amir.khan@nhs.net,"))

    roster.run_batches(upload.upload_id)

    stored = roster.directory.credentials[AMIR.email]
    assert verify_password("Xk9#mQ2$vL7!pR", stored["password_hash"]) and stored["must_change_password"] is False
    assert _results(roster, upload.upload_id)[2] == (RowResult.UPDATED, "Updated Password.")


# -- the planned action, re-checked (docs/approval-and-plan.md#the-plan) ---------------------------

def test_given_an_update_planned_when_the_account_became_a_leaver_then_it_fails_and_stays_a_leaver(
        roster: Roster) -> None:
    upload = roster.upload(UPDATE_AMIR)
    roster.directory.accounts_by_email[AMIR.email] = AMIR.model_copy(update={"status": AccountStatus.LEAVER})

    roster.run_batches(upload.upload_id)

    assert _results(roster, upload.upload_id)[2] == (RowResult.FAILED, (
        "Planned as an update when validated, but amir.khan@nhs.net is now a leaver; upload the row again to "
        "accept them as a joiner."))
    amir = roster.directory.account(AMIR.email)
    assert (amir.status, amir.job_title) == (AccountStatus.LEAVER, "Radiographer")  # not reactivated


def test_given_a_leaver_planned_when_the_account_moved_organisation_then_it_fails(roster: Roster) -> None:
    upload = roster.upload(current_csv(",,,,,,,,,,,sarah.oconnor@nhs.net,leaver"))
    roster.directory.accounts_by_email[SARAH.email] = SARAH.model_copy(update={"ods": YORK.ods})

    roster.run_batches(upload.upload_id)

    result, message = _results(roster, upload.upload_id)[2]
    assert result is RowResult.FAILED and message.startswith("Planned as a leaver when validated, but sarah.oconnor")
    assert roster.directory.account(SARAH.email).status is AccountStatus.ACTIVE


def test_given_a_joiner_planned_when_the_account_is_already_active_then_it_fails(roster: Roster) -> None:
    upload = roster.upload(current_csv(",,,,Nurse,RY2,District Nursing,,,,,tom.baker@nhs.net,"))
    roster.directory.accounts_by_email[TOM.email] = TOM.model_copy(update={"status": AccountStatus.ACTIVE})

    roster.run_batches(upload.upload_id)

    result, message = _results(roster, upload.upload_id)[2]
    assert result is RowResult.FAILED
    assert message.startswith("Planned as a joiner when validated, but tom.baker@nhs.net is already active in "
                              "organisation RX1")
    assert roster.directory.account(TOM.email).ods == "RX1"


def test_given_an_update_whose_values_were_made_meanwhile_then_it_is_unchanged(roster: Roster) -> None:
    upload = roster.upload(UPDATE_AMIR)
    roster.directory.accounts_by_email[AMIR.email] = AMIR.model_copy(
        update={"job_title": "Lead Radiographer", "mobile_phone": "+447912345200"})

    roster.run_batches(upload.upload_id)

    assert _results(roster, upload.upload_id)[2] == (
        RowResult.UNCHANGED, "Nothing to change: the account already has these values.")


def test_given_the_account_changes_between_read_and_write_then_the_row_is_planned_again(roster: Roster) -> None:
    upload = roster.upload(UPDATE_AMIR)

    def someone_else_marks_amir_a_leaver(writes) -> None:
        if any(isinstance(w, AccountUpdate) for w in writes.values()):
            roster.transactions.before_commit = None
            roster.directory.accounts_by_email[AMIR.email] = AMIR.model_copy(update={"status": AccountStatus.LEAVER})

    roster.transactions.before_commit = someone_else_marks_amir_a_leaver
    roster.run_batches(upload.upload_id)

    assert roster.transactions.cancellations == [Cancelled(refused=frozenset({"account"}))]
    assert _results(roster, upload.upload_id)[2][0] is RowResult.FAILED
    assert roster.directory.account(AMIR.email).status is AccountStatus.LEAVER


# -- conflicts -------------------------------------------------------------------------------

def test_given_a_transaction_conflict_on_an_update_then_it_is_retried_and_commits(roster: Roster) -> None:
    upload = roster.upload(UPDATE_AMIR)
    roster.transactions.conflict_next(1)

    roster.run_batches(upload.upload_id)

    assert roster.transactions.cancellations == [Cancelled(conflict=True)]
    assert _results(roster, upload.upload_id)[2][0] is RowResult.UPDATED
    assert roster.directory.account(AMIR.email).job_title == "Lead Radiographer"


def test_given_a_transaction_conflict_on_new_users_then_they_are_created_one_by_one(roster: Roster) -> None:
    upload = roster.upload(NEW_USERS)
    roster.transactions.conflict_next(2)  # the group, then the first row alone

    roster.run_batches(upload.upload_id)

    assert roster.transactions.cancellations == [Cancelled(conflict=True)] * 2
    assert [o.result for o in roster.uploads.outcomes(upload.upload_id).values()] == [RowResult.CREATED] * 2
    created = [w for commit in roster.transactions.commits for w in commit.values() if isinstance(w, NewAccount)]
    assert sorted(w.account.email for w in created) == ["ann.lee@nhs.net", "jane.doe@nhs.net"]


def test_given_a_transaction_conflict_on_an_outcome_alone_then_it_is_retried(roster: Roster) -> None:
    upload = roster.upload(current_csv(",,,,,,,,,,,tom.baker@nhs.net,leaver"))
    roster.transactions.conflict_next(1)

    roster.run_batches(upload.upload_id)

    assert roster.transactions.cancellations == [Cancelled(conflict=True)]
    assert _results(roster, upload.upload_id)[2] == (RowResult.UNCHANGED, "tom.baker@nhs.net is already a leaver.")


# -- one row's error is that row's, never the batch's (issue 8) ---------------------------------

def _tamper_batch(roster: Roster, upload_id: str, line: int, **fields: str) -> None:
    """Change a row of a batch file, as a file validated by an older release could hold it."""
    key = f"batches/{upload_id}/00001.json"
    rows = roster.files.get_json(key)
    for row in rows:
        if row["line"] == line:
            row["fields"].update(fields)
    roster.files.put_json(key, rows)


def test_given_a_new_user_whose_names_make_no_address_then_only_that_row_fails_and_says_why(roster: Roster) -> None:
    upload = roster.upload(NEW_USERS)
    _tamper_batch(roster, upload.upload_id, 2, first_name="ъ", last_name="\U0002a700")

    [tally] = roster.run_batches(upload.upload_id)
    finished = roster.notify_step().finish(upload.upload_id)

    assert tally == {"batch_no": 1, "rows": 2, "created": 1, "failed": 1}
    assert _results(roster, upload.upload_id)[2] == (RowResult.FAILED, (
        "No email address can be made from this user's names: neither First Name nor Last Name has a letter that "
        "can be written in Latin letters. Give the names in Latin letters and upload the row again."))
    assert _results(roster, upload.upload_id)[3][0] is RowResult.CREATED
    assert finished.state.value == "COMPLETED" and finished.error is None


def test_given_an_unexpected_error_on_one_row_then_that_row_fails_and_the_others_are_applied(
        roster: Roster, monkeypatch, caplog) -> None:
    import roster.create.account_changes as changes

    real = changes.recheck

    def breaks_on_sarah(planned, fields, account, **kwargs):
        if account.email == SARAH.email:
            raise KeyError(account.email + " " + (fields.status or ""))  # data in the error's text
        return real(planned, fields, account, **kwargs)

    monkeypatch.setattr(changes, "recheck", breaks_on_sarah)
    upload = roster.upload(CHANGES)

    [tally] = roster.run_batches(upload.upload_id)

    assert tally == {"batch_no": 1, "rows": 3, "updated": 1, "joiners": 1, "failed": 1}
    result, message = _results(roster, upload.upload_id)[3]
    assert result is RowResult.FAILED
    assert message == ("Not applied: an unexpected error in Roster (KeyError) stopped this row, and nothing was "
                       "changed for it; the other rows were applied. Upload the results file again to retry it. If "
                       f"it fails again, report upload {upload.upload_id}, line 3, to your Roster support team.")
    assert roster.directory.account(SARAH.email).status is AccountStatus.ACTIVE
    [logged] = [r for r in caplog.records if r.getMessage() == "row failed unexpectedly"]
    assert (logged.upload_id, logged.line, logged.error_type) == (upload.upload_id, 3, "KeyError")
    assert "breaks_on_sarah" in logged.stack  # where it happened
    everything = " ".join(str(vars(record)) for record in caplog.records)
    assert "sarah.oconnor" not in everything  # never the row's data, nor the error's text that quotes it


@pytest.mark.parametrize("error", [
    TransientInfrastructureError("throttled"),
    ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "TransactWriteItems"),
], ids=["transient", "throttling"])
def test_given_an_infrastructure_error_on_a_row_then_the_batch_raises_to_be_retried(roster: Roster, error) -> None:
    upload = roster.upload(CHANGES)

    def unavailable(writes):
        raise error

    roster.transactions.before_commit = unavailable

    with pytest.raises(type(error)):
        roster.run_batches(upload.upload_id)
    assert roster.uploads.outcomes(upload.upload_id) == {}


def test_given_names_longer_than_an_address_allows_then_the_address_and_its_numbered_form_fit_64(
        roster: Roster) -> None:
    first, last = "Wolfeschlegelsteinhausenbergerdorff", "Montgomery-Worthington-Fotheringham-Featherstonehaugh"
    base = "wolfeschlegelsteinhausenbergerdorff.montgomery-worthington-fothe@nhs.net"
    upload = roster.upload(current_csv(f",{first},{last},,Nurse,RX1,,,,,,,", f",{first},{last},,Porter,RX1,,,,,,,"))

    roster.run_batches(upload.upload_id)

    addresses = [o.email for o in roster.uploads.outcomes(upload.upload_id).values()]
    assert addresses == [base, "wolfeschlegelsteinhausenbergerdorff.montgomery-worthington-foth1@nhs.net"]
    assert all(len(address.split("@")[0]) <= 64 for address in addresses)
    assert roster.directory.taken_suffixes(base) == {0, 1}


def test_given_a_joiner_with_the_old_organisations_mailbox_and_display_name_then_validation_and_create_agree(
        roster: Roster) -> None:
    roster.directory.accounts_by_email[TOM.email] = TOM.model_copy(
        update={"mailbox_gb": 10, "display_name": "BAKER, Tom (Leeds Teaching Hospitals)"})
    text = current_csv(",,,,Nurse,RY2,District Nursing,,,,,tom.baker@nhs.net,")
    [planned] = validate_upload(text.encode(), ADMIN, roster.directory, UploadLimits()).rows
    upload = roster.upload(text)

    roster.run_batches(upload.upload_id)

    result, message = _results(roster, upload.upload_id)[2]
    assert result is RowResult.JOINER
    assert message == ("Moved from leaver state to organisation RY2 and made active. Mailbox Size reduced from 10 GB "
                       "to 4 GB, the most that organisation RY2 has purchased. Display Name set to 'BAKER, Tom (York "
                       "Hospital)', the default for the new organisation.")
    tom = roster.directory.account(TOM.email)
    assert (tom.mailbox_gb, tom.display_name, tom.ods) == (4, "BAKER, Tom (York Hospital)", "RY2")
    plan = {change.field: change.new for change in planned.changes}  # what validation's plan says
    assert (plan["mailbox_gb"], plan["display_name"], plan["ods"]) == (tom.mailbox_gb, tom.display_name, tom.ods)


def test_given_an_update_resubmitted_whose_password_is_already_in_place_then_it_is_unchanged(roster: Roster) -> None:
    text = current_csv(",,,,Lead Radiographer,,,,,,Xk9#mQ2$vL7!pR,amir.khan@nhs.net,")
    first = roster.apply(text)
    stored = roster.directory.credentials[AMIR.email]["password_hash"]

    again = roster.apply(text, file_name="again.csv")

    assert _results(roster, first.upload_id)[2] == (RowResult.UPDATED, "Updated Job Title, Password.")
    assert _results(roster, again.upload_id)[2] == (RowResult.UNCHANGED,
                                                    "Nothing to change: the account already has these values.")
    assert roster.directory.credentials[AMIR.email]["password_hash"] == stored  # not hashed and written again


def test_given_an_update_whose_password_differs_from_the_stored_one_then_it_is_updated(roster: Roster) -> None:
    roster.apply(current_csv(",,,,,,,,,,Xk9#mQ2$vL7!pR,amir.khan@nhs.net,"))

    upload = roster.apply(current_csv(",,,,,,,,,,Vb3!nW8%tY6@hJ,amir.khan@nhs.net,"), file_name="new.csv")

    assert _results(roster, upload.upload_id)[2] == (RowResult.UPDATED, "Updated Password.")
    assert verify_password("Vb3!nW8%tY6@hJ", roster.directory.credentials[AMIR.email]["password_hash"])


def test_given_a_new_user_planned_unchanged_when_its_record_is_gone_then_it_fails_rather_than_create_again(
        roster: Roster) -> None:
    roster.apply(NEW_USERS)
    accounts = len(roster.directory.accounts_by_email)
    upload = roster.upload(NEW_USERS, file_name="again.csv")  # planned Unchanged: already created
    roster.directory.identity_records.clear()  # e.g. past its retention since validation

    roster.run_batches(upload.upload_id)

    assert {result for result, _ in _results(roster, upload.upload_id).values()} == {RowResult.FAILED}
    assert _results(roster, upload.upload_id)[2][1].startswith("Planned as unchanged when validated, because an earlier "
                                                               "upload had created this user")
    assert len(roster.directory.accounts_by_email) == accounts
