"""Every email `roster local serve` sends, kept where the administrator can open it
(docs/local-run.md#local-serve): each one written as an .eml file to a folder (readable by the
user alone: results carry temporary passwords) that serve prints at start, and served to the
console's Mailbox page, only here in local mode, only to a signed-in administrator and only the
emails addressed to them.

Local-only routes (never in template.yaml, so never on AWS):
  GET /local/mail              {"folder", "emails": [{"id", "to", "subject", "date", "upload_id",
                                "body", "attachments": [{"name", "href"}], "eml"}]}, newest first
  GET /local/mail/{id}.eml     the email as sent
  GET /local/mail/{id}/{n}     its n-th attachment (from 0)"""

from __future__ import annotations

import email
import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.policy import default
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from roster_local.serve.api_gateway import HttpResponse

MAIL_PREFIX = "/local/mail"
_ATTACHMENT = re.compile(r"/local/mail/(\d{1,6})/(\d{1,3})")
_EML = re.compile(r"/local/mail/(\d{1,6})\.eml")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Mailroom:
    """The emails sent so far, mirrored to `folder`; `sent` reads what SES accepted, in order."""

    folder: Path
    sent: Callable[[], list[bytes]]
    written: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.folder, 0o700)

    def sync(self) -> list[bytes]:
        """Write every email not written yet; every email sent, in order."""
        with self._lock:
            messages = self.sent()
            for number in range(self.written, len(messages)):
                subject = str(_parsed(messages[number]).get("Subject", "email"))
                path = self.folder / f"{number + 1:03d}-{_UNSAFE.sub('-', subject).strip('-')[:60]}.eml"
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(messages[number])
            self.written = len(messages)
            return messages

    def answer(self, path: str, reader: str) -> HttpResponse:
        """A local mail route for the signed-in administrator `reader`."""
        messages = self.sync()
        mine = {number: _parsed(raw) for number, raw in enumerate(messages, start=1) if _addressed_to(raw, reader)}
        if path == MAIL_PREFIX:
            listing = [_summary(number, message) for number, message in sorted(mine.items(), reverse=True)]
            return _json(200, {"folder": str(self.folder), "emails": listing})
        if found := _EML.fullmatch(path):
            number = int(found.group(1))
            if number in mine:
                return HttpResponse(200, [("Content-Type", "message/rfc822"), _disposition(f"roster-{number}.eml")],
                                    messages[number - 1])
        if found := _ATTACHMENT.fullmatch(path):
            number, index = int(found.group(1)), int(found.group(2))
            parts = list(mine[number].iter_attachments()) if number in mine else []
            if index < len(parts):
                part = parts[index]
                content = part.get_payload(decode=True)
                return HttpResponse(200, [("Content-Type", "text/csv; charset=utf-8"),
                                          _disposition(part.get_filename() or "attachment.csv")],
                                    content if isinstance(content, bytes) else b"")
        return _json(404, {"message": "No such email of yours here."})


def _parsed(raw: bytes) -> EmailMessage:
    message: Message = email.message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def _addressed_to(raw: bytes, reader: str) -> bool:
    message = _parsed(raw)
    return reader.lower() in {address.lower() for _, address in getaddresses(message.get_all("To", []))}


def _summary(number: int, message: EmailMessage) -> dict[str, Any]:
    body = message.get_body(preferencelist=("plain",))
    attachments = [{"name": part.get_filename() or "attachment.csv", "href": f"local/mail/{number}/{index}"}
                   for index, part in enumerate(message.iter_attachments())]
    return {"id": number, "to": str(message.get("To", "")), "subject": str(message.get("Subject", "")),
            "date": str(message.get("Date", "")), "upload_id": str(message.get("X-Roster-Job", "")),
            "body": body.get_content() if body is not None else "", "attachments": attachments,
            "eml": f"local/mail/{number}.eml"}


def _disposition(name: str) -> tuple[str, str]:
    return ("Content-Disposition", f'attachment; filename="{_UNSAFE.sub("_", name)}"')


def _json(status: int, document: dict[str, Any]) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
                        json.dumps(document).encode())
