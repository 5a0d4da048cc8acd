"""Which files of an email are attached and which linked, so that SES takes it (docs/csv-format.md,
"Emails"): one mechanism for every email with a file (the validation report, the plan, the
results).

SES refuses a raw message over 10 MB, and base64 grows an attachment by a third. The files of
an email are attached while together they stay within `AttachmentLimitBytes` (7,000,000 by
default); past it the biggest is linked instead, then the next, until the rest fit. The email
built is then measured as SES will measure it, and while it would still pass 10 MB (a long
body, a limit set too high) its biggest attached file is linked too. A link is a presigned
GET that says when it stops working, and the email says how to fetch the file again after."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from roster.emails import OutgoingEmail, to_mime
from roster.notify.email_files import EmailFile, FileKind
from roster.ports import UploadFiles

SES_RAW_MESSAGE_BYTES = 10 * 1024 * 1024  # SES's limit on one raw message, attachments encoded
LINK_SECONDS = 7 * 86400  # the longest a presigned URL may live (SigV4)


@dataclass(frozen=True)
class WantedFile:
    """A stored file an email should carry, under the name it is attached as."""

    kind: FileKind
    name: str
    key: str


@dataclass
class EmailAttachments:
    """Chooses, for one email, which of its files are attached and which linked."""

    files: UploadFiles
    limit_bytes: int  # AttachmentLimitBytes: the files attached to one email, together
    kept_until: datetime | None = None

    def email(self, wanted: Sequence[WantedFile], build: Callable[[list[EmailFile]], OutgoingEmail]) -> OutgoingEmail:
        """The email `build` makes of the files, within SES's 10 MB."""
        chosen = self._within_limit([self._read(file) for file in wanted])
        email = build(chosen)
        while len(to_mime(email)) > SES_RAW_MESSAGE_BYTES and any(f.attached for f in chosen):
            chosen = self._link_biggest(chosen)
            email = build(chosen)
        return email

    def _read(self, wanted: WantedFile) -> EmailFile:
        # At most limit + 1 bytes: a file too big to attach on its own is never read whole.
        content = self.files.read(wanted.key, limit=self.limit_bytes)
        if len(content) > self.limit_bytes:
            return self._linked(EmailFile(wanted.kind, wanted.name, wanted.key))
        return EmailFile(wanted.kind, wanted.name, wanted.key, content, kept_until=self.kept_until)

    def _within_limit(self, files: list[EmailFile]) -> list[EmailFile]:
        while sum(f.size for f in files) > self.limit_bytes:
            files = self._link_biggest(files)
        return files

    def _link_biggest(self, files: list[EmailFile]) -> list[EmailFile]:
        biggest = max((f for f in files if f.attached), key=lambda f: f.size)
        return [self._linked(f) if f is biggest else f for f in files]

    def _linked(self, file: EmailFile) -> EmailFile:
        return replace(file, content=None, link=self.files.presigned_download(file.key, LINK_SECONDS),
                       kept_until=self.kept_until)


def kept_until(created_at: str, retention_days: int) -> datetime:
    """Until when the bucket keeps an upload's files (UploadRetentionDays after the upload)."""
    return datetime.fromisoformat(created_at) + timedelta(days=retention_days)
