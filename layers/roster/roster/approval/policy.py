"""Approval of large retirements (docs/approval-and-plan.md#approval): which uploads wait for a second
administrator, who may approve them, and when an approval is complete.

Pure rules: the counts and the administrators come from the directory, read by the caller."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ApprovalPolicy:
    """The deployment's limits: more leavers of one organisation than either needs approval."""

    leaver_threshold: int = 25
    leaver_percent: float = 10.0
    approval_days: int = 7
    window_hours: int = 24  # leavers of other uploads of the organisation this recent count too


@dataclass(frozen=True)
class LeaverShare:
    """How many accounts of one organisation an upload would retire, of how many active ones."""

    ods: str
    leavers: int
    active: int

    def over(self, policy: ApprovalPolicy) -> bool:
        """More leavers than the policy allows, by count or by share of the active accounts."""
        if self.leavers == 0:
            return False
        return self.leavers > policy.leaver_threshold or self.leavers * 100 > policy.leaver_percent * self.active

    def reason(self, policy: ApprovalPolicy) -> str:
        """One sentence for the email and the console: why this organisation needs approval."""
        share = f"{self.leavers * 100 / self.active:.0f}%" if self.active else "all"
        return (f"{self.leavers:,} of the {self.active:,} active accounts of {self.ods} ({share}) would be marked "
                f"as leavers; more than {policy.leaver_threshold:,} accounts or {policy.leaver_percent:g}% of an "
                "organisation's accounts needs a second administrator's approval.")


def organisations_needing_approval(leavers: Mapping[str, int], active: Mapping[str, int],
                                   policy: ApprovalPolicy) -> list[LeaverShare]:
    """The organisations over the policy's limits, by ODS code (leavers and active counts by ODS)."""
    shares = [LeaverShare(ods, count, active.get(ods, 0)) for ods, count in sorted(leavers.items())]
    return [share for share in shares if share.over(policy)]


class ApprovalRefused(Exception):
    """This administrator may not approve (or cancel) this upload; the message says why."""


@dataclass(frozen=True)
class ApprovalRequest:
    """An upload waiting for approval: who uploaded it, and the administrators of each
    organisation concerned (by ODS code)."""

    uploader: str
    administrators: Mapping[str, frozenset[str]]
    approvals: Mapping[str, str] = field(default_factory=dict)  # ODS -> who approved it

    def approvers_needed(self) -> dict[str, frozenset[str]]:
        """Per organisation still waiting: who may approve it. The uploader may approve only an
        organisation that has no other administrator."""
        needed: dict[str, frozenset[str]] = {}
        for ods, admins in self.administrators.items():
            if ods in self.approvals:
                continue
            # `administrators` is the directory as it is when someone acts (docs/security.md): an
            # organisation nobody administers now (the uploader included) can only be cancelled.
            others = frozenset(a for a in admins if a != self.uploader)
            needed[ods] = others or (admins & {self.uploader})
        return needed

    def approve(self, approver: str) -> ApprovalRequest:
        """Record `approver`'s approval for every waiting organisation they may approve."""
        approver = approver.lower()
        granted = {ods: approver for ods, allowed in self.approvers_needed().items() if approver in allowed}
        if not granted:
            raise ApprovalRefused(self._refusal(approver))
        return ApprovalRequest(self.uploader, self.administrators, {**self.approvals, **granted})

    @property
    def complete(self) -> bool:
        """Every organisation concerned has been approved."""
        return not self.approvers_needed()

    def may_cancel(self, who: str) -> bool:
        """Any administrator of an organisation concerned, the uploader included, may cancel."""
        who = who.lower()
        return any(who in admins for admins in self.administrators.values())

    def _refusal(self, approver: str) -> str:
        if not self.may_cancel(approver):
            return "You do not administer any organisation this upload changes, so you cannot approve it."
        if approver == self.uploader:
            return ("You uploaded this file, so another administrator of each organisation it changes must approve "
                    "it; ask one of them to approve it, or cancel it.")
        return "You have already approved this upload for every organisation you administer; it waits for the others."
