"""template.yaml as CloudFormation receives it: expanded by the SAM translator, then linted by
cfn-lint and checked by checkov (docs/deploy.md, "What is verified offline"). The unexpanded
template hides what SAM makes of it: an empty `- Statement:` passes cfn-lint before expansion and
becomes an inline policy IAM refuses, so no stack is ever created."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from roster_local.stack.sam_expand import expand, expand_file
from roster_local.stack.template import load_template

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
CFN_LINT = Path(sys.executable).parent / "cfn-lint"
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
CHECKOV_CONFIG = REPO / ".checkov.yaml"


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)


def _write(tmp_path: Path, template: dict[str, Any]) -> Path:
    path = tmp_path / "expanded.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def expanded() -> dict[str, Any]:
    return expand_file(TEMPLATE)


def test_the_expansion_has_no_serverless_resource_left(expanded: dict[str, Any]) -> None:
    kinds = {resource["Type"] for resource in expanded["Resources"].values()}

    assert not any(kind.startswith("AWS::Serverless::") for kind in kinds), kinds
    assert {"AWS::IAM::Role", "AWS::Lambda::Function", "AWS::StepFunctions::StateMachine"} <= kinds


def test_the_expanded_template_passes_cfn_lint(expanded: dict[str, Any], tmp_path: Path) -> None:
    result = _run([str(CFN_LINT), str(_write(tmp_path, expanded))])

    assert result.returncode == 0, f"cfn-lint exit {result.returncode}:\n{result.stdout}\n{result.stderr}"


def test_an_empty_statement_fails_the_expanded_lint(tmp_path: Path) -> None:
    """The defect that kept the stack from being created: it must fail `make test`."""
    text = TEMPLATE.read_text(encoding="utf-8")
    anchor = text.index("      Policies:\n", text.index("\n  DeadLetterFunction:\n")) + len("      Policies:\n")
    broken = tmp_path / "template.yaml"
    broken.write_text(text[:anchor] + "        - Statement:\n" + text[anchor:], encoding="utf-8")

    result = _run([str(CFN_LINT), str(_write(tmp_path, expand(load_template(broken))))])

    assert result.returncode != 0 and "E3510" in result.stdout, result.stdout


def test_the_expanded_template_passes_checkov(expanded: dict[str, Any], tmp_path: Path) -> None:
    assert CHECKOV.exists(), "checkov is not installed: `make test` installs it into .venv-checkov/"

    result = _run([str(CHECKOV), "--config-file", str(CHECKOV_CONFIG), "-f", str(_write(tmp_path, expanded))])

    assert result.returncode == 0, f"checkov exit {result.returncode}:\n{result.stdout[-4000:]}"
    assert "Failed checks: 0" in result.stdout, result.stdout[-4000:]


def test_checkov_fails_an_unencrypted_log_group(expanded: dict[str, Any], tmp_path: Path) -> None:
    assert CHECKOV.exists(), "checkov is not installed: `make test` installs it into .venv-checkov/"
    broken = copy.deepcopy(expanded)  # the fixture is shared by the module's tests
    del broken["Resources"]["ApplyFunctionLogGroup"]["Properties"]["KmsKeyId"]

    result = _run([str(CHECKOV), "--config-file", str(CHECKOV_CONFIG), "-f", str(_write(tmp_path, broken))])

    assert result.returncode != 0 and "CKV_AWS_158" in result.stdout, result.stdout[-4000:]


def test_every_skipped_check_says_why() -> None:
    lines = CHECKOV_CONFIG.read_text(encoding="utf-8").splitlines()
    skips = [index for index, line in enumerate(lines) if re.fullmatch(r"\s*- CKV\w+", line)]
    in_template = re.findall(r"- id: (CKV\w+)\n\s+comment: (.+)", TEMPLATE.read_text(encoding="utf-8"))

    assert skips, "no skipped check: remove this test's premise"
    assert all(lines[index - 1].lstrip().startswith("#") for index in skips), [lines[i] for i in skips]
    assert all(len(comment) > 20 for _, comment in in_template), in_template


def _asl_retries(state: dict[str, Any]) -> set[str]:
    return {error for retry in state.get("Retry", []) for error in retry["ErrorEquals"]}


def test_create_reserves_the_map_concurrency_and_its_throttles_are_retried() -> None:
    """docs/deploy.md, "Concurrency": create's reserved concurrency is MapMaxConcurrency, and a
    batch throttled beyond it is retried by the state machine, not failed."""
    template = load_template(TEMPLATE)
    create = template["Resources"]["CreateFunction"]["Properties"]
    definition = json.loads((REPO / "statemachine" / "create_users.asl.json").read_text(encoding="utf-8"))
    tasks = [state for state in _states(definition) if "CreateFunctionArn" in json.dumps(state.get("Parameters", {}))
             or "CreateFunctionArn" in json.dumps(state.get("Arguments", {}))]

    assert create["ReservedConcurrentExecutions"] == {"Ref": "MapMaxConcurrency"}
    assert tasks and all("Lambda.TooManyRequestsException" in _asl_retries(task) for task in tasks)


def _states(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("Type") == "Task":
            found.append(node)
        for value in node.values():
            found.extend(_states(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_states(value))
    return found


def test_apply_has_an_on_failure_destination_and_logs_use_the_key(expanded: dict[str, Any]) -> None:
    resources = expanded["Resources"]
    apply_config = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::EventInvokeConfig"
                    and r["Properties"]["FunctionName"] == {"Ref": "ApplyFunction"}]
    key_policy = resources["RosterKey"]["Properties"]["KeyPolicy"]["Statement"]
    (logs,) = [s for s in key_policy if s.get("Sid") == "CloudWatchLogsEncryptsLogGroups"]

    assert apply_config and apply_config[0]["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["UploadDeadLetterQueue", "Arn"]}
    assert all(r["Properties"].get("KmsKeyId") == {"Fn::GetAtt": ["RosterKey", "Arn"]}
               for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup")
    assert "kms:EncryptionContext:aws:logs:arn" in logs["Condition"]["ArnLike"]
