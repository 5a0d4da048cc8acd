"""An upload's `approval` in the API's view (issue 22): why it waits, who may approve each
organisation (the uploader where nobody else may), and whether the caller may approve or cancel,
so that the console offers Approve only to those who may."""

from __future__ import annotations

from roster.model.uploads import UploadState
from tests.unit.api.conftest import ADMIN, PRACTICE

REASON = "1 of the 1 active accounts of Y0301 (100%) would be marked as leavers"


def test_a_waiting_upload_says_why_who_may_approve_and_what_the_caller_may_do(api):
    upload = api.upload(UploadState.AWAITING_APPROVAL, uploader=ADMIN, orgs=("Y0301",), validate_only=False,
                        approval_administrators={"Y0301": [ADMIN, PRACTICE]}, approval_reasons=[REASON],
                        approval_deadline="2026-12-14T01:00:00+00:00")

    by_uploader = api.request("GET", f"/uploads/{upload.upload_id}").json()["approval"]
    by_practice = api.request("GET", f"/uploads/{upload.upload_id}", as_admin=PRACTICE).json()["approval"]

    assert by_uploader["reasons"] == [REASON] and by_uploader["approvers"] == {"Y0301": [PRACTICE]}
    assert by_uploader["uploader_approves"] == [] and by_uploader["deadline"] == "2026-12-14T01:00:00+00:00"
    assert (by_uploader["may_approve"], by_uploader["may_cancel"]) == (False, True)
    assert (by_practice["may_approve"], by_practice["may_cancel"]) == (True, True)


def test_an_organisation_whose_only_administrator_is_the_uploader_is_approved_by_the_uploader(api):
    upload = api.upload(UploadState.AWAITING_APPROVAL, uploader=ADMIN, orgs=("RX1",), validate_only=False,
                        approval_administrators={"RX1": [ADMIN]}, approval_reasons=[REASON])

    approval = api.request("GET", f"/uploads/{upload.upload_id}").json()["approval"]

    assert approval["approvers"] == {"RX1": [ADMIN]} and approval["uploader_approves"] == ["RX1"]
    assert approval["may_approve"] is True


def test_a_validated_upload_that_will_wait_says_so_and_nobody_may_approve_it_yet(api):
    upload = api.upload(UploadState.VALIDATED, validate_only=True, approval_administrators={"RX1": [ADMIN, PRACTICE]},
                        approval_reasons=[REASON])

    approval = api.request("GET", f"/uploads/{upload.upload_id}").json()["approval"]

    assert approval["needed_on_apply"] is True and approval["may_approve"] is False


def test_an_upload_that_never_needed_approval_has_no_approval(api):
    upload = api.upload(UploadState.COMPLETED)

    assert "approval" not in api.request("GET", f"/uploads/{upload.upload_id}").json()
