"""The notify step on in-memory fakes: the results file, the final state, one email, and the
organisations handed on to the next upload."""

from __future__ import annotations

from datetime import datetime, timedelta

from roster.contract.results_file import parse_results_csv
from roster.model.requests import BatchRequest
from roster.model.uploads import UploadState
from tests.conftest import current_csv
from tests.unit.conftest import Roster, settings

USERS = current_csv(
    ",Jane,Doe,,Nurse,RX1,Cardiology,,,,,,",
    ",,,,Lead Radiographer,,,,,,,amir.khan@nhs.net,",
)
FAILURE = {"Error": "States.TaskFailed", "Cause": "create batch 1 gave up after 10 attempts"}


def _results(roster: Roster, upload_id: str) -> list[dict]:
    upload = roster.uploads.get(upload_id)
    return parse_results_csv(roster.files.text(upload.results_key or ""))


def test_given_every_row_applied_when_finished_then_the_upload_completes_and_the_results_are_attached(
        roster: Roster) -> None:
    upload = roster.apply(USERS)

    assert upload.state is UploadState.COMPLETED
    assert (upload.counts["created"], upload.counts["updated"], upload.counts["failed"]) == (1, 1, 0)
    rows = _results(roster, upload.upload_id)
    assert [(r["Result"], r["Assigned Email"]) for r in rows] == [("Created", "jane.doe@nhs.net"),
                                                                  ("Updated", "amir.khan@nhs.net")]
    assert len(rows[0]["Temporary Password"]) == 16 and rows[1]["Temporary Password"] == ""
    [email] = roster.mailer.emails_for(upload.upload_id)
    assert email.subject == "Upload complete: users.csv"
    assert email.attachment_name == "users-results.csv" and email.attachment == roster.files.read(upload.results_key)
    assert roster.queue.holds == {}


def test_given_a_create_phase_that_failed_when_finished_then_the_upload_fails_and_the_email_says_so(
        roster: Roster) -> None:
    upload = roster.upload(USERS)  # validated, holds taken, execution started: no batch ever ran

    finished = roster.notify_step().finish(upload.upload_id, FAILURE)

    assert finished.state is UploadState.FAILED
    assert finished.error == ("States.TaskFailed: create batch 1 gave up after 10 attempts; 2 rows were not "
                              "processed")
    assert [r["Result"] for r in _results(roster, upload.upload_id)] == ["Failed", "Failed"]
    assert _results(roster, upload.upload_id)[0]["Message"].startswith("Not processed: the upload stopped on a system error")
    [email] = roster.mailer.emails_for(upload.upload_id)
    assert email.subject == "Upload failed: users.csv"  # docs/approval-and-plan.md#emails
    assert email.attachment_name == "users-results.csv" and email.attachment == roster.files.read(finished.results_key)
    assert "stopped processing users.csv" in email.body and "because of a system error" in email.body
    assert roster.queue.holds == {}


def test_given_rows_done_before_the_failure_then_they_keep_their_results(roster: Roster) -> None:
    upload = roster.upload(USERS)
    roster.run_batches(upload.upload_id)

    finished = roster.notify_step().finish(upload.upload_id, FAILURE)

    assert finished.state is UploadState.FAILED and finished.error == "States.TaskFailed: create batch 1 gave up " \
                                                                   "after 10 attempts"
    assert [r["Result"] for r in _results(roster, upload.upload_id)] == ["Created", "Updated"]
    [email] = roster.mailer.emails_for(upload.upload_id)
    assert email.subject == "Upload failed: users.csv"  # whatever was done before the failure


def test_given_only_the_first_of_two_batches_done_then_only_the_second_batchs_row_is_not_processed(
        roster: Roster) -> None:
    roster.settings = settings(batch_size=1)
    upload = roster.upload(USERS)
    first = roster.files.get_json(upload.batch_list_key or "")[0]
    roster.create_step(upload.upload_id).run_batch(BatchRequest(upload_id=upload.upload_id, bucket=roster.files.bucket, **first))

    finished = roster.notify_step().finish(upload.upload_id, FAILURE)

    assert finished.error == "States.TaskFailed: create batch 1 gave up after 10 attempts; 1 rows were not processed"
    assert [r["Result"] for r in _results(roster, upload.upload_id)] == ["Created", "Failed"]
    assert (finished.counts["created"], finished.counts["updated"], finished.counts["failed"]) == (1, 0, 1)


def test_given_results_too_big_to_attach_then_the_email_carries_a_link_instead(roster: Roster) -> None:
    roster.settings = settings(attachment_limit_bytes=100)
    upload = roster.apply(USERS)

    [email] = roster.mailer.emails_for(upload.upload_id)
    assert email.attachment is None and email.attachment_name is None
    link = f"https://{roster.files.bucket}.example/{upload.results_key}?expires-in={7 * 86400}"
    # The exact moment the link stops working (the fake signs at 2026-11-24 12:00 UTC, for 7 days) ...
    assert ("The results file, users-results.csv, is too large to attach. Download it from this link, which works "
            f"until 2026-12-01 12:00 UTC:\n{link}\n") in email.body
    # ... and how to fetch the results again for as long as the bucket keeps them (30 days from the upload).
    kept_until = (datetime.fromisoformat(upload.created_at) + timedelta(days=30)).strftime("%Y-%m-%d")
    assert (f"To fetch it again at any time until {kept_until}, run: roster results {upload.upload_id}\n"
            "or open this upload in the Uploads table of the Roster console.") in email.body


def test_given_notify_retried_after_it_finished_then_nothing_is_sent_or_written_twice(roster: Roster) -> None:
    upload = roster.apply(USERS)
    results = roster.files.read(upload.results_key or "")

    again = roster.notify_step().finish(upload.upload_id)

    assert again.state is UploadState.COMPLETED and again.counts == upload.counts
    assert roster.files.read(upload.results_key or "") == results
    assert len(roster.mailer.sent) == 1


def test_given_an_upload_waiting_for_the_organisation_when_the_first_finishes_then_it_starts(
        roster: Roster) -> None:
    first = roster.upload(USERS)
    second = roster.upload(current_csv(",Ann,Lee,,Porter,RX1,,,,,,,"), file_name="second.csv")
    assert second.state is UploadState.QUEUED
    roster.run_batches(first.upload_id)

    roster.notify_step().finish(first.upload_id)

    assert roster.uploads.get(second.upload_id).state is UploadState.CREATING
    assert list(roster.workflow.executions) == [first.upload_id, second.upload_id]
    assert roster.queue.holder("RX1") == second.upload_id and roster.queue.waiting() == []


def test_given_a_results_file_row_whose_data_cells_were_cleared_then_validation_and_results_both_skip_it(
        roster: Roster) -> None:
    first = roster.apply(USERS)
    results = roster.files.text(first.results_key or "").splitlines()
    cleared = ",,,,,,,,,,,,,Failed,Not processed,," + "\r\n"  # data cells cleared, result cells left
    text = "\r\n".join([results[0], results[1], cleared.rstrip("\r\n"), results[2]]) + "\r\n"

    upload = roster.apply(text, file_name="users-results.csv")

    assert upload.counts["rows"] == 2 and upload.counts["failed"] == 0
    assert [r["Result"] for r in _results(roster, upload.upload_id)] == ["Unchanged", "Unchanged"]


def test_given_a_one_step_upload_with_warnings_then_each_rows_message_and_the_email_carry_them(
        roster: Roster) -> None:
    upload = roster.apply(current_csv(",Amir,Khan,,Porter,RX1,,,,,,,",  # a namesake of amir.khan@nhs.net
                                      ",,,,Nurse,RY2,,,,,,tom.baker@nhs.net,"))  # a joiner

    rows = _results(roster, upload.upload_id)
    assert rows[0]["Result"] == "Created" and rows[0]["Message"].startswith("Created directly under Leeds")
    assert rows[0]["Message"].endswith(
        " Validation warning: An active account in organisation RX1 already has the name Amir Khan "
        "(amir.khan@nhs.net); check that this is a different person before creating another account, or update "
        "that account instead.")
    # The joiner's expected notice is not a warning to check: its result says what was done.
    assert rows[1]["Message"] == "Moved from leaver state to organisation RY2 and made active."
    [email] = roster.mailer.emails_for(upload.upload_id)
    assert ("Validation gave 1 warning (line 2). They did not stop the upload, but check them: each is in the "
            "Message column of its row in the results file, after what was done.") in email.body


def test_given_no_warnings_then_messages_and_email_say_nothing_of_them(roster: Roster) -> None:
    upload = roster.apply(USERS)

    assert "Validation warning" not in roster.files.text(upload.results_key or "")
    [email] = roster.mailer.emails_for(upload.upload_id)
    assert "warning" not in email.body


def test_given_a_results_file_whose_rows_were_cleared_in_every_way_then_counts_and_results_agree(
        roster: Roster) -> None:
    first = roster.apply(current_csv(",Jane,Doe,,Nurse,RX1,Cardiology,,,,Xk9#mQ2$vL7!pR,,",
                                     ",,,,Lead Radiographer,,,,,,,amir.khan@nhs.net,"))
    results = roster.files.text(first.results_key or "").split("\r\n")
    cleared = [
        ",,,,,,,,,,,,,Failed,Not processed,,",  # the row's own cells cleared, its result cells left
        ",,,,,,,,,,********,,,Created,Created,jo@nhs.net,",  # all cleared but the masked password
        "  ,\u00a0,,,,,,,,,,,,,,,",  # spaces, a non-breaking one too
    ]
    text = "\r\n".join([results[0], *cleared, results[1], cleared[0], results[2]]) + "\r\n"

    upload = roster.apply(text, file_name="users-results.csv")

    rows = _results(roster, upload.upload_id)
    assert upload.state is UploadState.COMPLETED and upload.error is None
    assert [r["Result"] for r in rows] == ["Unchanged", "Unchanged"]
    counted = sum(upload.counts[name] for name in ("created", "updated", "leavers", "joiners", "unchanged", "failed"))
    assert upload.counts["rows"] == counted == len(rows) == 2
    assert not any(r["Message"].startswith("Not processed") for r in rows)
