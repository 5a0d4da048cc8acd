"""The plan (docs/approval-and-plan.md#the-plan) and the approval of large retirements
(docs/approval-and-plan.md#approval), through the real handlers and state machine on the embedded stack, as
`roster local run` runs them."""

from __future__ import annotations

import email
import json
from email import policy

import pytest

from roster.contract.plan_file import PlanLine, parse_plan_csv
from roster.contract.results_file import parse_results_csv
from roster.errors import NotAwaitingApproval
from roster.settings import get_settings
from roster.wiring import approval_step
from tests.conftest import ADMIN, APPROVER, EXAMPLES, current_csv

pytestmark = pytest.mark.integration

MIXED = current_csv(
    ",,,,Lead Radiographer,,,,07912 345200,,,amir.khan@nhs.net,",
    "Mrs,,,,,,,,,,,sarah.oconnor@nhs.net,leaver",
    ",,,,Cardiac Physiologist,RY2,District Nursing,,,,,tom.baker@nhs.net,",
    "ms.,,,,Practice Nurse,,,,,4096MB,,lucy.gray@nhs.net,",
    "Mr,Daniel,Clarke,,Healthcare Scientist,RX1,Radiology,,,,,,",
    "Dr,Jane,Doe,,Nurse,RX1,,,,,,,",
    "Dr,Jane,Doe,,Porter,RX1,,,,,,,",
    ",,,,,,,,,,Xk9#mQ2$vL7!pR,jane.doe@nhs.net,",
)


def _emails(result) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted((result.folder / "emails").glob("*.eml"))]


def _upload(result) -> dict:
    return json.loads((result.folder / "job.json").read_text())


def _accounts(harness) -> dict:
    return {a.email: a for a in harness.directory.all_accounts()}


def test_a_validate_only_mixed_file_writes_its_plan_line_by_line(harness):
    (result,) = harness.upload(harness.write("mixed.csv", MIXED), validate_only=True)

    assert _upload(result)["state"] == "VALIDATED"
    plan_text = (result.folder / "plan.csv").read_bytes().decode("utf-8")  # as written: BOM, CRLF
    assert parse_plan_csv(plan_text) == [
        PlanLine(2, "Update", "amir.khan@nhs.net", "Job Title", "Radiographer", "Lead Radiographer"),
        PlanLine(2, "Update", "amir.khan@nhs.net", "Mobile Phone", "", "+447912345200"),
        PlanLine(3, "Leaver", "sarah.oconnor@nhs.net"),
        PlanLine(4, "Joiner", "tom.baker@nhs.net", "Organisation ODSCode", "RX1", "RY2"),
        PlanLine(4, "Joiner", "tom.baker@nhs.net", "Organisational Unit", "Cardiology", "District Nursing"),
        PlanLine(4, "Joiner", "tom.baker@nhs.net", "Status", "leaver", "active"),
        PlanLine(5, "Unchanged", "lucy.gray@nhs.net"),
        PlanLine(6, "Create", "daniel.clarke@nhs.net"),
        PlanLine(7, "Create", "jane.doe1@nhs.net"),
        PlanLine(8, "Create", "jane.doe2@nhs.net"),
        PlanLine(9, "Update", "jane.doe@nhs.net", "Password", "********", "********"),
    ]
    [sent] = _emails(result)
    attached = {part.get_filename(): part.get_content() for part in sent.iter_attachments()}
    assert sent["Subject"] == "Validated: mixed.csv" and list(attached) == ["mixed-validation.csv", "mixed-plan.csv"]
    assert attached["mixed-plan.csv"] == plan_text
    assert len(_accounts(harness)) == 5 and _accounts(harness)["sarah.oconnor@nhs.net"].status.value == "active"


def test_an_upload_over_the_limit_waits_and_the_uploader_cannot_approve_it_alone(approval_harness):
    before = _accounts(approval_harness)
    (result,) = approval_harness.upload(EXAMPLES / "updates.csv", approve_as=ADMIN)

    upload = _upload(result)
    assert upload["state"] == "AWAITING_APPROVAL" and upload["approvals"] == {}
    assert upload["approval_administrators"] == {"RY2": [ADMIN, APPROVER]}
    assert _accounts(approval_harness) == before  # nothing applied
    assert not (result.folder / "results.csv").exists()
    assert PlanLine(3, "Leaver", "sarah.oconnor@nhs.net") in parse_plan_csv(
        (result.folder / "plan.csv").read_text(encoding="utf-8"))
    [sent] = _emails(result)
    assert sent["Subject"] == "Approval needed: updates.csv" and sent["To"] == f"{ADMIN}, {APPROVER}"
    assert [part.get_filename() for part in sent.iter_attachments()] == ["updates-plan.csv"]
    assert "1 of the 1 active accounts of RY2 (100%)" in sent.get_body().get_content()
    executions = approval_harness.stack.client("stepfunctions").list_executions(
        stateMachineArn=get_settings().state_machine_arn)["executions"]
    assert executions == []


def test_another_administrator_approves_it_and_it_is_applied_exactly_once(approval_harness):
    (result,) = approval_harness.upload(EXAMPLES / "updates.csv", approve_as=APPROVER)

    upload = _upload(result)
    assert upload["state"] == "COMPLETED" and upload["approvals"] == {"RY2": APPROVER}
    assert sorted(r["Result"] for r in parse_results_csv((result.folder / "results.csv").read_text(encoding="utf-8"))) \
        == ["Created", "Joiner", "Leaver", "Unchanged", "Updated"]
    assert _accounts(approval_harness)["sarah.oconnor@nhs.net"].status.value == "leaver"
    assert [sent["Subject"] for sent in _emails(result)] == ["Approval needed: updates.csv",
                                                             "Upload complete: updates.csv"]

    again = approval_step().approve_upload(result.upload.upload_id, APPROVER)  # a repeated approval
    with pytest.raises(NotAwaitingApproval):
        approval_step().cancel_upload(result.upload.upload_id, ADMIN)

    assert again.state.value == "COMPLETED"
    assert approval_harness.stack.lambdas.wait_idle(timeout=60)
    executions = approval_harness.stack.client("stepfunctions").list_executions(
        stateMachineArn=get_settings().state_machine_arn)["executions"]
    assert [e["name"] for e in executions] == [result.upload.upload_id]
    assert len(_accounts(approval_harness)) == 6
