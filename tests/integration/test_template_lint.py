"""template.yaml and the state machine definition: linted, consistent with each other, least privilege.

No AWS and no moto here: these run the linters the deployment relies on and read the files.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
DEFINITION = REPO / "statemachine" / "create_users.asl.json"
CFN_LINT = Path(sys.executable).parent / "cfn-lint"
ASL_VALIDATOR = REPO / "node_modules" / ".bin" / "asl-validator"

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")

# CloudWatch Logs log-delivery actions have no resource-level permissions, so the
# state machine's logging statement must name Resource "*".
LOG_DELIVERY_ACTIONS = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


def _template() -> dict[str, Any]:
    template, matches = decode_str(TEMPLATE.read_text(encoding="utf-8"))
    assert not matches, [str(match) for match in matches]
    return template


def _policy_statements(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM statement in the template: SAM Statement blocks, key and bucket policies."""
    if isinstance(node, dict):
        if "Effect" in node and ("Action" in node or "NotAction" in node):
            yield path, node
        for key, value in node.items():
            yield from _policy_statements(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _policy_statements(value, f"{path}/{index}")


def _sub_strings(node: Any) -> Iterator[str]:
    """The template string of every !Sub in the template."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Fn::Sub":
                yield value if isinstance(value, str) else value[0]
            yield from _sub_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _sub_strings(value)


def _values_of(node: Any, wanted_key: str) -> Iterator[Any]:
    """Every value stored under wanted_key anywhere in the template."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == wanted_key:
                yield value
            yield from _values_of(value, wanted_key)
    elif isinstance(node, list):
        for value in node:
            yield from _values_of(value, wanted_key)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_tls_only_deny(statement: dict[str, Any]) -> bool:
    secure_transport = statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")
    return (
        statement["Effect"] == "Deny"
        and _as_list(statement.get("Action")) == ["s3:*"]
        and str(secure_transport).lower() == "false"
    )


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)


def test_template_passes_cfn_lint() -> None:
    result = _run([str(CFN_LINT), str(TEMPLATE)])

    assert result.returncode == 0, f"cfn-lint exit {result.returncode}:\n{result.stdout}\n{result.stderr}"


def test_definition_passes_asl_validator() -> None:
    assert ASL_VALIDATOR.exists(), "asl-validator is not installed: run `npm ci` in the repository root"

    # The ${...} placeholders sit in string positions (FunctionName) only, which the
    # validator accepts as they are: the file is checked exactly as it is deployed.
    result = _run([str(ASL_VALIDATOR), "--json-path", str(DEFINITION)])

    assert result.returncode == 0, f"asl-validator exit {result.returncode}:\n{result.stdout}\n{result.stderr}"


def test_asl_validator_rejects_a_broken_definition(tmp_path: Path) -> None:
    """Proves the validator test above can fail: a transition to a missing state is refused."""
    assert ASL_VALIDATOR.exists(), "asl-validator is not installed: run `npm ci` in the repository root"
    definition = json.loads(DEFINITION.read_text(encoding="utf-8"))
    definition["States"]["NotifyAfterFailure"]["Next"] = "NoSuchState"
    broken = tmp_path / "broken.asl.json"
    broken.write_text(json.dumps(definition), encoding="utf-8")

    result = _run([str(ASL_VALIDATOR), "--json-path", str(broken)])

    assert result.returncode != 0, result.stdout


def test_every_placeholder_has_a_substitution_and_every_substitution_is_used() -> None:
    state_machine = _template()["Resources"]["CreateUsersStateMachine"]["Properties"]
    placeholders = set(PLACEHOLDER.findall(DEFINITION.read_text(encoding="utf-8")))

    assert state_machine["DefinitionUri"] == DEFINITION.relative_to(REPO).as_posix()
    assert placeholders, "the definition names no function: it cannot be wired to this stack"
    assert placeholders == set(state_machine["DefinitionSubstitutions"])


def test_no_wildcard_action_except_the_tls_only_deny() -> None:
    statements = list(_policy_statements(_template()))

    offending = [
        (path, statement.get("Action", statement.get("NotAction")))
        for path, statement in statements
        if "NotAction" in statement
        or (
            any("*" in str(action) for action in _as_list(statement["Action"]))
            and not _is_tls_only_deny(statement)
        )
    ]
    tls_denies = [path for path, statement in statements if _is_tls_only_deny(statement)]

    assert not offending, offending
    assert tls_denies == ["/Resources/AccessLogBucketPolicy/Properties/PolicyDocument/Statement/0",
                          "/Resources/UploadBucketPolicy/Properties/PolicyDocument/Statement/0"]


def test_resource_star_only_where_aws_requires_it() -> None:
    """Key policies always say "*" (the key itself); elsewhere only log delivery, which has no resource ARNs."""
    offending = [
        (path, statement["Action"])
        for path, statement in _policy_statements(_template())
        if "*" in _as_list(statement.get("Resource"))
        and not path.startswith("/Resources/RosterKey/Properties/KeyPolicy/")
        and not set(_as_list(statement["Action"])) <= LOG_DELIVERY_ACTIONS
    ]

    assert not offending, offending


def test_bucket_and_state_machine_are_named_the_same_everywhere() -> None:
    """The names are spelled out (to avoid circular references), so every copy must agree."""
    template = _template()
    bucket_name = template["Resources"]["UploadBucket"]["Properties"]["BucketName"]
    machine_name = template["Resources"]["CreateUsersStateMachine"]["Properties"]["Name"]
    environment = template["Globals"]["Function"]["Environment"]["Variables"]
    bucket_copies = [*(name for name in _values_of(template, "BucketName")
                       if name != template["Resources"]["AccessLogBucket"]["Properties"]["BucketName"]),
                     environment["ROSTER_BUCKET"]]
    machine_copies = list(_values_of(template, "StateMachineName"))
    machine_arns = [sub for sub in _sub_strings(template) if re.search(r":(stateMachine|execution):", sub)]

    # Policies name the bucket in ARNs of its prefixes: each must be this bucket (or the log bucket's own).
    s3_arns = [sub for sub in _sub_strings(template) if ":s3:::" in sub and "${AccessLogBucket" not in sub]

    assert len(bucket_copies) >= 2 and all(copy == bucket_name for copy in bucket_copies), bucket_copies
    assert len(s3_arns) >= 10 and all(f":s3:::{bucket_name['Fn::Sub']}" in arn for arn in s3_arns), s3_arns
    # Named in ARNs (below) now that no policy template takes StateMachineName; any copy must agree.
    assert all(copy == machine_name for copy in machine_copies), machine_copies
    assert machine_arns
    machine = re.escape(machine_name["Fn::Sub"])
    names_the_machine = re.compile(rf":(stateMachine|execution):{machine}($|[/:])")
    assert all(names_the_machine.search(arn) for arn in machine_arns), machine_arns


def test_every_setting_has_its_environment_variable() -> None:
    from roster.settings import Settings, environment_variable  # here, so only this test depends on it

    variables = _template()["Globals"]["Function"]["Environment"]["Variables"]
    expected = {environment_variable(name) for name in Settings.model_fields}

    assert expected - set(variables) == set()


def test_the_console_and_what_it_needs_before_sign_in_are_the_only_public_routes() -> None:
    from functions.api.console_assets import asset_paths  # here, so only this test depends on it

    routes = [(logical, event["Properties"]) for logical, resource in _template()["Resources"].items()
              if resource["Type"] == "AWS::Serverless::Function"
              for event in resource["Properties"].get("Events", {}).values() if event["Type"] == "HttpApi"]
    public = {(p["Method"], p["Path"]) for _, p in routes if p.get("Auth", {}).get("Authorizer") == "NONE"}

    # Every file of the console, /config and the samples; CORS preflights (they carry no token); and SCIM,
    # whose function checks its own bearer tokens (tests/e2e/test_scim.py refuses requests without one).
    assert public == ({("GET", path) for path in asset_paths()}
                      | {("GET", "/config"), ("GET", "/sample.csv"), ("GET", "/sample.xlsx"), ("OPTIONS", "/{proxy+}"),
                         ("ANY", "/scim/v2/{proxy+}")})
    assert {logical for logical, p in routes if not p["Path"].startswith("/scim/v2/")} == {"ApiFunction"}
    assert {logical for logical, p in routes if p["Path"].startswith("/scim/v2/")} == {"ScimFunction"}


def test_console_origin_takes_https_origins_and_this_machines_http_only() -> None:
    pattern = _template()["Parameters"]["ConsoleOrigin"]["AllowedPattern"]

    for allowed in ("", "https://roster.example.nhs.net", "https://roster.example.nhs.net:8443",
                    "http://127.0.0.1:8000", "http://localhost:8000"):  # the second last: roster local serve's
        assert re.fullmatch(pattern, allowed), allowed
    for refused in ("http://roster.example.nhs.net", "https://roster.example.nhs.net/", "http://127.0.0.1",
                    "https://a.example/path", "http://127.0.0.1.evil.example:80"):
        assert not re.fullmatch(pattern, refused), refused
