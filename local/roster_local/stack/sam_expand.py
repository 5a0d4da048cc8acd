"""template.yaml expanded by the SAM translator, the CloudFormation template AWS creates.

`sam deploy` sends the template to CloudFormation, whose AWS::Serverless transform expands
every AWS::Serverless::* resource: functions get their roles (policy templates such as
DynamoDBCrudPolicy become statements), events their permissions and mappings. The linters and
the embedded stack's IAM check (stack.iam_guard) read this expansion, as AWS does, so a policy
that only looks right before expansion is caught (docs/deploy.md, "What is verified offline").

`python -m roster_local.stack.sam_expand template.yaml -o expanded.json` writes it for cfn-lint
and checkov (the Makefile's `test`)."""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from roster_local.stack.template import load_template

# The properties that name a local folder or file; `sam package` uploads each and puts its
# S3 location in their place. The translator accepts only an S3 location.
_PACKAGED_PROPERTIES = ("CodeUri", "ContentUri", "DefinitionUri")
ARTIFACT_BUCKET = "roster-artifacts"
# The translator asks boto3 for the region and partition of ARNs it builds; nothing is called.
_REGION = "eu-west-2"


def packaged(template: dict[str, Any]) -> dict[str, Any]:
    """The template as `sam package` leaves it: local paths replaced by S3 locations."""
    result = copy.deepcopy(template)
    for resource in result.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        for name in _PACKAGED_PROPERTIES:
            if isinstance(properties.get(name), str) and not properties[name].startswith("s3://"):
                properties[name] = f"s3://{ARTIFACT_BUCKET}/{properties[name].strip('/')}"
    return result


def expand(template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation template the AWS::Serverless transform makes of a SAM template
    (intrinsic functions left as they are: CloudFormation resolves them at deploy time)."""
    session = boto3.session.Session(region_name=_REGION, aws_access_key_id="unused",
                                    aws_secret_access_key="unused")
    # An empty managed policy map: the template names AWS managed policies by ARN only.
    translated: dict[str, Any] = Translator({}, Parser(), boto_session=session).translate(packaged(template), {})
    return translated


def expand_file(path: Path) -> dict[str, Any]:
    return expand(load_template(path))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("template", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(expand_file(args.template), indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
