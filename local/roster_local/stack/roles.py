"""The roles of the deployed stack, as the SAM transform makes them, for the IAM check.

SAM turns each function's `Policies` (policy templates such as DynamoDBCrudPolicy, and inline
statements) and the state machine's into an AWS::IAM::Role of the expanded template
(stack.sam_expand). This module reads those roles, resolves their intrinsic functions against the
embedded stack's names, and builds the IamGuard that checks every call against them
(docs/deploy.md, "What is verified offline")."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from moto.kms.utils import _deserialize_ciphertext_blob

from roster_local.stack.iam_actions import Account
from roster_local.stack.iam_guard import IamGuard, Role
from roster_local.stack.iam_policy import as_list, statements_of
from roster_local.stack.sam_expand import expand

if TYPE_CHECKING:
    from roster_local.stack.embedded_stack import EmbeddedStack

# The AWS managed policies SAM attaches, as AWS defines them (their documents are not in the
# template). Any other managed policy stops the stack: its rights would be unknown here.
MANAGED_POLICIES: dict[str, list[dict[str, Any]]] = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": [
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"}],
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess": [
        {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                                       "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"],
         "Resource": "*"}],
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole": [
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                                       "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"}],
    # SAM attaches it to a function with a DynamoDB stream event (the events function).
    "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole": [
        {"Effect": "Allow", "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                                       "dynamodb:ListStreams", "logs:CreateLogGroup", "logs:CreateLogStream",
                                       "logs:PutLogEvents"],
         "Resource": "*"}],
}


def role_statements(stack: EmbeddedStack, role: dict[str, Any]) -> list[dict[str, Any]]:
    """Every statement of one expanded role: its inline policies, resolved, and its managed ones."""
    properties = role["Properties"]
    documents = [stack.resolver.resolve(policy["PolicyDocument"]) for policy in properties.get("Policies", [])]
    statements = statements_of(documents)
    for arn in as_list(stack.resolver.resolve(properties.get("ManagedPolicyArns", []))):
        if arn not in MANAGED_POLICIES:
            raise NotImplementedError(f"the IAM check does not know the managed policy {arn}")
        statements.extend(MANAGED_POLICIES[arn])
    return statements


def stack_roles(stack: EmbeddedStack) -> tuple[dict[str, Role], str | None]:
    """{principal: its Role} for every function (by its physical name) and the state machine."""
    expanded = expand(stack.template)
    resources = expanded["Resources"]
    roles: dict[str, Role] = {}
    state_machine = None
    for logical, resource in resources.items():
        if resource["Type"] == "AWS::Lambda::Function":
            principal = stack._ref(logical)
        elif resource["Type"] == "AWS::StepFunctions::StateMachine":
            name = stack.resolver.resolve(resource["Properties"]["StateMachineName"])
            principal = state_machine = f"state machine {name}"
        else:
            continue
        role_arn = resource["Properties"].get("Role") or resource["Properties"].get("RoleArn")
        role_logical = role_arn["Fn::GetAtt"][0]
        roles[principal] = Role(principal, f"{stack.stack_name}-{role_logical}",
                                tuple(role_statements(stack, resources[role_logical])))
    return roles, state_machine


def ciphertext_key(blob: bytes) -> str | None:
    """The id of the key that made a ciphertext of moto's KMS (its format: the key id first;
    tests/standin/test_iam_guard_contracts.py fails if that changes)."""
    try:
        return str(_deserialize_ciphertext_blob(blob).key_id)
    except (ValueError, struct.error):
        return None


def partition_keys(stack: EmbeddedStack) -> dict[tuple[str, str | None], str]:
    """{(table name, index name or None): its partition key attribute}, for dynamodb:LeadingKeys."""
    keys: dict[tuple[str, str | None], str] = {}
    for logical, props in stack._resources("AWS::DynamoDB::Table"):
        resolved = stack.resolver.resolve(props)
        name = stack._ref(logical)
        indexes = [(None, resolved["KeySchema"])] + [
            (index["IndexName"], index["KeySchema"])
            for index in [*resolved.get("GlobalSecondaryIndexes", []), *resolved.get("LocalSecondaryIndexes", [])]]
        for index, schema in indexes:
            keys[(name, index)] = next(key["AttributeName"] for key in schema if key["KeyType"] == "HASH")
    return keys


def iam_guard(stack: EmbeddedStack, region: str, account_id: str) -> IamGuard:
    """The guard of one embedded stack (not installed yet). The keys of buckets and queues are looked
    up now, so that checking a call never makes one."""
    roles, state_machine = stack_roles(stack)
    keys = {arn: arn for arn in (stack.arns[logical] for logical, _ in stack._resources("AWS::KMS::Key"))}
    keys.update({stack.names[logical]: stack.arns[logical] for logical, _ in stack._resources("AWS::KMS::Key")})
    for _logical, props in stack._resources("AWS::KMS::Alias"):
        keys[str(stack.resolver.resolve(props["AliasName"]))] = keys[str(stack.resolver.resolve(props["TargetKeyId"]))]
    buckets: dict[str, str] = {}
    for logical, props in stack._resources("AWS::S3::Bucket"):
        rules = stack.resolver.resolve(props.get("BucketEncryption", {})).get("ServerSideEncryptionConfiguration", [])
        default = rules[0]["ServerSideEncryptionByDefault"] if rules else {}
        if default.get("SSEAlgorithm") == "aws:kms":
            buckets[stack._ref(logical)] = keys[str(default["KMSMasterKeyID"])]
    queues = {stack.operations.queue_name(logical): keys[str(stack.resolver.resolve(props["KmsMasterKeyId"]))]
              for logical, props in stack._resources("AWS::SQS::Queue") if "KmsMasterKeyId" in props}
    tables = partition_keys(stack)
    account = Account(region, account_id, buckets.get, queues.get, lambda key: keys.get(key, key),
                      ciphertext_key, lambda table, index: tables.get((table, index)))
    return IamGuard(roles, account, state_machine)
