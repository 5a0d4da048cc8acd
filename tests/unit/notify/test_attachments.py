"""Emails within SES's limits (docs/csv-format.md, "Emails"): a file too big to attach becomes a
link, whichever email carries it; an email to more than 50 people goes as several messages."""

from __future__ import annotations

from roster.emails import OutgoingEmail, to_mime
from roster.model.uploads import UploadState
from roster.notify.attachments import SES_RAW_MESSAGE_BYTES, EmailAttachments, WantedFile
from roster.notify.email_files import EmailFile, FileKind
from roster.notify.recipients import in_parts, part_kind
from tests.conftest import current_csv
from tests.unit.conftest import Roster, settings
from tests.unit.fakes import FakeFiles

BAD = current_csv(",Jane,Doe,,Nurse,RX9,,,,,,,")
GOOD = current_csv(",Jane,Doe,,Nurse,RX1,Cardiology,,,,Xk9#mQ2$vL7!pR,,",
                   ",,,,,,,,,,,sarah.oconnor@nhs.net,leaver")


def _files(**sizes: int) -> FakeFiles:
    files = FakeFiles()
    for key, size in sizes.items():
        files.put_text(key, "x" * size)
    return files


def _build(files: list[EmailFile]) -> OutgoingEmail:
    attached = [(f.name, f.content) for f in files if f.content is not None]
    links = "\n".join(f.link.url for f in files if f.link is not None)
    return OutgoingEmail("roster@nhs.net", "admin@nhs.net", "s", links, upload_id="j",
                         more_attachments=tuple(attached))


def test_files_within_the_limit_together_are_all_attached() -> None:
    chooser = EmailAttachments(_files(a=40, b=50), limit_bytes=100)

    email = chooser.email([WantedFile(FileKind.VALIDATION, "a.csv", "a"), WantedFile(FileKind.PLAN, "b.csv", "b")],
                          _build)

    assert [name for name, _ in email.attachments] == ["a.csv", "b.csv"] and email.body == ""


def test_past_the_limit_together_the_biggest_is_linked_and_the_rest_attached() -> None:
    chooser = EmailAttachments(_files(a=40, b=70), limit_bytes=100)

    email = chooser.email([WantedFile(FileKind.VALIDATION, "a.csv", "a"), WantedFile(FileKind.PLAN, "b.csv", "b")],
                          _build)

    assert [name for name, _ in email.attachments] == ["a.csv"]
    assert email.body == f"https://{FakeFiles().bucket}.example/b?expires-in={7 * 86400}"


def test_a_limit_set_above_what_ses_takes_still_gives_an_email_ses_takes() -> None:
    big = SES_RAW_MESSAGE_BYTES  # attached, base64 makes it a third bigger than SES's 10 MB
    chooser = EmailAttachments(_files(a=big), limit_bytes=2 * big)

    email = chooser.email([WantedFile(FileKind.RESULTS, "a.csv", "a")], _build)

    assert email.attachments == [] and "expires-in" in email.body
    assert len(to_mime(email)) <= SES_RAW_MESSAGE_BYTES


def test_given_a_validation_report_too_big_to_attach_then_validation_failed_links_it(roster: Roster) -> None:
    roster.settings = settings(attachment_limit_bytes=50)
    upload = roster.upload(BAD)

    [email] = roster.mailer.emails_for(upload.upload_id)
    assert upload.state is UploadState.INVALID and email.subject == "Validation failed: users.csv"
    assert email.attachments == []
    assert (f"The report, users-validation.csv, is too large to attach. Download it from this link, which works "
            f"until 2026-12-01 12:00 UTC:\nhttps://{FakeFiles().bucket}.example/{upload.report_key}") in email.body
    assert "It lists each mistake by line and column" in email.body
    assert f"run: roster validation {upload.upload_id}" in email.body


def test_given_a_plan_too_big_to_attach_then_validated_attaches_the_report_and_links_the_plan(roster: Roster) -> None:
    roster.settings = settings(attachment_limit_bytes=100)
    upload = roster.upload(GOOD, validate_only=True)

    [email] = roster.mailer.emails_for(upload.upload_id)
    assert [name for name, _ in email.attachments] == ["users-validation.csv"]
    assert len(roster.files.read(upload.plan_key or "")) > 100 >= len(roster.files.read(upload.report_key or ""))
    assert "The plan, users-plan.csv, is too large to attach." in email.body
    assert f"https://{FakeFiles().bucket}.example/{upload.plan_key}" in email.body
    assert f"run: roster plan {upload.upload_id}" in email.body


def test_given_fifty_five_recipients_then_two_messages_of_fifty_and_five_each_naming_only_its_own() -> None:
    people = tuple(f"admin{i}@nhs.net" for i in range(1, 55))
    email = OutgoingEmail("roster@nhs.net", "uploader@nhs.net", "Approval needed: x", "body", upload_id="j",
                          also_to=people)

    first, second = in_parts(email)

    assert first.recipients == ["uploader@nhs.net", *people[:49]] and second.recipients == list(people[49:])
    assert "admin50@nhs.net" not in to_mime(first).decode() and "admin49@nhs.net" not in to_mime(second).decode()
    assert (first.body, first.subject) == (second.body, second.subject)
    assert [part_kind("k", n) for n in range(2)] == ["k", "k#part2"]


def test_recipients_differing_only_in_case_are_one_recipient() -> None:
    people = tuple(f"Admin{i}@nhs.net" for i in range(50))
    email = OutgoingEmail("roster@nhs.net", "admin0@nhs.net", "s", "b", also_to=people)

    [only] = in_parts(email)

    assert len(only.recipients) == 50 and only.recipient == "admin0@nhs.net"


def test_fifty_recipients_are_one_message_unchanged() -> None:
    email = OutgoingEmail("roster@nhs.net", "a@nhs.net", "s", "b", also_to=tuple(f"{i}@nhs.net" for i in range(49)))

    assert in_parts(email) == [email]
