"""What an upload's approval looks like to the caller (docs/approval-and-plan.md): why it waits
(or, validate-only, why applying it will wait), who may approve each organisation, who has,
until when, and whether the caller may approve or cancel it now. The console offers Approve
only when `may_approve` is true; the command line says who must approve."""

from __future__ import annotations

from typing import Any

from roster.approval.step import approval_request, may_approve, may_cancel
from roster.model.uploads import Upload, UploadState


def approval_view(upload: Upload, caller_email: str) -> dict[str, Any] | None:
    """None for an upload that never needed approval."""
    if not upload.approval_administrators:
        return None
    uploader = upload.uploader.lower()
    needed = approval_request(upload).approvers_needed()
    caller = caller_email.lower()
    return {
        "reasons": list(upload.approval_reasons),
        "approvers": {ods: sorted(who) for ods, who in sorted(needed.items())},
        # Organisations whose only administrator is the uploader: the uploader approves them.
        "uploader_approves": sorted(ods for ods, who in needed.items() if who == frozenset({uploader})),
        "approved": dict(upload.approvals),
        "deadline": upload.approval_deadline,
        "needed_on_apply": upload.state is UploadState.VALIDATED and upload.validate_only,
        "may_approve": may_approve(upload, caller),
        "may_cancel": may_cancel(upload, caller),
    }


def approvers_sentence(approval: dict[str, Any], uploader: str) -> str:
    """'RY2: a@x, b@x; RX1: you (the uploader: no other administrator)' for messages."""
    parts = []
    for ods, who in approval["approvers"].items():
        if ods in approval["uploader_approves"]:
            parts.append(f"{ods}: {uploader} (the uploader: the organisation has no other administrator)")
        else:
            parts.append(f"{ods}: {', '.join(who)}")
    return "; ".join(parts)
