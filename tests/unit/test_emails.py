"""The uploader's emails (docs/approval-and-plan.md#emails) and their MIME form."""

import email
from datetime import UTC, datetime, timedelta, timezone
from email import policy

import pytest

from roster.emails import (
    OutgoingEmail,
    file_stem,
    to_mime,
    upload_complete_email,
    upload_failed_email,
    validated_email,
    validation_failed_email,
)
from roster.model.files import DownloadLink
from roster.notify.email_files import EmailFile, FileKind, attached

SENDER = "Roster <roster@mail.example.nhs.net>"
ADMIN = "admin@example.nhs.net"
COUNTS = {"rows": 12, "created": 7, "updated": 2, "leavers": 1, "joiners": 1, "unchanged": 1, "failed": 0}


def report(text: str = "", name: str = "staff-validation.csv") -> EmailFile:
    return attached(FileKind.VALIDATION, name, text.encode("utf-8"))


def results(content: bytes) -> EmailFile:
    return attached(FileKind.RESULTS, "staff-results.csv", content)


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def attachments(message):
    return list(message.iter_attachments())


@pytest.mark.parametrize(
    ("file_name", "stem"),
    [
        ("staff.csv", "staff"),
        ("New Starters (March).CSV", "New_Starters_March"),
        ("uploads/admin/2024.06.staff.csv", "2024.06.staff"),
        ("C:\\Users\\me\\Zoë's list.csv", "Zoe_s_list"),
        ("noextension", "noextension"),
        (".csv", "csv"),
        ("", "upload"),
        ("王.csv", "Wang"),
        ("../../..", "upload"),
        ("evil\r\nBcc: x@y.csv", "evil_Bcc_x_y"),
    ],
)
def test_file_stem(file_name, stem):
    assert file_stem(file_name) == stem


def test_mime_headers_and_body():
    outgoing = OutgoingEmail(SENDER, ADMIN, "Validated: staff.csv", "Hello Zoë\n", upload_id="job-42")
    when = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)
    raw = to_mime(outgoing, now=when)
    assert b"\r\n" in raw
    message = parse(raw)
    assert message["From"] == SENDER
    assert message["To"] == ADMIN
    assert message["Subject"] == "Validated: staff.csv"
    assert message["X-Roster-Job"] == "job-42"
    assert message["Date"].datetime == when
    assert message["Message-ID"].endswith("@mail.example.nhs.net>")
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == "Hello Zoë\r\n"  # SMTP policy: CRLF line endings
    assert attachments(message) == []


def test_message_ids_are_unique():
    outgoing = OutgoingEmail(SENDER, ADMIN, "s", "b", upload_id="j")
    assert parse(to_mime(outgoing))["Message-ID"] != parse(to_mime(outgoing))["Message-ID"]


def test_attachment_decodes_to_the_same_bytes():
    data = 'Line,Column,Value,Severity,Message\r\n3,First Name,"Zoë, =1",error,"Bad ""name"""\r\n'.encode()
    outgoing = OutgoingEmail(SENDER, ADMIN, "s", "body", "staff-validation.csv", data, "job-1")
    message = parse(to_mime(outgoing))
    assert message.get_content_type() == "multipart/mixed"
    assert message.get_body(("plain",)).get_content() == "body\r\n"
    [part] = attachments(message)
    assert part.get_content_type() == "text/csv"
    assert part.get_param("charset") == "utf-8"
    assert part.get_filename() == "staff-validation.csv"
    assert part.get_payload(decode=True) == data


def test_validation_failed_email():
    text = "Line,Column,Value,Severity,Message\r\n4,Mobile Phone,123,error,Not a UK mobile number\r\n"
    outgoing = validation_failed_email(SENDER, ADMIN, "uploads/x/Staff List.csv", "job-7", 3, 1,
                                       report(text, "Staff_List-validation.csv"))
    assert outgoing.subject == "Validation failed: Staff List.csv"
    assert outgoing.attachment_name == "Staff_List-validation.csv"
    assert outgoing.attachment == text.encode("utf-8")
    assert (outgoing.sender, outgoing.recipient, outgoing.upload_id) == (SENDER, ADMIN, "job-7")
    assert "3 errors and 1 warning" in outgoing.body
    assert "Nothing was created" in outgoing.body
    assert "line and column" in outgoing.body
    assert "upload it again" in outgoing.body


def test_validation_failed_singular_error():
    outgoing = validation_failed_email(SENDER, ADMIN, "a.csv", "j", 1, 0, report())
    assert "1 error and 0 warnings" in outgoing.body


def test_validated_email():
    outgoing = validated_email(SENDER, ADMIN, "staff.csv", "job-8", 25, 2, report("Line,Column\r\n"))
    assert outgoing.subject == "Validated: staff.csv"
    assert outgoing.attachment_name == "staff-validation.csv"
    assert "25 rows" in outgoing.body and "2 warnings" in outgoing.body
    assert "nothing was created" in outgoing.body
    assert "roster apply job-8" in outgoing.body and "Upload button" in outgoing.body
    assert "upload the file again" not in outgoing.body


def test_validated_email_without_warnings_still_attaches_the_report():
    outgoing = validated_email(SENDER, ADMIN, "staff.csv", "job-8", 1, 0, report("Line,Column,Value,Severity,Message\r\n"))
    assert outgoing.attachment == b"Line,Column,Value,Severity,Message\r\n"
    assert "no warnings" in outgoing.body.lower()


def test_upload_complete_with_attachment():
    content = b"First Name,Result\r\nJo,Created\r\n"
    outgoing = upload_complete_email(SENDER, ADMIN, "staff.csv", "job-9", COUNTS, results(content))
    assert outgoing.subject == "Upload complete: staff.csv"
    assert outgoing.attachment_name == "staff-results.csv"
    assert outgoing.attachment == content
    for line in ("Rows: 12", "Created: 7", "Updated: 2", "Leavers: 1", "Joiners: 1", "Unchanged: 1", "Failed: 0"):
        assert line in outgoing.body.splitlines()
    assert "Temporary Password" in outgoing.body
    assert "local policy" in outgoing.body
    assert "system error" not in outgoing.body
    [part] = attachments(parse(to_mime(outgoing)))
    assert part.get_payload(decode=True) == content


def test_upload_complete_with_link_instead_of_attachment():
    link = "https://bucket.s3.amazonaws.com/results/job-9.csv?X-Amz-Signature=abc"
    expires = datetime(2026, 11, 25, 13, 5, 59, tzinfo=timezone(timedelta(hours=1)))
    linked = EmailFile(FileKind.RESULTS, "staff-results.csv", "results/job-9/staff-results.csv",
                       link=DownloadLink(link, expires), kept_until=datetime(2026, 12, 24, 9, 0, tzinfo=UTC))
    outgoing = upload_complete_email(SENDER, ADMIN, "staff.csv", "job-9", COUNTS, linked)
    assert outgoing.attachment is None and outgoing.attachment_name is None
    assert link in outgoing.body.splitlines()
    assert "Download it from this link, which works until 2026-11-25 12:05 UTC:" in outgoing.body
    assert "The results file, staff-results.csv, is too large to attach." in outgoing.body
    assert "It is your file with four columns added" in outgoing.body
    assert "To fetch it again at any time until 2026-12-24, run: roster results job-9" in outgoing.body
    message = parse(to_mime(outgoing))
    assert attachments(message) == []
    assert link in message.get_content()


def test_upload_complete_after_a_system_error_explains_the_retry():
    counts = {**COUNTS, "created": 3, "failed": 5}
    outgoing = upload_complete_email(SENDER, ADMIN, "staff.csv", "job-9", counts, results(b"x"), failed=True)
    assert outgoing.subject == "Upload failed: staff.csv"
    assert "system error" in outgoing.body
    assert "The 5 rows that were not processed are marked Failed" in outgoing.body
    assert "Upload the results file again" in outgoing.body
    assert "created twice" in outgoing.body


def test_upload_complete_with_row_failures_but_no_system_error():
    counts = {**COUNTS, "failed": 1}
    outgoing = upload_complete_email(SENDER, ADMIN, "staff.csv", "job-9", counts, results(b"x"))
    assert "system error" not in outgoing.body
    assert "1 row failed" in outgoing.body


def test_missing_counts_are_zero():
    outgoing = upload_complete_email(SENDER, ADMIN, "staff.csv", "job-9", {"rows": 1, "created": 1}, results(b"x"))
    assert "Leavers: 0" in outgoing.body.splitlines()


def test_file_name_cannot_inject_headers():
    outgoing = validated_email(SENDER, ADMIN, "a\r\nBcc: victim@example.com.csv", "j", 1, 0, report())
    message = parse(to_mime(outgoing))
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"]
    assert message["Subject"].startswith("Validated: ")


def test_non_ascii_subject_round_trips():
    outgoing = validated_email(SENDER, ADMIN, "Zoë-王.csv", "j", 1, 0, report())
    assert parse(to_mime(outgoing))["Subject"] == "Validated: Zoë-王.csv"


# -- `Upload failed:`: an upload stopped before it had a results file (docs/approval-and-plan.md#emails) ----

def test_before_the_create_phase_nothing_was_changed():
    email = upload_failed_email("roster@x.nhs.net", "admin@x.nhs.net", "C:\\staff\r\nBcc: a@b.csv", "job-7")

    assert email.subject == "Upload failed: staff Bcc: a@b.csv"
    assert "Nothing was created or changed" in email.body and "quote upload job-7" in email.body
    assert email.attachment is None and email.upload_id == "job-7"
    assert b"\r\nBcc:" not in to_mime(email)


def test_during_the_create_phase_it_says_rows_may_have_been_applied_and_repeating_is_safe():
    email = upload_failed_email("roster@x.nhs.net", "admin@x.nhs.net", "staff.csv", "job-8", rows_may_be_applied=True)

    assert "may already have been applied" in email.body
    assert "no account is created twice" in email.body
    assert "Nothing was created" not in email.body
