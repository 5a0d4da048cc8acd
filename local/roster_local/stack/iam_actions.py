"""What IAM checks for one AWS API call: its actions and the resource ARN of each. Most API calls are
one action named after the operation on one resource. The exceptions are IAM's (the AWS Service
Authorization Reference): a DynamoDB transaction is one action per item (PutItem, UpdateItem,
DeleteItem, ConditionCheckItem, GetItem) on that item's table; a batch is one action per table; a
Query or Scan of an index is on `table/<name>/index/<index>`; S3's HeadObject is s3:GetObject, and
either of them on a version is s3:GetObjectVersion; Lambda's Invoke is lambda:InvokeFunction. A
DynamoDB request carries `dynamodb:LeadingKeys`, the partition key values it touches (an item's, a
Query's), which policies may condition on. Reading an object of an SSE-KMS bucket needs kms:Decrypt
on its key and writing one kms:GenerateDataKey, and sending to an SSE-KMS queue both
(docs/deploy.md, "What is verified offline")."""

from __future__ import annotations

import email
import email.utils
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from roster_local.stack.iam_policy import Request

# botocore's signing names that differ from IAM's service prefixes.
_IAM_PREFIX = {"monitoring": "cloudwatch", "email": "ses"}
# API operations whose IAM action has another name.
_ACTION_NAMES = {("lambda", "Invoke"): "InvokeFunction", ("lambda", "InvokeAsync"): "InvokeFunction",
                 ("s3", "HeadObject"): "GetObject", ("s3", "ListObjectsV2"): "ListBucket",
                 ("s3", "HeadBucket"): "ListBucket", ("s3", "ListObjectVersions"): "ListBucketVersions",
                 ("s3", "CreateMultipartUpload"): "PutObject", ("s3", "UploadPart"): "PutObject",
                 ("s3", "CompleteMultipartUpload"): "PutObject"}
_TRANSACT_ITEMS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                   "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


@dataclass(frozen=True)
class Account:
    """Where the stack runs, and the encryption the stack's buckets and queues use."""

    region: str
    account_id: str
    bucket_key: Callable[[str], str | None]  # bucket name -> its default SSE-KMS key ARN
    queue_key: Callable[[str], str | None]  # queue name -> its SSE-KMS key ARN
    key_arn: Callable[[str], str]  # a KMS key id, ARN or alias -> the key's ARN
    ciphertext_key: Callable[[bytes], str | None]  # a KMS ciphertext -> the id of the key that made it
    # (table name, index name or None) -> the attribute name of its partition key
    partition_key: Callable[[str, str | None], str | None] = lambda table, index: None

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"


def iam_prefix(signing_name: str) -> str:
    return _IAM_PREFIX.get(signing_name, signing_name)


def requests_for(service: str, operation: str, params: Mapping[str, Any], account: Account) -> list[Request]:
    """The requests IAM evaluates for one call of `operation` of `service` (its IAM prefix)."""
    builder = _BUILDERS.get(service)
    if builder is not None:
        return builder(operation, params, account)
    return [Request(f"{service}:{_ACTION_NAMES.get((service, operation), operation)}", "*")]


_EQUALITY = re.compile(r"(?P<name>[#\w.]+)\s*=\s*(?P<value>:\w+)|(?P<value2>:\w+)\s*=\s*(?P<name2>[#\w.]+)")


def _scalar(value: Any) -> str:
    """A key attribute's value, typed ({"S": ...}) or not (before boto3's resource serialises it)."""
    if isinstance(value, Mapping) and len(value) == 1:
        (kind, inner), = value.items()
        if kind in ("S", "N", "B"):
            return str(inner)
    return str(value)


def _leading_keys(operation: str, params: Mapping[str, Any], table: str, account: Account) -> tuple[str, ...]:
    """The partition key values one request on one table touches, as IAM's dynamodb:LeadingKeys."""
    attribute = account.partition_key(table, params.get("IndexName"))
    if attribute is None:
        return ()
    if operation == "Query":
        names = params.get("ExpressionAttributeNames") or {}
        values = params.get("ExpressionAttributeValues") or {}
        for match in _EQUALITY.finditer(str(params.get("KeyConditionExpression", ""))):
            name = match.group("name") or match.group("name2")
            value = match.group("value") or match.group("value2")
            if names.get(name, name) == attribute and value in values:
                return (_scalar(values[value]),)
        return ()
    item = params.get("Key") or params.get("Item") or {}
    return (_scalar(item[attribute]),) if attribute in item else ()


def _dynamodb(operation: str, params: Mapping[str, Any], account: Account) -> list[Request]:
    def table(name: str, index: str | None = None) -> str:
        arn = name if name.startswith("arn:") else account.arn("dynamodb", f"table/{name}")
        return f"{arn}/index/{index}" if index else arn

    def request(action: str, body: Mapping[str, Any], leading: tuple[str, ...] | None = None) -> Request:
        name = str(body["TableName"])
        if leading is None:
            leading = _leading_keys(action, body, name.rsplit("/", 1)[-1], account)
        context = {"dynamodb:LeadingKeys": leading} if leading else {}
        return Request(f"dynamodb:{action}", table(name, body.get("IndexName")), context)

    if operation in ("TransactWriteItems", "TransactGetItems"):
        requests = []
        for item in params.get("TransactItems", []):
            (kind, body), = item.items()
            requests.append(request(_TRANSACT_ITEMS[kind], body))
        return requests
    if operation in ("BatchGetItem", "BatchWriteItem"):
        requests = []
        for name, batch in params.get("RequestItems", {}).items():
            attribute = account.partition_key(name.rsplit("/", 1)[-1], None)
            keys = batch.get("Keys", []) if operation == "BatchGetItem" else [
                next(iter(write.values())).get("Key") or next(iter(write.values())).get("Item", {})
                for write in batch]
            leading = tuple(sorted({_scalar(key[attribute]) for key in keys if attribute in key}))
            requests.append(request(operation, {"TableName": name}, leading))
        return requests
    if "TableName" in params:
        return [request(operation, params)]
    return [Request(f"dynamodb:{operation}", "*")]


def s3_object_requests(operation: str, bucket: str, key: str | None, version: str | None,
                       account: Account) -> list[Request]:
    """An S3 call on a bucket or an object, and the KMS use it implies (presigned ones too)."""
    action = _ACTION_NAMES.get(("s3", operation), operation)
    if key is None:
        return [Request(f"s3:{action}", f"arn:aws:s3:::{bucket}")]
    if version and action == "GetObject":
        action = "GetObjectVersion"
    requests = [Request(f"s3:{action}", f"arn:aws:s3:::{bucket}/{key}")]
    kms_key = account.bucket_key(bucket)
    # The bucket key (BucketKeyEnabled) makes S3 call KMS less often, with the caller's rights all the same.
    context = {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{bucket}"}
    if kms_key and operation == "GetObject":
        requests.append(Request("kms:Decrypt", kms_key, context))
    elif kms_key and action == "PutObject" and operation != "UploadPart":
        requests.append(Request("kms:GenerateDataKey", kms_key, context))
    return requests


def _s3(operation: str, params: Mapping[str, Any], account: Account) -> list[Request]:
    if "Bucket" not in params:
        return [Request(f"s3:{operation}", "*")]
    return s3_object_requests(operation, params["Bucket"], params.get("Key"), params.get("VersionId"), account)


def _kms(operation: str, params: Mapping[str, Any], account: Account) -> list[Request]:
    context = {f"kms:EncryptionContext:{name}": str(value)
               for name, value in (params.get("EncryptionContext") or {}).items()}
    key = params.get("KeyId")
    if not key and "CiphertextBlob" in params:  # Decrypt names no key: KMS finds it in the ciphertext
        key = account.ciphertext_key(params["CiphertextBlob"])
    return [Request(f"kms:{operation}", account.key_arn(key) if key else "*", context)]


def _ses(operation: str, params: Mapping[str, Any], account: Account) -> list[Request]:
    sender = params.get("Source") or params.get("FromEmailAddress")
    if not sender and "RawMessage" in params:
        sender = email.message_from_bytes(params["RawMessage"]["Data"]).get("From", "")
    address = email.utils.parseaddr(str(sender or ""))[1]
    resource = account.arn("ses", f"identity/{address}") if address else "*"
    return [Request(f"ses:{operation}", resource, {"ses:FromAddress": address})]


def _states(operation: str, params: Mapping[str, Any], account: Account) -> list[Request]:
    arn = params.get("stateMachineArn") or params.get("executionArn") or "*"
    return [Request(f"states:{operation}", arn)]


def _lambda(operation: str, params: Mapping[str, Any], account: Account) -> list[Request]:
    name = str(params.get("FunctionName", "*"))
    arn = name if name.startswith("arn:") or name == "*" else account.arn("lambda", f"function:{name}")
    return [Request(f"lambda:{_ACTION_NAMES.get(('lambda', operation), operation)}", arn)]


def _sqs(operation: str, params: Mapping[str, Any], account: Account) -> list[Request]:
    url = str(params.get("QueueUrl", ""))
    if not url:
        return [Request(f"sqs:{operation}", "*")]
    name = url.rstrip("/").rsplit("/", 1)[-1]
    requests = [Request(f"sqs:{operation}", account.arn("sqs", name))]
    kms_key = account.queue_key(name)
    if kms_key and operation in ("SendMessage", "SendMessageBatch"):
        requests += [Request("kms:GenerateDataKey", kms_key), Request("kms:Decrypt", kms_key)]
    elif kms_key and operation == "ReceiveMessage":
        requests.append(Request("kms:Decrypt", kms_key))
    return requests


def _cognito(operation: str, params: Mapping[str, Any], account: Account) -> list[Request]:
    pool = params.get("UserPoolId")
    return [Request(f"cognito-idp:{operation}", account.arn("cognito-idp", f"userpool/{pool}") if pool else "*")]


def _events(operation: str, params: Mapping[str, Any], account: Account) -> list[Request]:
    if operation != "PutEvents":
        return [Request(f"events:{operation}", "*")]
    buses = {str(entry.get("EventBusName") or "default") for entry in params.get("Entries", [])} or {"default"}
    return [Request("events:PutEvents", bus if bus.startswith("arn:") else account.arn("events", f"event-bus/{bus}"))
            for bus in sorted(buses)]


_BUILDERS: dict[str, Callable[[str, Mapping[str, Any], Account], list[Request]]] = {
    "dynamodb": _dynamodb, "s3": _s3, "kms": _kms, "ses": _ses, "states": _states, "lambda": _lambda,
    "sqs": _sqs, "cognito-idp": _cognito, "events": _events,
}
