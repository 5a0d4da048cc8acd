"""The journeys fail when a role loses a permission it needs (roster_local.stack.iam_guard): each
function's calls, the state machine's and every presigned form's use are checked against the roles
of the SAM-expanded template, and a refusal names the function, the action and the resource."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from roster.model.uploads import FINAL_STATES, UploadState
from roster.wiring import change_log, scim_desk
from roster_local.run.approve_via_api import signed_in_sub
from roster_local.serve.api_gateway import HttpRequest, api_gateway_event
from roster_local.stack.embedded_stack import EmbeddedStack
from roster_local.stack.iam_guard import AccessDeniedInRun
from tests.conftest import ADMIN, EXAMPLES
from tests.integration.conftest import DEPLOYED_APPROVAL_PARAMETERS, TEST_PARAMETERS, Harness

# The apply function's policies as they were when issue 17 was filed: S3 and Directory reads only.
APPLY_AS_FILED = [{"S3CrudPolicy": {"BucketName": {"Fn::Sub": "${AWS::StackName}-uploads-${AWS::AccountId}-"
                                                                "${AWS::Region}"}}},
                  {"DynamoDBReadPolicy": {"TableName": {"Ref": "DirectoryTable"}}}]
SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def _without(stack: EmbeddedStack, logical: str, action: str) -> None:
    """The template as if `logical`'s policies did not grant `action` (before the stack starts)."""
    properties = stack.template["Resources"][logical]["Properties"]
    kept: list[Any] = []
    found = False
    for policy in properties["Policies"]:
        statements = []
        for statement in policy.get("Statement", []):
            actions = [a for a in statement["Action"] if a != action]
            found |= len(actions) < len(statement["Action"])
            if actions:
                statements.append({**statement, "Action": actions})
        kept.append({"Statement": statements} if "Statement" in policy else policy)
    assert found, f"{logical} does not grant {action}: the test's premise is gone"
    properties["Policies"] = kept


def _run(stack: EmbeddedStack, tmp_path: Path, *files: Path, approve_as: str | None = None) -> list[str]:
    """Run the uploads; the denials the run recorded, as text (the run must then fail)."""
    with pytest.raises(AccessDeniedInRun) as failure, stack:
        Harness(stack, tmp_path).upload(*files, approve_as=approve_as)  # the run fails as soon as one is refused
    return [line.strip() for line in str(failure.value).splitlines()[1:]]


def test_apply_with_its_role_as_filed_fails_the_approval_journey(tmp_path: Path) -> None:
    """Issue 17's defect: the last approval hands the upload to apply, whose first call was denied."""
    stack = EmbeddedStack(parameters=DEPLOYED_APPROVAL_PARAMETERS)
    stack.template["Resources"]["ApplyFunction"]["Properties"]["Policies"] = APPLY_AS_FILED

    denials = _run(stack, tmp_path, EXAMPLES / "users.csv", EXAMPLES / "updates.csv",
                   approve_as="community.lead@example.nhs.net")

    assert denials[0] == ("roster-local-apply may not dynamodb:GetItem on "
                          "arn:aws:dynamodb:eu-west-2:123456789012:table/roster-local-JobsTable (not allowed)")


def test_notify_without_ses_fails_the_journey_naming_function_action_and_resource(tmp_path: Path) -> None:
    stack = EmbeddedStack(parameters=TEST_PARAMETERS)
    _without(stack, "NotifyFunction", "ses:SendRawEmail")

    denials = _run(stack, tmp_path, EXAMPLES / "users.csv")

    assert denials and set(denials) == {"roster-local-NotifyFunction may not ses:SendRawEmail on "
                                        "arn:aws:ses:eu-west-2:123456789012:identity/roster@roster.example.nhs.net "
                                        "(not allowed)"}


def test_the_state_machine_without_invoke_fails_the_create_phase(tmp_path: Path) -> None:
    stack = EmbeddedStack(parameters=TEST_PARAMETERS)
    properties = stack.template["Resources"]["CreateUsersStateMachine"]["Properties"]
    kept = [policy for policy in properties["Policies"] if "LambdaInvokePolicy" not in policy]
    assert len(kept) < len(properties["Policies"]), "the state machine's invoke grant moved: update this test"
    properties["Policies"] = kept

    denials = _run(stack, tmp_path, EXAMPLES / "users.csv")

    assert denials[0].startswith("state machine roster-local-create-users may not lambda:InvokeFunction on "
                                 "arn:aws:lambda:eu-west-2:123456789012:function:roster-local-")


def test_validate_reading_an_upload_needs_the_key_the_bucket_encrypts_with(tmp_path: Path) -> None:
    """The KMS use implied by the SSE-KMS bucket is checked, not only the S3 action."""
    stack = EmbeddedStack(parameters=TEST_PARAMETERS)
    _without(stack, "ValidateFunction", "kms:Decrypt")

    denials = _run(stack, tmp_path, EXAMPLES / "users.csv")

    assert denials[0].startswith("roster-local-ValidateFunction may not kms:Decrypt on arn:aws:kms:eu-west-2:")


def _issue_form(stack: EmbeddedStack) -> dict[str, Any]:
    request = HttpRequest("POST", "/uploads", {"content-type": "application/json", "host": "127.0.0.1"},
                          b'{"file_name": "users.csv", "validate_only": true}')
    payload, failed = stack.lambdas.invoke(stack._ref("ApiFunction"), api_gateway_event(
        request, "POST /uploads", {"email": ADMIN, "email_verified": True, "token_use": "id",
                                   "sub": signed_in_sub(stack, ADMIN)}))
    assert not failed and payload["statusCode"] == 201, payload
    form: dict[str, Any] = json.loads(payload["body"])["form"]
    return form


def test_an_upload_form_works_with_its_signers_rights_and_is_refused_without_them(tmp_path: Path) -> None:
    with EmbeddedStack(parameters=TEST_PARAMETERS) as stack:
        Harness(stack, tmp_path)  # the directory: the caller administers an organisation
        form = _issue_form(stack)
        posted = requests.post(form["url"], data=form["fields"], files={"file": ("users.csv", b"x")}, timeout=30)
        assert posted.status_code in (200, 201, 204), posted.text
        stack.lambdas.wait_idle(timeout=60)

    stack = EmbeddedStack(parameters=TEST_PARAMETERS)
    _without(stack, "ApiFunction", "s3:PutObject")
    with pytest.raises(AccessDeniedInRun, match="roster-local-api may not s3:PutObject on arn:aws:s3:::"), stack:
        Harness(stack, tmp_path)
        form = _issue_form(stack)  # signing needs no right: using the form does
        refused = requests.post(form["url"], data=form["fields"], files={"file": ("users.csv", b"x")}, timeout=30)
        assert refused.status_code == 403 and b"AccessDenied" in refused.content


def test_every_journey_of_the_example_runs_under_the_check(tmp_path: Path) -> None:
    """validate, create, notify, the approval through api and apply: nothing refused, every role used."""
    with EmbeddedStack(parameters=DEPLOYED_APPROVAL_PARAMETERS) as stack:
        results = Harness(stack, tmp_path).upload(EXAMPLES / "users.csv", EXAMPLES / "updates.csv",
                                                  approve_as="community.lead@example.nhs.net")
        assert stack.iam is not None and not stack.iam.denials
        used = {principal for principal, _, _ in stack.iam.used}

    assert [r.upload.state for r in results] == [UploadState.COMPLETED, UploadState.COMPLETED]
    assert all(r.upload.state in FINAL_STATES for r in results)
    assert {"roster-local-ValidateFunction", "roster-local-CreateFunction", "roster-local-NotifyFunction",
            "roster-local-api", "roster-local-apply", "state machine roster-local-create-users"} <= used


def _scim(stack: EmbeddedStack, token: str, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """One SCIM request to the scim function, as API Gateway gives it (no authorizer: the token is its own)."""
    request = HttpRequest(method, f"/scim/v2{path}", {"content-type": "application/scim+json", "host": "127.0.0.1",
                                                      "authorization": f"Bearer {token}"}, json.dumps(body).encode())
    payload, failed = stack.lambdas.invoke(stack._ref("ScimFunction"),
                                           api_gateway_event(request, "ANY /scim/v2/{proxy+}", None))
    assert not failed, payload
    answer: dict[str, Any] = payload
    return answer


def test_a_scim_journey_runs_under_the_check_and_each_change_is_on_the_record(tmp_path: Path) -> None:
    """Create, then deactivate, through the scim function's role: each change has its record (channel
    scim, by the token's name), put in the change's own transaction (docs/scim.md)."""
    with EmbeddedStack(parameters=TEST_PARAMETERS) as stack:
        Harness(stack, tmp_path)
        token = scim_desk().issue(frozenset({"RX1"}), ADMIN, "RX1", "entra-journey")["token"]
        created = _scim(stack, token, "POST", "/Users", {
            "schemas": [SCIM_USER], "userName": "ada@contoso.example", "active": True,
            "name": {"givenName": "Ada", "familyName": "Journey"}})
        assert created["statusCode"] == 201, created
        user_id = json.loads(created["body"])["id"]
        patched = _scim(stack, token, "PATCH", f"/Users/{user_id}", {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": False}]})
        assert patched["statusCode"] == 200, patched
        records = change_log().for_account("ada.journey@nhs.net")
        assert stack.iam is not None and not stack.iam.denials

    assert sorted((r.action, r.channel, r.by) for r in records) == [("Create", "scim", "entra-journey"),
                                                                     ("Leaver", "scim", "entra-journey")]
