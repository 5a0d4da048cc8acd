"""The validate step on in-memory fakes: the upload, the report, the email or the batches, and
the create phase started or queued."""

from __future__ import annotations

import base64

from roster.create.batches import password_purpose, read_all_batches
from roster.model.rows import RowAction
from roster.model.uploads import UploadState
from roster.passwords.sealing import UploadCipher
from roster.validate.upload import UploadLimits, validate_upload
from tests.conftest import current_csv
from tests.unit.conftest import ADMIN, Roster, settings

GOOD = current_csv(
    ",Jane,Doe,,Nurse,RX1,Cardiology,,,,Xk9#mQ2$vL7!pR,,",
    ",,,,,,,,,,,sarah.oconnor@nhs.net,leaver",
)
BAD = current_csv(",Jane,Doe,,Nurse,RX9,,,,,,,")


def test_given_a_file_with_an_error_when_received_then_the_upload_is_invalid_and_the_report_is_emailed(
        roster: Roster) -> None:
    upload = roster.upload(BAD)

    assert upload.state is UploadState.INVALID and upload.counts["errors"] == 1
    assert "RX9" in roster.files.text(upload.report_key or "")
    [email] = roster.mailer.emails_for(upload.upload_id)
    assert email.subject == "Validation failed: users.csv" and email.attachment_name == "users-validation.csv"
    assert roster.workflow.executions == {} and upload.batch_list_key is None


def test_given_a_validate_only_upload_when_it_passes_then_nothing_is_applied(roster: Roster) -> None:
    upload = roster.upload(GOOD, validate_only=True)

    assert upload.state is UploadState.VALIDATED
    [email] = roster.mailer.emails_for(upload.upload_id)
    assert email.subject.startswith("Validated:")
    assert roster.workflow.executions == {} and roster.queue.queued == {}


def test_given_a_valid_file_when_received_then_its_batches_are_written_and_the_create_phase_starts(
        roster: Roster) -> None:
    upload = roster.upload(GOOD)

    assert upload.state is UploadState.CREATING and upload.orgs == ["RX1"] and upload.batch_count == 1
    assert roster.workflow.executions == {upload.upload_id: {"job_id": upload.upload_id, "bucket": upload.bucket,
                                                             "batch_list_key": upload.batch_list_key}}
    assert roster.queue.holder("RX1") == upload.upload_id and roster.queue.queued == {}
    assert roster.mailer.sent == {}  # the results email comes from notify


def test_given_a_supplied_password_then_the_batch_file_holds_it_only_sealed(roster: Roster) -> None:
    upload = roster.upload(GOOD)

    rows = read_all_batches(roster.files, upload.upload_id)
    assert [(r.line, r.action) for r in rows] == [(2, RowAction.CREATE), (3, RowAction.LEAVER)]
    assert "Xk9#mQ2$vL7!pR" not in roster.files.text(f"batches/{upload.upload_id}/00001.json")
    cipher = UploadCipher.open(roster.keys, base64.b64decode(upload.data_key or ""), upload.upload_id)
    assert cipher.unseal(rows[0].sealed_password or "", password_purpose(2)) == "Xk9#mQ2$vL7!pR"


def test_given_an_organisation_held_by_another_upload_then_the_upload_waits_in_the_queue(roster: Roster) -> None:
    first = roster.upload(GOOD)
    second = roster.upload(GOOD, file_name="second.csv")

    assert second.state is UploadState.QUEUED
    assert list(roster.workflow.executions) == [first.upload_id]
    assert [entry.upload_id for entry in roster.queue.waiting()] == [second.upload_id]


def test_given_a_repeated_event_for_a_finished_upload_then_the_same_upload_comes_back_and_no_email_is_repeated(
        roster: Roster) -> None:
    key = roster.files.upload(ADMIN, "bad.csv", BAD.encode())
    first = roster.validate_step().receive(key, None)

    again = roster.validate_step().receive(key, None)

    assert again.upload_id == first.upload_id and again.state is UploadState.INVALID
    assert len(roster.mailer.sent) == 1


def test_given_an_uploader_who_administers_nothing_then_the_file_is_refused_whole(roster: Roster) -> None:
    upload = roster.upload(GOOD, admin="stranger@nhs.net")

    assert upload.state is UploadState.INVALID
    assert "You do not administer any organisation" in roster.files.text(upload.report_key or "")


# -- files whose size alone decides (issue 8: nothing stranded, nothing wrong) ---------------

def test_given_an_empty_file_when_received_then_the_upload_is_invalid_with_one_email_saying_so(roster: Roster) -> None:
    upload = roster.upload("")

    assert upload.state is UploadState.INVALID and upload.counts["errors"] == 1
    [email] = roster.mailer.emails_for(upload.upload_id)
    assert email.subject == "Validation failed: users.csv"
    assert "The file is empty; upload a CSV file with the header row" in email.attachment.decode("utf-8")


def test_given_a_file_over_the_size_limit_then_the_report_states_its_real_size(roster: Roster) -> None:
    roster.settings = settings(max_upload_bytes=1000)
    text = GOOD + ",Ann,Lee,,Nurse,RX1,,,,,,,\r\n" * 200
    assert len(text.encode()) == 5_857  # 5.7 KB, of which validation reads 1,001 bytes

    upload = roster.upload(text)

    assert upload.state is UploadState.INVALID
    report = roster.files.text(upload.report_key or "")
    assert "The file is 5.7 KB, above the 1,000 bytes allowed for one upload." in report


def test_given_a_file_without_its_header_row_then_no_cell_of_its_first_line_is_reported_or_emailed(
        roster: Roster) -> None:
    upload = roster.upload(",Jane,Doe,,Nurse,RX1,,,,,Xk9#mQ2$vL7!pR,,\r\n,Ann,Lee,,Porter,RX1,,,,,,,\r\n")

    assert upload.state is UploadState.INVALID
    report = roster.files.text(upload.report_key or "")
    assert "The first line is not a header row: none of its 13 cells is a column name" in report
    [email] = roster.mailer.emails_for(upload.upload_id)
    for text in (report, email.body, (email.attachment or b"").decode("utf-8")):
        assert "Xk9#mQ2$vL7!pR" not in text and "Jane" not in text and "Doe" not in text


def test_given_users_an_earlier_upload_created_when_uploaded_again_then_no_duplicate_warning_and_planned_unchanged(
        roster: Roster) -> None:
    text = current_csv(",Jane,Doe,,Nurse,RX1,Cardiology,,,,,,", ",Ann,Lee,,Porter,RX1,,,,,,,")
    first = roster.apply(text)
    created = {o.line: o.email for o in roster.uploads.outcomes(first.upload_id).values()}

    outcome = validate_upload(text.encode(), ADMIN, roster.directory, UploadLimits())
    again = roster.upload(text, file_name="again.csv")

    assert outcome.findings == [] and again.counts["warnings"] == 0  # no "possible duplicate" of themselves
    assert [(row.action, row.assigned_email, row.note) for row in outcome.rows] == [
        (RowAction.UNCHANGED, created[line],
         f"Already created as {created[line]} by upload {first.upload_id} on 2026-11-24")  # create's clock
        for line in (2, 3)]


def test_given_a_namesake_of_a_user_an_earlier_upload_created_then_the_warning_stays(roster: Roster) -> None:
    roster.apply(current_csv(",Jane,Doe,,Nurse,RX1,Cardiology,,,,,,"))

    upload = roster.upload(current_csv(",Jane,Doe,,Porter,RX1,,,,,,,"), validate_only=True)  # another Jane Doe

    assert upload.counts["warnings"] == 1
    assert "already has the name Jane Doe (jane.doe@nhs.net)" in roster.files.text(upload.report_key or "")
