"""Who may manage SCIM tokens and which tokens SCIM accepts (docs/scim.md#tokens): only an
administrator of the token's organisation issues, lists or revokes it; a token stops working
when it is revoked or when its issuer no longer administers the organisation."""

from __future__ import annotations

import pytest

from roster.scim.desk import TokenRefused
from roster.scim.errors import ScimError
from roster.wiring import scim_desk
from tests.conftest import ADMIN

PRACTICE = "practice.manager@example.nhs.net"  # administers Y0301 only
BASE = "https://roster.example/scim/v2"


def test_an_administrator_of_another_organisation_cannot_issue_list_or_revoke_its_tokens(harness):
    desk = scim_desk()
    issued = desk.issue(frozenset({"RX1", "RY2", "Y0301"}), ADMIN, "RX1", "entra")
    practice = frozenset({"Y0301"})
    for attempt in (lambda: desk.issue(practice, PRACTICE, "RX1", "mine now"), lambda: desk.list(practice, "RX1")):
        with pytest.raises(TokenRefused) as refused:
            attempt()
        assert refused.value.status == 403
    with pytest.raises(TokenRefused) as hidden:
        desk.revoke(practice, PRACTICE, issued["token_id"])
    assert hidden.value.status == 404  # another organisation's token does not exist for them
    assert desk.users_for(f"Bearer {issued['token']}", BASE).ods == "RX1"  # still works


def test_the_stored_token_is_its_digest_and_never_the_token(harness):
    desk = scim_desk()
    issued = desk.issue(frozenset({"RX1"}), ADMIN, "RX1", "entra")
    stored = harness.stack.client("dynamodb").scan(TableName=harness.directory.table)["Items"]
    assert issued["token"] not in repr(stored)
    assert [t["token_id"] for t in desk.list(frozenset({"RX1"}), "RX1")["tokens"]] == [issued["token_id"]]


def test_a_token_whose_issuer_no_longer_administers_the_organisation_is_refused(harness):
    desk = scim_desk()
    issued = desk.issue(frozenset({"Y0301"}), PRACTICE, "Y0301", "practice-okta")
    assert desk.users_for(f"Bearer {issued['token']}", BASE).ods == "Y0301"
    harness.directory.put_admin(PRACTICE, [])  # removed from the practice
    with pytest.raises(ScimError) as refused:
        desk.users_for(f"Bearer {issued['token']}", BASE)
    assert refused.value.status == 401 and PRACTICE in refused.value.detail


def test_a_revoked_token_is_refused_at_once_and_revoking_again_changes_nothing(harness):
    desk = scim_desk()
    issued = desk.issue(frozenset({"RX1"}), ADMIN, "RX1", "entra")
    first = desk.revoke(frozenset({"RX1"}), ADMIN, issued["token_id"])
    again = desk.revoke(frozenset({"RX1"}), ADMIN, issued["token_id"])
    assert first == again and first["revoked_by"] == ADMIN
    with pytest.raises(ScimError) as refused:
        desk.users_for(f"Bearer {issued['token']}", BASE)
    assert refused.value.status == 401
