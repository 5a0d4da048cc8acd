"""SCIM leavers under the leaver approval rule (docs/scim.md#leavers), on the embedded stack
with the deployed limits: past them a deactivation is refused with 429 saying a second
administrator must approve, one `Approval needed:` email goes out however often the provider
retries, and the retry after another administrator's approval succeeds."""

from __future__ import annotations

import email
import time
from email import policy

import pytest

from roster.model.uploads import FINAL_STATES
from roster.scim.errors import ScimError
from roster.scim.leaver_guard import approval_upload_id
from roster.wiring import approval_step, scim_desk
from roster_local.moto_patches.ses_outbox import raw_messages
from roster_local.stack.embedded_stack import ACCOUNT_ID, REGION
from tests.conftest import ADMIN

PRACTICE = "practice.manager@example.nhs.net"  # Y0301's other administrator in examples/directory.json
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
DEACTIVATE = {"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}


def _subjects() -> list[str]:
    return [str(email.message_from_bytes(raw, policy=policy.default)["Subject"])
            for raw in raw_messages(ACCOUNT_ID, REGION)]


def _finished(harness, upload_id: str) -> str:
    """The upload's state once it is final (the create phase runs on Step Functions' own threads)."""
    for _ in range(600):
        upload = harness.uploads.get(upload_id)
        if upload.state in FINAL_STATES:
            return upload.state.value
        time.sleep(0.2)
    return harness.uploads.get(upload_id).state.value


def test_a_deactivation_past_the_limit_waits_for_a_second_administrator(approval_harness):
    desk = scim_desk()
    issued = desk.issue(frozenset({"Y0301"}), ADMIN, "Y0301", "entra-practice")
    users = desk.users_for(f"Bearer {issued['token']}", "https://roster.example/scim/v2")
    created = users.create({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ann@gp.example",
                            "name": {"givenName": "Ann", "familyName": "Other"}, "active": True})
    assert created.id is not None and created.active is True

    refusals = []
    for _ in range(3):  # the identity provider retries
        with pytest.raises(ScimError) as refused:
            users.patch(created.id, DEACTIVATE)
        refusals.append(refused.value)
    assert {r.status for r in refusals} == {429}
    assert "second administrator" in refusals[0].detail and "roster approve" in refusals[0].detail
    assert users.get(created.id).active is True  # nothing applied
    assert [s for s in _subjects() if s.startswith("Approval needed:")] == [
        "Approval needed: scim-leaver-ann.other-nhs.net.csv"]

    account = approval_harness.directory.account("ann.other@nhs.net")
    upload_id = approval_upload_id(account)
    upload = approval_harness.uploads.get(upload_id)
    assert upload.state.value == "AWAITING_APPROVAL" and upload.uploader == ADMIN
    assert upload.approval_administrators == {"Y0301": sorted([ADMIN, PRACTICE])}
    with pytest.raises(Exception, match="another administrator"):
        approval_step().approve_upload(upload_id, ADMIN)  # the token's issuer cannot approve alone

    approval_step().approve_upload(upload_id, PRACTICE)
    assert _finished(approval_harness, upload_id) == "COMPLETED"  # validated again, applied by the create phase

    assert users.patch(created.id, DEACTIVATE).active is False  # the provider's retry succeeds
    assert approval_harness.directory.account("ann.other@nhs.net").status.value == "leaver"
    assert [s for s in _subjects() if s.startswith("Approval needed:")] == [
        "Approval needed: scim-leaver-ann.other-nhs.net.csv"]


def test_a_delete_past_the_limit_is_refused_and_changes_nothing(approval_harness):
    desk = scim_desk()
    issued = desk.issue(frozenset({"Y0301"}), ADMIN, "Y0301", "okta-practice")
    users = desk.users_for(f"Bearer {issued['token']}", "https://roster.example/scim/v2")
    created = users.create({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bo@gp.example",
                            "name": {"givenName": "Bo", "familyName": "Brown"}})
    with pytest.raises(ScimError) as refused:
        users.delete(str(created.id))
    assert refused.value.status == 429
    assert users.get(str(created.id)).active is True
