"""Email in memory: the Mailer port (roster.ports), as adapters.ses sends it: at most one
email per kind per upload. Its `send_once` is also the callable UploadFailureNotice takes."""

from __future__ import annotations

from roster.emails import OutgoingEmail


class FakeMailer:
    """Mailer: the first email of each kind for each upload is kept; later ones are not sent."""

    def __init__(self) -> None:
        self.sent: dict[tuple[str, str], OutgoingEmail] = {}
        self.attempts = 0

    def send_once(self, kind: str, email: OutgoingEmail) -> str:
        self.attempts += 1
        self.sent.setdefault((email.upload_id, kind), email)
        return f"message-{email.upload_id}-{kind}"

    def emails_for(self, upload_id: str) -> list[OutgoingEmail]:
        return [email for (upload, _), email in self.sent.items() if upload == upload_id]
