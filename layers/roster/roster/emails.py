"""The emails an uploader receives, and their raw MIME form for SES (docs/approval-and-plan.md#emails)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any

from anyascii import anyascii

from roster.contract.file_names import shown_file_name
from roster.notify.email_files import EmailFile, file_paragraphs

JOB_HEADER = "X-Roster-Job"
COUNT_LABELS: tuple[tuple[str, str], ...] = (
    ("rows", "Rows"),
    ("created", "Created"),
    ("updated", "Updated"),
    ("leavers", "Leavers"),
    ("joiners", "Joiners"),
    ("unchanged", "Unchanged"),
    ("failed", "Failed"),
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_STEM = 100
XLSX_SUBTYPE = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class OutgoingEmail:
    """One email to send: plain-text body, CSV attachments. `recipient` and `attachment` are
    the first; `also_to` and `more_attachments` (name, bytes) any others."""

    sender: str
    recipient: str
    subject: str
    body: str
    attachment_name: str | None = None
    attachment: bytes | None = None
    upload_id: str = ""
    also_to: tuple[str, ...] = ()
    more_attachments: tuple[tuple[str, bytes], ...] = ()

    @property
    def recipients(self) -> list[str]:
        """Everyone the email goes to, the first recipient first, each once."""
        return list(dict.fromkeys((self.recipient, *self.also_to)))

    @property
    def attachments(self) -> list[tuple[str, bytes]]:
        """Every attachment, as (file name, bytes), in order."""
        first = [(self.attachment_name or "attachment.csv", self.attachment)] if self.attachment is not None else []
        return [*first, *self.more_attachments]


def to_mime(email: OutgoingEmail, now: datetime | None = None) -> bytes:
    """The email as an RFC 5322 message (CRLF), ready for SES SendRawEmail or an .eml file."""
    message = EmailMessage(policy=SMTP)
    message["From"] = email.sender
    message["To"] = ", ".join(email.recipients)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now) if now is not None else format_datetime(datetime.now().astimezone())
    message["Message-ID"] = make_msgid(domain=_domain_of(email.sender))
    message[JOB_HEADER] = email.upload_id
    message.set_content(email.body, subtype="plain", charset="utf-8")
    for name, content in email.attachments:
        if name.endswith(".xlsx"):  # the results of a workbook upload (docs/csv-format.md)
            message.add_attachment(content, maintype="application", subtype=XLSX_SUBTYPE, filename=name)
        else:
            message.add_attachment(content, maintype="text", subtype="csv", filename=name, params={"charset": "utf-8"})
    return message.as_bytes()


def _domain_of(address: str) -> str | None:
    domain = address.rpartition("@")[2].strip(" >")
    return domain or None


def file_stem(file_name: str) -> str:
    """The file's base name without its extension, reduced to characters safe in an attachment name."""
    base = re.split(r"[\\/]", file_name)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    safe = _UNSAFE_IN_NAME.sub("_", anyascii(stem)).strip("._-")
    return safe[:_MAX_STEM] or "upload"


def _shown_name(file_name: str) -> str:
    """The file name as shown in a subject or body: base name, no line breaks (header injection)."""
    base = re.split(r"[\\/]", file_name)[-1]
    return shown_file_name(_CONTROL.sub(" ", base)).strip() or "upload"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _on_lines(lines: Sequence[int], shown: int = 20) -> str:
    """' (line 4)', ' (lines 4, 7 and 9)', or the first `shown` lines and how many more."""
    if not lines:
        return ""
    named = [str(line) for line in lines[:shown]]
    if len(lines) > shown:
        named.append(f"{len(lines) - shown} more")
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return f" (line {listed})" if len(lines) == 1 else f" (lines {listed})"


def _not_processed(n: int) -> str:
    return "The row that was not processed is" if n == 1 else f"The {n} rows that were not processed are"


def validation_failed_email(
    sender: str, recipient: str, file_name: str, upload_id: str, errors: int, warnings: int, report: EmailFile
) -> OutgoingEmail:
    """The report of a file that failed validation: nothing was created. The report is attached,
    or linked when too big to attach (roster.notify.attachments)."""
    shown = _shown_name(file_name)
    paragraphs = [
        f"Roster checked {shown} (upload {upload_id}) and found {_count(errors, 'error')} "
        f"and {_count(warnings, 'warning')}.",
        "Nothing was created or changed: a file with any error is not processed.",
        *file_paragraphs(report, upload_id, "lists each mistake by line and column, with what is allowed."),
        "Fix those lines in your file and upload it again.",
    ]
    return OutgoingEmail(sender=sender, recipient=recipient, subject=f"Validation failed: {shown}",
                         body="\n\n".join(paragraphs) + "\n", upload_id=upload_id, **carried([report]))


def carried(files: list[EmailFile]) -> dict[str, Any]:
    """The OutgoingEmail fields of the files an email attaches (the linked ones are in its body)."""
    attached = [(file.name, file.content) for file in files if file.content is not None]
    if not attached:
        return {}
    (first_name, first), more = attached[0], tuple(attached[1:])
    return {"attachment_name": first_name, "attachment": first, "more_attachments": more}


def validated_email(
    sender: str, recipient: str, file_name: str, upload_id: str, rows: int, warnings: int, report: EmailFile,
    plan: EmailFile | None = None, approval_reasons: Sequence[str] = (),
) -> OutgoingEmail:
    """The report of a validate-only upload that passed, and its plan: nothing was created. When
    applying it will wait for a second administrator (docs/approval-and-plan.md), it says why."""
    shown = _shown_name(file_name)
    if warnings:
        findings = file_paragraphs(report, upload_id, f"lists the {_count(warnings, 'warning')} by line and column. "
                                   "Warnings do not stop an upload, but check them before you go ahead.")
    else:
        findings = [f"There are no warnings, so the attached report, {report.name}, holds only its header."]
    described = "shows what each row would do: one line per field that changes, with the value before and after, " \
                "and the address each new user would get now."
    paragraphs = [
        f"Roster checked {shown} (upload {upload_id}): {_count(rows, 'row')}, no errors, "
        f"{_count(warnings, 'warning')}.",
        "This was a validate-only upload, so nothing was created or changed.",
        *findings,
        *(file_paragraphs(plan, upload_id, described) if plan is not None else []),
        *([_approval_ahead(approval_reasons).rstrip()] if approval_reasons else []),
        f"To create and update the accounts, apply this upload without sending the file again: "
        f"`roster apply {upload_id}`, or the Upload button on its row of the Uploads table in the Roster console. "
        "Applying checks the file again against the directory as it is then.",
    ]
    return OutgoingEmail(sender=sender, recipient=recipient, subject=f"Validated: {shown}",
                         body="\n\n".join(paragraphs) + "\n", upload_id=upload_id,
                         **carried([report, *([plan] if plan is not None else [])]))


def _approval_ahead(reasons: Sequence[str]) -> str:
    if not reasons:
        return ""
    listed = "\n".join(f"- {reason}" for reason in reasons)
    return ("When you apply it, it will wait for another administrator's approval before anything changes, "
            f"because it would mark more accounts as leavers than one administrator may alone:\n{listed}\n\n")


def plan_attachment_name(file_name: str) -> str:
    """`<file stem>-plan.csv`: the plan as attached to an email (docs/approval-and-plan.md#emails)."""
    return f"{file_stem(file_name)}-plan.csv"


def upload_complete_email(
    sender: str,
    recipient: str,
    file_name: str,
    upload_id: str,
    counts: Mapping[str, int],
    results: EmailFile,
    failed: bool = False,
    warning_lines: Sequence[int] = (),
) -> OutgoingEmail:
    """The results of the create phase, attached (or as a link when too big to attach, with the
    time it stops working and how to fetch the results again): `Upload complete:`, or `Upload
    failed:` when the phase could not finish (docs/approval-and-plan.md#emails)."""
    shown = _shown_name(file_name)
    paragraphs = [f"Roster has finished processing {shown} (upload {upload_id})."]
    if failed:
        paragraphs[0] = f"Roster stopped processing {shown} (upload {upload_id}) because of a system error."
    paragraphs.append("\n".join(f"{label}: {counts.get(key, 0)}" for key, label in COUNT_LABELS))
    warnings = counts.get("warnings", 0)
    if warnings:
        paragraphs.append(
            f"Validation gave {_count(warnings, 'warning')}{_on_lines(warning_lines)}. They did not stop the upload, "
            "but check them: each is in the Message column of its row in the results file, after what was done."
        )
    paragraphs += file_paragraphs(results, upload_id, "is your file with four columns added: Result, Message, "
                                  "Assigned Email and Temporary Password.")
    paragraphs += _what_failed(counts.get("failed", 0), failed)
    paragraphs.append(
        "Temporary passwords for new accounts are in the Temporary Password column; each user must "
        "change theirs at first sign-in. Follow your local policy guidelines for distributing email "
        "addresses and passwords to users, and delete the results file when you no longer need it."
    )
    return OutgoingEmail(
        sender=sender,
        recipient=recipient,
        subject=f"Upload failed: {shown}" if failed else f"Upload complete: {shown}",
        body="\n\n".join(paragraphs) + "\n",
        upload_id=upload_id,
        **carried([results]),
    )


def upload_failed_email(
    sender: str, recipient: str, file_name: str, upload_id: str, rows_may_be_applied: bool = False
) -> OutgoingEmail:
    """A system error stopped the upload before it had a results file (docs/approval-and-plan.md#emails,
    `Upload failed:`).

    The cause stays in the upload record for the engineers; the uploader is told what happened to
    their accounts and what to do."""
    shown = _shown_name(file_name)
    if rows_may_be_applied:
        paragraphs = [
            f"Roster stopped processing {shown} (upload {upload_id}) because of a system error, and could not "
            "produce its results file.",
            "Some rows may already have been applied. Uploading the same file again is safe: rows that were "
            "already done are recognised and reported Unchanged, and no account is created twice. The temporary "
            "passwords of accounts created before the error are not in that new results file: ask your Roster "
            f"support team for the results of upload {upload_id}.",
        ]
    else:
        paragraphs = [
            f"Roster could not process {shown} (upload {upload_id}) because of a system error.",
            "Nothing was created or changed.",
            f"Please upload the file again. If this happens again, contact your Roster support team and quote "
            f"upload {upload_id}.",
        ]
    return OutgoingEmail(
        sender=sender,
        recipient=recipient,
        subject=f"Upload failed: {shown}",
        body="\n\n".join(paragraphs) + "\n",
        upload_id=upload_id,
    )


def _what_failed(failed_rows: int, failed: bool) -> list[str]:
    if failed and not failed_rows:  # the error came after the last row (e.g. notify itself failed)
        return ["Every row had been applied before the error, so the results file is complete "
                "and nothing needs uploading again."]
    if failed:
        return [
            f"{_not_processed(failed_rows)} marked Failed. "
            "Upload the results file again, as it is, to retry exactly those rows: rows that were "
            "already done are recognised and left Unchanged, so no account is created twice."
        ]
    if failed_rows:
        return [
            f"{_count(failed_rows, 'row')} failed; the Message column says why. Fix those rows in the "
            "results file and upload it again: rows that were already done are left Unchanged."
        ]
    return []
