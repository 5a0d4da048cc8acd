"""The service limits the embedded stack enforces (roster_local.stack.limits, docs/deploy.md
"Service limits"): each test fails if its limit's enforcement is removed, and the contract
tests fail if moto starts (or stops) doing what the patches make up for."""

from __future__ import annotations

import json
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.ses.exceptions import MessageRejectedError
from moto.ses.models import ses_backends

from roster_local.moto_patches import ses_limits
from roster_local.stack import limits
from roster_local.stack.embedded_stack import ACCOUNT_ID, REGION
from roster_local.stack.lambdas import FunctionSpec, InProcessLambda
from roster_local.stack.limits import RequestTooLarge

SENDER = "roster@example.nhs.net"


def _raw(recipients: list[str], body_bytes: int = 10) -> bytes:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = ", ".join(recipients)
    message["Subject"] = "limits"
    message.set_content("x" * body_bytes)
    return message.as_bytes()


@pytest.fixture
def ses(moto_env: Any) -> Any:
    client = boto3.client("ses", region_name=REGION)
    client.verify_email_identity(EmailAddress=SENDER)
    return client


def _people(n: int) -> list[str]:
    return [f"admin{i}@example.nhs.net" for i in range(n)]


# -- SES -----------------------------------------------------------------------------------


def test_fifty_recipients_named_in_both_the_header_and_destinations_are_fifty(ses: Any):
    people = _people(50)

    ses.send_raw_email(Source=SENDER, Destinations=people, RawMessage={"Data": _raw(people)})

    (sent,) = ses_backends[ACCOUNT_ID][REGION].sent_messages
    assert len(sent.destinations) == 50
    assert sent.raw_data.startswith("From: ")  # kept whole, To header included, for the outbox
    assert "admin49@example.nhs.net" in sent.raw_data


def test_fifty_one_distinct_recipients_are_refused_as_ses_refuses_them(ses: Any):
    people = _people(51)

    with pytest.raises(ClientError) as refused:
        ses.send_raw_email(Source=SENDER, Destinations=people[:1], RawMessage={"Data": _raw(people)})

    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert refused.value.response["Error"]["Message"] == "Recipient count exceeds 50."


def test_recipients_differing_only_in_case_count_once():
    people = _people(3)
    upper = [p.upper() for p in people]

    assert ses_limits.distinct_recipients(upper, _raw(people).decode()) == upper


def test_a_raw_message_over_10_mb_is_refused(ses: Any):
    raw = _raw(_people(1), body_bytes=limits.SES_RAW_MESSAGE_BYTES)

    with pytest.raises(ClientError) as refused:
        ses.send_raw_email(Source=SENDER, Destinations=_people(1), RawMessage={"Data": raw})

    assert refused.value.response["Error"]["Code"] == "MessageRejected"
    assert "10485760 bytes" in refused.value.response["Error"]["Message"]


def test_contract_moto_counts_header_recipients_again_and_takes_any_size(moto_env: Any):
    """Why ses_limits exists: unpatched, moto refuses 26 people named in both places, and takes
    a message of any size. When moto changes either, revisit the patch."""
    backend = ses_backends[ACCOUNT_ID][REGION]
    backend.verify_email_identity(SENDER)
    people = _people(26)
    with pytest.raises(MessageRejectedError):
        ses_limits.MOTO_SEND_RAW_EMAIL(backend, SENDER, list(people), _raw(people).decode())
    big = _raw(_people(1), body_bytes=limits.SES_RAW_MESSAGE_BYTES + 1).decode()
    assert ses_limits.MOTO_SEND_RAW_EMAIL(backend, SENDER, _people(1), big).raw_data == big


# -- Lambda --------------------------------------------------------------------------------


@pytest.fixture
def lambdas(tmp_path: Path) -> InProcessLambda:
    (tmp_path / "app.py").write_text(
        "def handler(event, context):\n    return {'body': 'x' * event['size']}\n", encoding="utf-8")
    adapter = InProcessLambda()
    adapter.register(FunctionSpec(name="big", kind="api", code_dir=tmp_path, handler="app.handler",
                                  timeout_seconds=30, memory_mb=128,
                                  arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:big"))
    return adapter


def test_a_synchronous_response_over_6_mb_is_a_function_error(lambdas: InProcessLambda):
    fits, failed = lambdas.invoke("big", {"size": limits.LAMBDA_SYNC_RESPONSE_BYTES - 100})
    assert not failed and len(fits["body"]) == limits.LAMBDA_SYNC_RESPONSE_BYTES - 100

    payload, failed = lambdas.invoke("big", {"size": limits.LAMBDA_SYNC_RESPONSE_BYTES})

    assert failed
    assert payload["errorType"] == "Function.ResponseSizeTooLarge"


def test_an_asynchronous_event_over_256_kb_is_refused(lambdas: InProcessLambda):
    with pytest.raises(RequestTooLarge):
        lambdas.invoke_async("big", {"size": 1, "padding": "x" * limits.LAMBDA_ASYNC_EVENT_BYTES})
    assert lambdas.stats.invocations == {}


# -- Step Functions ------------------------------------------------------------------------


def _state_machine(definition: dict[str, Any]) -> tuple[Any, str]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    arn = sfn.create_state_machine(name="limits", definition=json.dumps(definition),
                                   roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/limits")["stateMachineArn"]
    return sfn, arn


def test_an_execution_input_over_256_kb_is_refused(moto_env: Any):
    sfn, arn = _state_machine({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})

    with pytest.raises(ClientError) as refused:
        sfn.start_execution(stateMachineArn=arn, input=json.dumps({"v": "x" * limits.STATES_PAYLOAD_BYTES}))

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    sfn.start_execution(stateMachineArn=arn, input=json.dumps({"v": "x" * (limits.STATES_PAYLOAD_BYTES - 100)}))


def test_contract_moto_fails_a_state_whose_output_passes_256_kb(moto_env: Any):
    """The states' own limit is moto's (its parser's quotas): this fails if moto stops enforcing it."""
    sfn, arn = _state_machine({"StartAt": "Double", "States": {
        "Double": {"Type": "Pass", "Parameters": {"a.$": "$.v", "b.$": "$.v"}, "End": True}}})
    half = limits.STATES_PAYLOAD_BYTES // 2 + 10
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"v": "x" * half}))["executionArn"]

    status = "RUNNING"
    for _ in range(200):
        described = sfn.describe_execution(executionArn=execution)
        if (status := described["status"]) != "RUNNING":
            break
        time.sleep(0.02)

    assert status == "FAILED"
    assert described.get("error") == "States.DataLimitExceeded"


# -- DynamoDB ------------------------------------------------------------------------------


def _puts(moto_env: Any, count: int, each: int) -> list[dict[str, Any]]:
    return [{"Put": {"TableName": moto_env.table, "Item": {
        "pk": {"S": f"BIG#{i}"}, "sk": {"S": "BIG"}, "data": {"S": "x" * each}}}} for i in range(count)]


def test_a_transaction_over_4_mb_is_refused_and_writes_nothing(moto_env: Any):
    each = 390_000  # under the item limit; eleven of them pass 4 MB together

    with pytest.raises(ClientError) as refused:
        moto_env.dynamodb.transact_write_items(TransactItems=_puts(moto_env, 11, each))

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "4 MB" in refused.value.response["Error"]["Message"]
    assert moto_env.keys() == set()
    moto_env.dynamodb.transact_write_items(TransactItems=_puts(moto_env, 10, each))
    last = moto_env.dynamodb.get_item(TableName=moto_env.table, Key={"pk": {"S": "BIG#9"}, "sk": {"S": "BIG"}})
    assert len(last["Item"]["data"]["S"]) == each


def test_a_transaction_of_more_than_100_actions_is_refused(moto_env: Any):
    with pytest.raises(ClientError) as refused:
        moto_env.dynamodb.transact_write_items(TransactItems=_puts(moto_env, limits.DYNAMODB_TRANSACTION_ITEMS + 1, 1))

    assert refused.value.response["Error"]["Code"] == "ValidationException"
