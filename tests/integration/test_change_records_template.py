"""template.yaml keeps the record of changes as docs/approval-and-plan.md#change-records says: a
table of its own, kept AuditRetentionDays (400 by default) by TTL, written (put, never updated or
deleted) by the functions that change accounts alone, create and scim, read by the API and, to plan
an undo, by validate and apply. No AWS: these read the template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str

REPO = Path(__file__).resolve().parents[2]
READS = {"dynamodb:Query", "dynamodb:GetItem", "dynamodb:BatchGetItem"}


def _template() -> dict[str, Any]:
    template, matches = decode_str((REPO / "template.yaml").read_text(encoding="utf-8"))
    assert not matches
    return json.loads(json.dumps(template, default=str))


def _mentions_changes_table(value: Any) -> bool:
    return "ChangesTable" in json.dumps(value)


def _grants(template: dict[str, Any]) -> dict[str, set[str]]:
    """Function -> the actions its policies grant on the Changes table (a SAM policy template naming it
    counts as every action it stands for)."""
    grants: dict[str, set[str]] = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for kind, body in policy.items():
                if kind != "Statement":
                    if _mentions_changes_table(body):
                        grants.setdefault(name, set()).add(kind)
                    continue
                for statement in body or []:  # (an empty `- Statement:` entry grants nothing)
                    if _mentions_changes_table(statement.get("Resource")):
                        grants.setdefault(name, set()).update(statement["Action"])
    return grants


def test_only_the_functions_that_change_accounts_write_the_record_and_the_api_and_undo_planning_only_read_it():
    grants = _grants(_template())

    # Validate and apply plan an undo upload from the records (docs/approval-and-plan.md#undo); a SCIM
    # write is a row transaction with its record, as create's are (docs/scim.md).
    assert grants == {"CreateFunction": {"dynamodb:PutItem", "dynamodb:Query"}, "ScimFunction": {"dynamodb:PutItem"},
                      "ApiFunction": {"dynamodb:Query"}, "ValidateFunction": READS, "ApplyFunction": READS}
    writers = {"CreateFunction", "ScimFunction"}
    assert all(actions <= READS for name, actions in grants.items() if name not in writers)


def test_the_record_is_kept_audit_retention_days_in_a_table_of_its_own():
    template = _template()
    table = template["Resources"]["ChangesTable"]
    parameter = template["Parameters"]["AuditRetentionDays"]

    assert table["Type"] == "AWS::DynamoDB::Table" and table["DeletionPolicy"] == "Retain"
    assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert parameter["Default"] == 400
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["ROSTER_AUDIT_RETENTION_DAYS"] == {"Ref": "AuditRetentionDays"}
    assert variables["ROSTER_CHANGES_TABLE"] == {"Ref": "ChangesTable"}
