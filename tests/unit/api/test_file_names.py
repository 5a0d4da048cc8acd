"""A file's name is the administrator's to choose, and shown in emails, the console and the
terminal: one Roster cannot show is refused at the door, and a name that arrives any other way
is shown safely, so that no email fails and no organisation stays held (issue 18, defect 4)."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from roster.approval.emails import approval_needed_email, upload_cancelled_email
from roster.emails import (
    file_stem,
    to_mime,
    upload_complete_email,
    upload_failed_email,
    validated_email,
    validation_failed_email,
)
from roster.model.uploads import Upload, UploadState
from roster.notify.email_files import EmailFile, FileKind
from tests.conftest import current_csv
from tests.unit.conftest import Roster

UNUSABLE = {"\u0085": "U+0085", "\u2028": "U+2028", "\u2029": "U+2029", "\x1b": "U+001B", "\u202e": "U+202E",
            "\ud800": "U+D800", "\u200b": "U+200B"}


@pytest.mark.parametrize("character, named", UNUSABLE.items())
def test_given_a_name_holding_an_unusable_character_then_post_uploads_is_400_naming_it(api, character, named):
    answer = api.request("POST", "/uploads", body={"file_name": f"staff{character}list.csv",
                                                   "validate_only": True})

    assert answer.status == 400
    assert named in answer.json()["message"] and "rename" in answer.json()["message"]
    assert api.records.records == {}


def test_given_an_accented_or_spaced_name_then_it_is_accepted(api):
    assert api.request("POST", "/uploads", body={"file_name": "Équipe – nouveaux (2026).csv"}).status == 201


def _every_email(file_name: str) -> list:
    upload = Upload(upload_id="a" * 32, bucket="b", key="k", file_name=file_name, uploader="a@nhs.net",
                    state=UploadState.CANCELLED, approval_administrators={"RX1": ["a@nhs.net", "b@nhs.net"]},
                    approval_reasons=["1 of 2"], approval_deadline="2026-03-08T09:00:00+00:00")
    stem = file_stem(file_name)

    def attached(kind: FileKind, suffix: str) -> EmailFile:
        return EmailFile(kind, f"{stem}-{suffix}.csv", f"reports/{upload.upload_id}/{suffix}.csv", content=b"Line\r\n")

    report, plan = attached(FileKind.VALIDATION, "validation"), attached(FileKind.PLAN, "plan")
    return [
        validation_failed_email("r@nhs.net", "a@nhs.net", file_name, upload.upload_id, 1, 0, report),
        validated_email("r@nhs.net", "a@nhs.net", file_name, upload.upload_id, 1, 0, report, plan),
        upload_complete_email("r@nhs.net", "a@nhs.net", file_name, upload.upload_id, {"rows": 1},
                              attached(FileKind.RESULTS, "results")),
        upload_failed_email("r@nhs.net", "a@nhs.net", file_name, upload.upload_id),
        approval_needed_email("r@nhs.net", upload, plan),
        upload_cancelled_email("r@nhs.net", upload),
    ]


@pytest.mark.parametrize("character", UNUSABLE)
def test_given_a_name_that_came_another_way_then_every_email_is_sent_with_it_shown_safely(character):
    for email in _every_email(f"staff{character}list.csv"):
        sent = message_from_bytes(to_mime(email), policy=policy.default)

        assert character not in str(sent["Subject"]) and "staff" in str(sent["Subject"])
        for part in sent.iter_attachments():
            assert character not in (part.get_filename() or "")


def test_given_an_email_that_cannot_be_sent_then_the_organisations_hold_is_still_released(roster: Roster) -> None:
    upload = roster.upload(current_csv(",Jane,Doe,,Nurse,RX1,Cardiology,,,,,,"))
    roster.run_batches(upload.upload_id)

    def refuse(kind, email):
        raise ValueError("SES refused the message")

    roster.mailer.send_once = refuse  # type: ignore[method-assign]
    with pytest.raises(ValueError):
        roster.notify_step().finish(upload.upload_id)

    assert roster.uploads.get(upload.upload_id).state is UploadState.COMPLETED
    assert roster.queue.holds == {}  # the next upload of RX1 is not held up for an hour
