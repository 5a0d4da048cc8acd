"""Who waits for approval, who may approve, and when an approval is complete (docs/approval-and-plan.md#approval)."""

from __future__ import annotations

import pytest

from roster.approval.policy import (
    ApprovalPolicy,
    ApprovalRefused,
    ApprovalRequest,
    LeaverShare,
    organisations_needing_approval,
)

POLICY = ApprovalPolicy(leaver_threshold=25, leaver_percent=10)
UPLOADER = "uploader@example.nhs.net"
OTHER = "other@example.nhs.net"
THIRD = "third@example.nhs.net"


@pytest.mark.parametrize(("leavers", "active", "over"), [
    (0, 0, False),        # no leavers: never
    (25, 1000, False),    # exactly the count threshold, 2.5%
    (26, 1000, True),     # one over the count threshold
    (10, 100, False),     # exactly 10%
    (11, 100, True),      # over 10%
    (1, 5, True),         # a small organisation: 20%
    (3, 0, True),         # no active accounts left to compare with
])
def test_given_leavers_of_an_organisation_then_approval_follows_either_threshold(leavers, active, over):
    assert LeaverShare("RX1", leavers, active).over(POLICY) is over


def test_given_several_organisations_then_only_those_over_a_limit_are_named():
    shares = organisations_needing_approval({"RX1": 30, "RY2": 1, "Y0301": 0}, {"RX1": 1000, "RY2": 100}, POLICY)
    assert [s.ods for s in shares] == ["RX1"]
    assert "30 of the 1,000 active accounts of RX1 (3%)" in shares[0].reason(POLICY)


def test_given_a_deployment_with_other_limits_then_they_apply():
    strict = ApprovalPolicy(leaver_threshold=2, leaver_percent=100)
    assert LeaverShare("RX1", 3, 1000).over(strict) and not LeaverShare("RX1", 2, 1000).over(strict)


def _request(**admins: set[str]) -> ApprovalRequest:
    return ApprovalRequest(UPLOADER, {ods: frozenset(a) for ods, a in admins.items()})


def test_given_another_administrator_when_the_uploader_approves_then_it_is_refused():
    request = _request(RX1={UPLOADER, OTHER})
    with pytest.raises(ApprovalRefused, match="another administrator"):
        request.approve(UPLOADER)


def test_given_another_administrator_when_they_approve_then_it_is_complete():
    approved = _request(RX1={UPLOADER, OTHER}).approve(OTHER)
    assert approved.complete and approved.approvals == {"RX1": OTHER}


def test_given_no_other_administrator_then_the_uploader_may_approve():
    assert _request(RY2={UPLOADER}).approve(UPLOADER).complete


def test_given_two_organisations_then_each_needs_one_of_its_own_administrators():
    request = _request(RX1={UPLOADER, OTHER}, RY2={UPLOADER, THIRD})
    half = request.approve(OTHER)
    assert not half.complete and set(half.approvers_needed()) == {"RY2"}
    assert half.approve(THIRD).complete


def test_given_an_administrator_of_nothing_concerned_then_approving_and_cancelling_are_refused():
    request = _request(RX1={UPLOADER, OTHER})
    with pytest.raises(ApprovalRefused, match="do not administer"):
        request.approve(THIRD)
    assert not request.may_cancel(THIRD)


def test_given_an_approval_already_given_when_the_same_administrator_approves_again_then_it_says_so():
    half = _request(RX1={UPLOADER, OTHER}, RY2={UPLOADER, THIRD}).approve(OTHER)
    with pytest.raises(ApprovalRefused, match="already approved"):
        half.approve(OTHER)


def test_the_uploader_and_every_administrator_concerned_may_cancel():
    request = _request(RX1={UPLOADER, OTHER})
    assert request.may_cancel(UPLOADER) and request.may_cancel(OTHER) and request.may_cancel(OTHER.upper())
