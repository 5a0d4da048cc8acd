"""The approval emails (docs/approval-and-plan.md#emails and #approval), and emails to several people with several
attachments, as MIME and through the SES adapter's idempotency payload."""

from __future__ import annotations

import email
import json
from email import policy

from roster.adapters.ses import _as_dict, _from_dict
from roster.approval.emails import approval_needed_email, upload_cancelled_email
from roster.emails import OutgoingEmail, to_mime
from roster.model.uploads import Upload, UploadState
from roster.notify.email_files import FileKind, attached

SENDER = "roster@mail.example.nhs.net"
UPLOADER = "admin@example.nhs.net"
DEPUTY = "deputy.admin@example.nhs.net"
PLAN = "\ufeffLine,Action,Email Address,Field,Old,New\r\n2,Leaver,sarah.oconnor@nhs.net,,,\r\n"


def _plan():
    return attached(FileKind.PLAN, "March_leavers-plan.csv", PLAN.encode("utf-8"))


def _waiting(**changes) -> Upload:
    upload = Upload(upload_id="j1", bucket="b", key="uploads/k", file_name="March leavers.csv", uploader="Admin@Example.nhs.net",
                    state=UploadState.AWAITING_APPROVAL, counts={"rows": 1},
                    approval_administrators={"RX1": [UPLOADER, DEPUTY], "RY2": [UPLOADER]},
                    approval_reasons=["1 of the 1 active accounts of RY2 (100%) would be marked as leavers; ...",
                                "30 of the 200 active accounts of RX1 (15%) would be marked as leavers; ..."],
                    approval_deadline="2026-12-01T14:05:00+00:00")
    return upload.model_copy(update=changes)


def test_given_a_waiting_upload_then_one_email_asks_everyone_concerned_with_the_plan_attached() -> None:
    sent = approval_needed_email(SENDER, _waiting(), _plan())

    message = email.message_from_bytes(to_mime(sent), policy=policy.default)
    assert message["Subject"] == "Approval needed: March leavers.csv"
    assert message["To"] == f"{UPLOADER}, {DEPUTY}"
    [plan] = list(message.iter_attachments())
    assert plan.get_filename() == "March_leavers-plan.csv" and plan.get_content() == PLAN
    body = message.get_body().get_content()
    assert "- 1 of the 1 active accounts of RY2 (100%)" in body and "- 30 of the 200" in body
    assert f"- RX1: {DEPUTY}" in body
    assert f"- RY2: {UPLOADER} (the uploader: the organisation has no other administrator)" in body
    assert "roster approve j1" in body and "roster cancel j1" in body
    assert "by 1 December 2026 at 14:05 UTC" in body


def test_given_an_organisation_already_approved_then_its_administrators_are_not_asked_again() -> None:
    sent = approval_needed_email(SENDER, _waiting(approvals={"RX1": DEPUTY}), _plan())

    assert sent.recipients == [UPLOADER] and "- RX1" not in sent.body


def test_given_a_cancelled_or_expired_upload_then_the_uploader_is_told_nothing_changed() -> None:
    by_deputy = upload_cancelled_email(SENDER, _waiting(state=UploadState.CANCELLED, cancelled_by=DEPUTY))
    expired = upload_cancelled_email(SENDER, _waiting(state=UploadState.CANCELLED))

    assert by_deputy.subject == "Upload cancelled: March leavers.csv" and by_deputy.recipients == [UPLOADER]
    assert f"was cancelled by {DEPUTY} while it waited for approval" in by_deputy.body
    assert "Nobody approved March leavers.csv (upload j1) by 1 December 2026 at 14:05 UTC" in expired.body
    assert "Nothing was created or changed" in expired.body and by_deputy.attachments == []


def test_given_several_recipients_and_attachments_then_mime_and_the_ses_payload_keep_them_all() -> None:
    sent = OutgoingEmail(sender=SENDER, recipient=UPLOADER, subject="Validated: x.csv", body="Body.\n",
                         attachment_name="x-validation.csv", attachment=b"a,b\r\n", upload_id="j1",
                         also_to=(DEPUTY, UPLOADER), more_attachments=(("x-plan.csv", PLAN.encode()),))

    payload = json.loads(json.dumps(_as_dict(sent)))

    assert _from_dict(payload) == sent
    message = email.message_from_bytes(to_mime(sent), policy=policy.default)
    assert message["To"] == f"{UPLOADER}, {DEPUTY}"
    assert [part.get_filename() for part in message.iter_attachments()] == ["x-validation.csv", "x-plan.csv"]


def test_given_an_email_recorded_before_the_upload_rename_then_it_is_still_read() -> None:
    # Powertools idempotency keeps each email's payload; one recorded by the code before its
    # job_id became upload_id (roster.adapters.upload_keys) must still be sent as it was.
    sent = OutgoingEmail(sender=SENDER, recipient=UPLOADER, subject="Validated: x.csv", body="Body.\n",
                         upload_id="j1")
    recorded = {("job_id" if name == "upload_id" else name): value
                for name, value in json.loads(json.dumps(_as_dict(sent))).items()}

    assert _from_dict(recorded) == sent
