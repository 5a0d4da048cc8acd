"""The `Upload failed:` email of an upload stopped before it had a results file (csv-contract 9)."""

from __future__ import annotations

from roster.emails import to_mime, upload_failed_email


def test_before_the_create_phase_nothing_was_changed():
    email = upload_failed_email("roster@x.nhs.net", "admin@x.nhs.net", "C:\\staff\r\nBcc: a@b.csv", "job-7")

    assert email.subject == "Upload failed: staff Bcc: a@b.csv"
    assert "Nothing was created or changed" in email.body and "quote upload job-7" in email.body
    assert email.attachment is None and email.job_id == "job-7"
    assert b"\r\nBcc:" not in to_mime(email)


def test_during_the_create_phase_it_says_rows_may_have_been_applied_and_repeating_is_safe():
    email = upload_failed_email("roster@x.nhs.net", "admin@x.nhs.net", "staff.csv", "job-8", rows_may_be_applied=True)

    assert "may already have been applied" in email.body
    assert "no account is created twice" in email.body
    assert "Nothing was created" not in email.body
