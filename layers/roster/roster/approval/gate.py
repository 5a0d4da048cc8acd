"""Whether a validated upload must wait for a second administrator (docs/approval-and-plan.md#approval): it would
mark as leavers more accounts of an organisation than the deployment allows, and that
organisation has not approved it yet. The rules are roster.approval.policy's; here are the reads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from roster.approval.policy import ApprovalPolicy, organisations_needing_approval
from roster.model.rows import PlannedRow, RowAction
from roster.model.uploads import Upload
from roster.ports import Directory


@dataclass(frozen=True)
class ApprovalWait:
    """Why and for whom an upload waits: every organisation over a limit, its administrators,
    the approvals it already has (from before a re-validation), and the deadline."""

    administrators: dict[str, list[str]]  # ODS -> its administrators, the uploader included
    approvals: dict[str, str]  # ODS -> who approved it, for organisations still concerned
    reasons: list[str]
    deadline: str  # ISO 8601, UTC
    plan_digest: str | None = None  # of the plan the approvers are shown: an approval is of that plan

    def upload_changes(self) -> dict[str, Any]:
        """The upload attributes that record the wait."""
        return {"approval_administrators": self.administrators, "approvals": self.approvals,
                "approval_reasons": self.reasons, "approval_deadline": self.deadline,
                "approval_plan_digest": self.plan_digest}


def leavers_by_organisation(rows: Iterable[PlannedRow]) -> Counter[str]:
    """How many rows mark an account of each organisation as a leaver (a leaver row carries
    its account's organisation)."""
    return Counter(row.fields.ods or "" for row in rows if row.action is RowAction.LEAVER)


def approval_wait(upload: Upload, rows: list[PlannedRow], directory: Directory, policy: ApprovalPolicy,
                  now: datetime | None = None, earlier: Mapping[str, int] | None = None,
                  plan_digest: str | None = None) -> ApprovalWait | None:
    """The wait this upload needs, or None when every organisation over a limit has approved
    it already (or none is over). The leavers of an organisation are this upload's plus `earlier`,
    those of its other uploads within the policy's window. Approvals given carry over only to the
    plan they approved (`plan_digest`, docs/security.md). Reads the active accounts of the
    organisations with leavers, and the administrators of those over a limit."""
    mine = leavers_by_organisation(rows)
    if not mine:
        return None
    before = earlier or {}
    leavers = {ods: count + before.get(ods, 0) for ods, count in mine.items()}
    shares = organisations_needing_approval(leavers, directory.active_account_counts(set(leavers)), policy)
    carried = upload.approvals if plan_digest is not None and upload.approval_plan_digest == plan_digest else {}
    if all(share.ods in carried for share in shares):
        return None
    concerned = {share.ods for share in shares}
    uploader = upload.uploader.lower()
    found = directory.administrators(concerned)
    administrators = {ods: sorted(found.get(ods, frozenset()) | {uploader}) for ods in sorted(concerned)}
    deadline = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0) + timedelta(days=policy.approval_days)
    reasons = [share.reason(policy) + (f" {before[share.ods]:,} of them are in other uploads of the last "
                                       f"{policy.window_hours} hours." if before.get(share.ods) else "")
               for share in shares]
    return ApprovalWait(administrators=administrators,
                        approvals={ods: who for ods, who in carried.items() if ods in concerned},
                        reasons=reasons, deadline=deadline.isoformat(), plan_digest=plan_digest)
