"""The embedded stack's IAM evaluator (roster_local.stack.iam_policy) and what it checks for each
call (roster_local.stack.iam_actions): IAM's rules, each with a case that must be refused."""

from __future__ import annotations

from typing import Any

import pytest

from roster_local.stack.iam_actions import Account, requests_for, s3_object_requests
from roster_local.stack.iam_policy import Decision, Request, evaluate, matches, statements_of

TABLE = "arn:aws:dynamodb:eu-west-2:123456789012:table/jobs"
KEY = "arn:aws:kms:eu-west-2:123456789012:key/k1"
BUCKET = "uploads"
ACCOUNT = Account("eu-west-2", "123456789012", lambda b: KEY if b == BUCKET else None,
                  lambda q: KEY if q == "dlq" else None, lambda k: k if k.startswith("arn:") else KEY,
                  lambda blob: "k1")


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
