"""A file as an email carries it, attached or linked, and how the email's body speaks of it
(docs/csv-format.md, "Emails"). Which files are linked is roster.notify.attachments' choice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # roster.ports imports roster.emails, which imports this module
    from roster.model.files import DownloadLink


class FileKind(Enum):
    """What a file is, as an email names it, and the command that fetches it again."""

    VALIDATION = ("report", "validation")
    PLAN = ("plan", "plan")
    RESULTS = ("results file", "results")

    @property
    def noun(self) -> str:
        return self.value[0]

    @property
    def command(self) -> str:
        return self.value[1]


@dataclass(frozen=True)
class EmailFile:
    """A file as an email carries it: its bytes (attached) or a link to it."""

    kind: FileKind
    name: str
    key: str
    content: bytes | None = None
    link: DownloadLink | None = None
    kept_until: datetime | None = None  # until when `roster <command>` can fetch it again

    @property
    def attached(self) -> bool:
        return self.content is not None

    @property
    def size(self) -> int:
        return len(self.content) if self.content is not None else 0


def attached(kind: FileKind, name: str, content: bytes) -> EmailFile:
    """A file attached as it is (tests and emails built without the bucket)."""
    return EmailFile(kind, name, "", content)


def file_paragraphs(file: EmailFile, upload_id: str, description: str) -> list[str]:
    """How an email body speaks of a file: "The attached report, x.csv, lists ..." or, linked,
    where to download it, until when, and how to fetch it again. `description` continues
    the sentence: "lists each mistake by line and column"."""
    if file.attached or file.link is None:
        return [f"The attached {file.kind.noun}, {file.name}, {description}"]
    until = f", which works until {_utc(file.link.expires_at)}" if file.link.expires_at else ""
    kept = f"until {_utc(file.kept_until)[:10]}" if file.kept_until else "for as long as Roster keeps it"
    return [
        f"The {file.kind.noun}, {file.name}, is too large to attach. Download it from this link{until}:\n"
        f"{file.link.url}\nIt {description}",
        f"To fetch it again at any time {kept}, run: roster {file.kind.command} {upload_id}\n"
        "or open this upload in the Uploads table of the Roster console.",
    ]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
