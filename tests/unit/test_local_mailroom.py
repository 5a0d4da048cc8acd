"""`roster local serve` keeps every email it sends (issue 22): .eml files in a folder readable
by the user alone, and the local-only Mailbox routes, each administrator seeing only their own."""

from __future__ import annotations

import json
import stat

from roster.emails import OutgoingEmail, to_mime
from roster_local.serve.mailroom import Mailroom

SENDER = "Roster <roster@example.nhs.net>"


def _email(to: str, subject: str, also: tuple[str, ...] = ()) -> bytes:
    return to_mime(OutgoingEmail(sender=SENDER, recipient=to, also_to=also, subject=subject, body=f"Body of {subject}",
                                 attachment_name="staff-plan.csv", attachment=b"Line,Action\r\n2,Create\r\n",
                                 upload_id="j" * 32))


def test_every_email_sent_is_written_once_readable_by_the_user_alone(tmp_path):
    sent = [_email("a@nhs.net", "Validated: staff.csv")]
    room = Mailroom(tmp_path / "mail", lambda: sent)

    room.sync()
    sent.append(_email("b@nhs.net", "Approval needed: leavers.csv", also=("a@nhs.net",)))
    room.sync()
    room.sync()

    files = sorted(p.name for p in room.folder.iterdir())
    assert files == ["001-Validated-staff.csv.eml", "002-Approval-needed-leavers.csv.eml"]
    assert stat.S_IMODE(room.folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in room.folder.iterdir())


def test_the_mailbox_lists_only_the_readers_emails_newest_first_with_body_and_attachments(tmp_path):
    sent = [_email("a@nhs.net", "Validated: staff.csv"), _email("b@nhs.net", "Upload complete: other.csv"),
            _email("b@nhs.net", "Approval needed: leavers.csv", also=("a@nhs.net",))]
    room = Mailroom(tmp_path / "mail", lambda: sent)

    listing = json.loads(room.answer("/local/mail", "A@nhs.net").body)

    assert [e["subject"] for e in listing["emails"]] == ["Approval needed: leavers.csv", "Validated: staff.csv"]
    first = listing["emails"][0]
    assert first["body"].startswith("Body of Approval needed") and first["upload_id"] == "j" * 32
    assert first["attachments"] == [{"name": "staff-plan.csv", "href": "local/mail/3/0"}]
    assert room.answer("/local/mail/3/0", "a@nhs.net").body == b"Line,Action\r\n2,Create\r\n"
    assert room.answer("/local/mail/1.eml", "a@nhs.net").body == sent[0]
    # Another administrator's email is not there for this reader.
    assert room.answer("/local/mail/2.eml", "a@nhs.net").status == 404
    assert room.answer("/local/mail/2/0", "a@nhs.net").status == 404
