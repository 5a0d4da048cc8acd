"""The embedded stack's IAM evaluator (roster_local.stack.iam_policy) and what it checks for each
call (roster_local.stack.iam_actions): IAM's rules, each with a case that must be refused."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from roster_local.stack.iam_actions import Account, requests_for, s3_object_requests
from roster_local.stack.iam_guard import IamGuard, Role
from roster_local.stack.iam_policy import Decision, Request, evaluate, matches, statements_of

TABLE = "arn:aws:dynamodb:eu-west-2:123456789012:table/jobs"
KEY = "arn:aws:kms:eu-west-2:123456789012:key/k1"
BUCKET = "uploads"
ACCOUNT = Account("eu-west-2", "123456789012", lambda b: KEY if b == BUCKET else None,
                  lambda q: KEY if q == "dlq" else None, lambda k: k if k.startswith("arn:") else KEY,
                  lambda blob: "k1", lambda table, index: {None: "pk", "gsi1": "gsi1pk"}.get(index))


def allow(actions: Any, resources: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def test_an_allowed_action_on_its_resource_is_allowed() -> None:
    assert evaluate([allow("dynamodb:GetItem", TABLE)], Request("dynamodb:GetItem", TABLE)) is Decision.ALLOWED


def test_nothing_is_allowed_unless_a_statement_allows_it() -> None:
    statements = [allow(["dynamodb:GetItem"], TABLE)]

    assert evaluate(statements, Request("dynamodb:PutItem", TABLE)) is Decision.NOT_ALLOWED
    assert evaluate(statements, Request("dynamodb:GetItem", TABLE + "2")) is Decision.NOT_ALLOWED
    assert evaluate([], Request("dynamodb:GetItem", TABLE)) is Decision.NOT_ALLOWED


def test_an_explicit_deny_wins_over_any_allow() -> None:
    statements = [allow("dynamodb:*", "*"), {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE}]

    assert evaluate(statements, Request("dynamodb:DeleteItem", TABLE)) is Decision.EXPLICITLY_DENIED
    assert evaluate(statements, Request("dynamodb:GetItem", TABLE)) is Decision.ALLOWED


def test_actions_match_without_case_and_resources_with_it() -> None:
    assert evaluate([allow("DynamoDB:getitem", TABLE)], Request("dynamodb:GetItem", TABLE)) is Decision.ALLOWED
    assert evaluate([allow("dynamodb:GetItem", TABLE.upper())], Request("dynamodb:GetItem", TABLE)) \
        is Decision.NOT_ALLOWED


def test_wildcards_star_and_question_mark_only() -> None:
    assert matches("arn:aws:s3:::b/uploads/*", "arn:aws:s3:::b/uploads/a/b.csv")
    assert not matches("arn:aws:s3:::b/uploads/*", "arn:aws:s3:::b/results/a.csv")
    assert matches("dynamodb:Get?tem", "dynamodb:GetItem")
    assert not matches("arn:aws:s3:::[ab]", "arn:aws:s3:::a")  # IAM has no character classes


def test_a_table_grant_does_not_cover_its_indexes() -> None:
    """IAM: table/X does not match table/X/index/Y; an index needs its own ARN (or table/X/index/*)."""
    index = Request("dynamodb:Query", TABLE + "/index/gsi2")

    assert evaluate([allow("dynamodb:Query", TABLE)], index) is Decision.NOT_ALLOWED
    assert evaluate([allow("dynamodb:Query", TABLE + "/index/*")], index) is Decision.ALLOWED


def test_not_action_and_not_resource() -> None:
    statements = [{"Effect": "Allow", "NotAction": "s3:DeleteObject", "NotResource": "arn:aws:s3:::b/secret/*"}]

    assert evaluate(statements, Request("s3:GetObject", "arn:aws:s3:::b/open/x")) is Decision.ALLOWED
    assert evaluate(statements, Request("s3:DeleteObject", "arn:aws:s3:::b/open/x")) is Decision.NOT_ALLOWED
    assert evaluate(statements, Request("s3:GetObject", "arn:aws:s3:::b/secret/x")) is Decision.NOT_ALLOWED


def test_conditions_hold_or_the_statement_does_not_apply() -> None:
    statement = allow("kms:Decrypt", KEY, Condition={"StringEquals": {"kms:EncryptionContext:job": "j1"}})

    assert evaluate([statement], Request("kms:Decrypt", KEY, {"kms:EncryptionContext:job": "j1"})) \
        is Decision.ALLOWED
    assert evaluate([statement], Request("kms:Decrypt", KEY, {"kms:EncryptionContext:job": "j2"})) \
        is Decision.NOT_ALLOWED
    assert evaluate([statement], Request("kms:Decrypt", KEY)) is Decision.NOT_ALLOWED  # a missing key fails
    if_exists = allow("kms:Decrypt", KEY, Condition={"StringEqualsIfExists": {"kms:EncryptionContext:job": "j1"}})
    assert evaluate([if_exists], Request("kms:Decrypt", KEY)) is Decision.ALLOWED


def test_an_unknown_condition_operator_is_refused_not_guessed() -> None:
    statement = allow("s3:GetObject", "*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})

    with pytest.raises(NotImplementedError, match="IpAddress"):
        evaluate([statement], Request("s3:GetObject", "arn:aws:s3:::b/k"))


def test_an_empty_statement_list_is_refused_as_iam_refuses_it() -> None:
    with pytest.raises(ValueError, match="without statements"):
        statements_of([{"Version": "2012-10-17", "Statement": None}])


def test_a_transaction_is_one_action_per_item_on_its_table() -> None:
    params = {"TransactItems": [{"Put": {"TableName": "jobs"}}, {"Update": {"TableName": "directory"}},
                                {"Delete": {"TableName": "jobs"}}, {"ConditionCheck": {"TableName": "jobs"}}]}

    requests = requests_for("dynamodb", "TransactWriteItems", params, ACCOUNT)

    assert [(r.action, r.resource.rsplit("/", 1)[1]) for r in requests] == [
        ("dynamodb:PutItem", "jobs"), ("dynamodb:UpdateItem", "directory"), ("dynamodb:DeleteItem", "jobs"),
        ("dynamodb:ConditionCheckItem", "jobs")]


def test_a_query_of_an_index_is_on_the_index() -> None:
    (request,) = requests_for("dynamodb", "Query", {"TableName": "jobs", "IndexName": "gsi2"}, ACCOUNT)

    assert request == Request("dynamodb:Query", TABLE + "/index/gsi2")


def test_reading_and_writing_the_sse_kms_bucket_uses_its_key() -> None:
    read = s3_object_requests("GetObject", BUCKET, "results/j/r.csv", None, ACCOUNT)
    write = s3_object_requests("PutObject", BUCKET, "reports/j/v.csv", None, ACCOUNT)
    head = s3_object_requests("HeadObject", BUCKET, "uploads/a/j/f.csv", "v1", ACCOUNT)

    assert [r.action for r in read] == ["s3:GetObject", "kms:Decrypt"] and read[1].resource == KEY
    assert [r.action for r in write] == ["s3:PutObject", "kms:GenerateDataKey"]
    assert [r.action for r in head] == ["s3:GetObjectVersion"]  # HEAD decrypts nothing
    assert [r.action for r in s3_object_requests("GetObject", "plain", "k", None, ACCOUNT)] == ["s3:GetObject"]


def test_invoke_send_and_start_name_their_resources() -> None:
    (invoke,) = requests_for("lambda", "Invoke", {"FunctionName": "stack-apply"}, ACCOUNT)
    (send,) = requests_for("ses", "SendRawEmail", {"RawMessage": {"Data": b"From: Roster <r@x.org>\r\n\r\nhi"}},
                           ACCOUNT)
    queue = requests_for("sqs", "SendMessage", {"QueueUrl": "https://sqs/123456789012/dlq"}, ACCOUNT)
    (decrypt,) = requests_for("kms", "Decrypt", {"CiphertextBlob": b"...", "EncryptionContext": {"job": "j"}},
                              ACCOUNT)

    assert invoke == Request("lambda:InvokeFunction", "arn:aws:lambda:eu-west-2:123456789012:function:stack-apply")
    assert send.resource == "arn:aws:ses:eu-west-2:123456789012:identity/r@x.org"
    assert [r.action for r in queue] == ["sqs:SendMessage", "kms:GenerateDataKey", "kms:Decrypt"]
    assert decrypt.resource == KEY and decrypt.context == {"kms:EncryptionContext:job": "j"}


LEADING = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["SCIMTOKEN#*", "SCIMTOKENID#*"]}}


def test_leading_keys_are_each_items_partition_key_in_a_transaction() -> None:
    params = {"TransactItems": [
        {"Put": {"TableName": "jobs", "Item": {"pk": {"S": "SCIMTOKEN#abc"}, "sk": {"S": "TOKEN"}}}},
        {"Put": {"TableName": "jobs", "Item": {"pk": {"S": "SCIMTOKENID#1"}, "sk": {"S": "TOKEN"}}}},
        {"Delete": {"TableName": "jobs", "Key": {"pk": {"S": "ACCOUNT#a@nhs.net"}, "sk": {"S": "A"}}}}]}
    statements = [allow(["dynamodb:PutItem", "dynamodb:DeleteItem"], TABLE, Condition=LEADING)]

    decisions = [evaluate(statements, request) for request in requests_for("dynamodb", "TransactWriteItems",
                                                                           params, ACCOUNT)]

    assert decisions == [Decision.ALLOWED, Decision.ALLOWED, Decision.NOT_ALLOWED]


def test_a_querys_leading_key_is_its_partition_key_equality_on_the_table_or_index() -> None:
    (on_table,) = requests_for("dynamodb", "Query", {
        "TableName": "jobs", "KeyConditionExpression": "#p = :pk AND begins_with(sk, :s)",
        "ExpressionAttributeNames": {"#p": "pk"},
        "ExpressionAttributeValues": {":pk": {"S": "SCIM#RX1"}, ":s": {"S": "U"}}}, ACCOUNT)
    (on_index,) = requests_for("dynamodb", "Query", {
        "TableName": "jobs", "IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :o",
        "ExpressionAttributeValues": {":o": {"S": "ORG#RX1"}}}, ACCOUNT)

    assert on_table.context == {"dynamodb:LeadingKeys": ("SCIM#RX1",)}
    assert on_index.context == {"dynamodb:LeadingKeys": ("ORG#RX1",)}


def test_for_all_values_needs_every_value_and_for_any_value_one() -> None:
    mixed = Request("dynamodb:BatchWriteItem", TABLE, {"dynamodb:LeadingKeys": ("SCIMTOKEN#a", "ACCOUNT#b")})
    tokens = Request("dynamodb:BatchWriteItem", TABLE, {"dynamodb:LeadingKeys": ("SCIMTOKEN#a", "SCIMTOKENID#b")})
    any_value = [allow("dynamodb:*", TABLE, Condition={"ForAnyValue:StringLike": LEADING["ForAllValues:StringLike"]})]

    assert evaluate([allow("dynamodb:*", TABLE, Condition=LEADING)], mixed) is Decision.NOT_ALLOWED
    assert evaluate([allow("dynamodb:*", TABLE, Condition=LEADING)], tokens) is Decision.ALLOWED
    assert evaluate(any_value, mixed) is Decision.ALLOWED
    # IAM's rule, and its trap: ForAllValues holds for a request without the key (a Scan); ForAnyValue does not.
    assert evaluate([allow("dynamodb:*", TABLE, Condition=LEADING)], Request("dynamodb:Scan", TABLE)) \
        is Decision.ALLOWED
    assert evaluate(any_value, Request("dynamodb:Scan", TABLE)) is Decision.NOT_ALLOWED


def test_a_plain_operator_on_a_multivalued_key_is_refused_not_guessed() -> None:
    request = Request("dynamodb:BatchWriteItem", TABLE, {"dynamodb:LeadingKeys": ("SCIM#a",)})

    with pytest.raises(NotImplementedError, match="ForAllValues"):
        evaluate([allow("dynamodb:*", TABLE, Condition={"StringLike": {"dynamodb:LeadingKeys": "SCIM#*"}})], request)


def test_the_guard_decides_each_tested_key_apart_and_ignores_keys_no_statement_tests() -> None:
    role = Role("scim", "roster-scim-role", (allow("dynamodb:DeleteItem", TABLE, Condition=LEADING),
                                              allow("dynamodb:PutItem", TABLE)))
    guard = IamGuard({"scim": role}, ACCOUNT, None)

    def delete(pk: str) -> list[Request]:
        return requests_for("dynamodb", "DeleteItem", {"TableName": "jobs", "Key": {"pk": {"S": pk}}}, ACCOUNT)

    guard.check("scim", delete("SCIMTOKEN#a"), "DeleteItem")  # allowed, and its decision kept
    with pytest.raises(ClientError, match="not authorized to perform: dynamodb:DeleteItem"):
        guard.check("scim", delete("ACCOUNT#b@nhs.net"), "DeleteItem")  # not the decision kept for SCIMTOKEN#a
    for pk in ("ACCOUNT#c@nhs.net", "ACCOUNT#d@nhs.net"):  # PutItem tests no key: one decision serves both
        guard.check("scim", requests_for("dynamodb", "PutItem", {"TableName": "jobs", "Item": {"pk": {"S": pk}}},
                                         ACCOUNT), "PutItem")
    assert [d.request.context for d in guard.take_denials()] == [{"dynamodb:LeadingKeys": ("ACCOUNT#b@nhs.net",)}]
    assert sum(1 for key in guard._decisions if key[1] == "dynamodb:PutItem") == 1
