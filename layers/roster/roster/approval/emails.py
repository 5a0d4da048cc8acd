"""The emails of approval (docs/approval-and-plan.md#emails and #approval): `Approval needed:` to the uploader and the
other administrators concerned, with the plan attached, and `Upload cancelled:` to the
uploader when a waiting upload is cancelled or nobody approved it in time."""

from __future__ import annotations

from datetime import datetime

from roster.emails import OutgoingEmail, _shown_name, carried
from roster.model.uploads import Upload
from roster.notify.email_files import EmailFile, file_paragraphs


def approval_needed_email(sender: str, upload: Upload, plan: EmailFile) -> OutgoingEmail:
    """One email to the uploader and every other administrator of the organisations still
    waiting: why the upload waits, who may approve it, how, and until when. The plan is
    attached, or linked when too big to attach (roster.notify.attachments); the mailer sends
    the email as several messages when it has more recipients than SES takes in one."""
    shown = _shown_name(upload.file_name)
    uploader = upload.uploader.lower()
    waiting = {ods: admins for ods, admins in upload.approval_administrators.items() if ods not in upload.approvals}
    others = sorted({admin for admins in waiting.values() for admin in admins} - {uploader})
    rows = upload.counts.get("rows", 0)
    paragraphs = [
        f"{upload.uploader} uploaded {shown} (upload {upload.upload_id}, {rows} {'row' if rows == 1 else 'rows'}). "
        "It passed "
        "validation, but it would mark more accounts as leavers than one administrator may alone:",
        "\n".join(f"- {reason}" for reason in upload.approval_reasons),
        "Nothing has been changed: the upload waits for approval. Who may approve it:",
        "\n".join(f"- {ods}: {_approvers(admins, uploader)}" for ods, admins in sorted(waiting.items())),
        *file_paragraphs(plan, upload.upload_id, "shows what each row will do: one line per field that changes, "
                         "with the value before and after."),
        f"To approve it: the Approve button in the Roster console, or `roster approve {upload.upload_id}`. "
        f"Any of you, the uploader included, may cancel it instead: Cancel, or `roster cancel {upload.upload_id}`. "
        "Once approved, the file is checked again against the directory as it is then, before anything is applied.",
        f"If nobody approves it by {_when(upload.approval_deadline)}, it is cancelled by itself and nothing changes.",
    ]
    return OutgoingEmail(
        sender=sender, recipient=uploader, also_to=tuple(others), subject=f"Approval needed: {shown}",
        body="\n\n".join(paragraphs) + "\n", upload_id=upload.upload_id, **carried([plan]),
    )


def upload_cancelled_email(sender: str, upload: Upload) -> OutgoingEmail:
    """To the uploader: the waiting upload was cancelled (by whom), or expired; nothing changed."""
    shown = _shown_name(upload.file_name)
    if upload.cancelled_by:
        who = "you" if upload.cancelled_by == upload.uploader.lower() else upload.cancelled_by
        what = f"{shown} (upload {upload.upload_id}) was cancelled by {who} while it waited for approval."
    else:
        what = (f"Nobody approved {shown} (upload {upload.upload_id}) by {_when(upload.approval_deadline)}, so it was "
                "cancelled.")
    body = (f"{what}\n\nNothing was created or changed. To make these changes after all, upload the file again; "
            "it will need a second administrator's approval again.\n")
    return OutgoingEmail(sender=sender, recipient=upload.uploader.lower(), subject=f"Upload cancelled: {shown}",
                         body=body, upload_id=upload.upload_id)


def _approvers(admins: list[str], uploader: str) -> str:
    others = [admin for admin in admins if admin != uploader]
    if others:
        return ", ".join(others)
    return f"{uploader} (the uploader: the organisation has no other administrator)"


def _when(deadline: str | None) -> str:
    """A deadline as an administrator reads it: '1 December 2026 at 14:05 UTC'."""
    if not deadline:
        return "the deadline"
    moment = datetime.fromisoformat(deadline)
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M} UTC"
