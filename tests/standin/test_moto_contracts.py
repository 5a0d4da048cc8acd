"""Contract tests of moto_patches: each fails when the moto behaviour a patch relies on, or works
around, changes (moto is pinned; an upgrade must pass these first). One group per patch."""

from __future__ import annotations

import copy
import email.mime.text
import inspect
import json
import threading
from typing import Any

import boto3
import moto.dynamodb
import moto.s3.notifications as s3_notifications
import pytest
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.ses.models import SESBackend
from moto.stepfunctions.models import StateMachine
from moto.stepfunctions.parser.models import stepfunctions_parser_backends
from moto.stepfunctions.responses import StepFunctionResponse

from roster_local import moto_patches
from roster_local.moto_patches import (
    attribute_value,
    condition_cache,
    dynamodb_lock,
    dynamodb_query,
    execution_copy,
    execution_input,
    item_size,
    lambda_invoke,
    ses_limits,
    ses_outbox,
    transact_write,
)
from roster_local.stack.embedded_stack import ACCOUNT_ID, REGION
from tests.standin.conftest import DIRECTORY


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_apply_installs_every_patch_once(moto_env):
    installed = (DynamoHandler.call_action, DynamoDBBackend.transact_write_items, Table.query,
                 ConditionExpressionParser.parse, Item.__init__, LambdaSimpleBackend.invoke)

    moto_patches.apply()

    assert (DynamoHandler.call_action, DynamoDBBackend.transact_write_items, Table.query,
            ConditionExpressionParser.parse, Item.__init__, LambdaSimpleBackend.invoke) == installed
    assert DynamoDBBackend.transact_write_items is transact_write.transact_write_items
    assert Table.query is dynamodb_query.query
    assert StateMachine.__deepcopy__ is execution_copy.settings_copy  # type: ignore[attr-defined]
    assert SESBackend.send_raw_email is ses_limits.send_raw_email
    assert StepFunctionResponse.start_execution is execution_input.start_execution


# -- dynamodb_lock -------------------------------------------------------------------------
def test_moto_dynamodb_has_no_lock_of_its_own():
    """The day moto serialises its DynamoDB backend itself, dynamodb_lock can go."""
    sources = [inspect.getsource(module) for module in (moto.dynamodb.models, moto.dynamodb.models.table,
                                                        moto.dynamodb.responses)]

    assert not any("threading" in source or "Lock(" in source for source in sources)
    assert _parameters(dynamodb_lock.MOTO_CALL_ACTION) == ["self"]


def test_every_dynamodb_request_waits_for_the_lock(moto_env):
    done = threading.Event()

    def read() -> None:
        moto_env.dynamodb.get_item(TableName=DIRECTORY, Key={"pk": {"S": "A"}, "sk": {"S": "B"}})
        done.set()

    with dynamodb_lock.DYNAMODB_LOCK:
        reader = threading.Thread(target=read)
        reader.start()
        assert not done.wait(0.5), "a request ran while another held the DynamoDB lock"
    assert done.wait(10)
    reader.join()


# -- transact_write ------------------------------------------------------------------------
def test_moto_transact_write_items_still_copies_whole_tables(moto_env, monkeypatch):
    """The day moto stops deep-copying every touched table, transact_write can go."""
    copied: list[str] = []
    real_deepcopy = copy.deepcopy

    def counting(value: Any, memo: Any = None) -> Any:
        if isinstance(value, Table):
            copied.append(value.name)
        return real_deepcopy(value, memo)

    monkeypatch.setattr(moto.dynamodb.models.copy, "deepcopy", counting)
    transact_write.MOTO_TRANSACT_WRITE_ITEMS(moto_env.backend, [
        {"Put": {"TableName": DIRECTORY, "Item": {"pk": {"S": "A"}, "sk": {"S": "B"}}}}])

    assert copied == [DIRECTORY]


def test_what_the_transaction_replacement_calls_keeps_its_shape():
    assert _parameters(transact_write.MOTO_TRANSACT_WRITE_ITEMS) == ["self", "transact_items"]
    assert _parameters(DynamoDBBackend.get_item)[:3] == ["self", "table_name", "keys"]
    assert _parameters(DynamoDBBackend.put_item)[:3] == ["self", "table_name", "item_attrs"]
    assert _parameters(DynamoDBBackend.delete_item)[:3] == ["self", "table_name", "key"]
    assert {"update_expression", "expression_attribute_names", "expression_attribute_values"} <= set(
        _parameters(dynamodb_query.MOTO_UPDATE_ITEM))
    assert _parameters(moto.dynamodb.exceptions.TransactionCanceledException) == ["errors"]


# -- execution_copy ------------------------------------------------------------------------
def _state_machine_arn() -> str:
    client = boto3.client("stepfunctions", region_name=REGION)
    return str(client.create_state_machine(
        name="m", roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/r",
        definition=json.dumps({"StartAt": "S", "States": {"S": {"Type": "Pass", "End": True}}}))["stateMachineArn"])


def _state_machine_with_a_running_execution() -> StateMachine:
    backend = stepfunctions_parser_backends[ACCOUNT_ID][REGION]  # the backend when executions run
    machine: StateMachine = backend.describe_state_machine(_state_machine_arn())
    machine.executions.append(threading.RLock())  # what a running execution holds, through its worker
    return machine


def test_moto_start_execution_still_deep_copies_the_state_machine(moto_env, monkeypatch):
    """The day moto stops copying the state machine on StartExecution, execution_copy can go."""
    copies: list[str] = []

    def counting(self: StateMachine, memo: dict[int, Any]) -> StateMachine:
        copies.append(self.name)
        return execution_copy.settings_copy(self, memo)

    monkeypatch.setattr(StateMachine, "__deepcopy__", counting, raising=False)
    arn = _state_machine_arn()

    boto3.client("stepfunctions", region_name=REGION).start_execution(stateMachineArn=arn, name="first")

    assert copies == ["m"]


def test_without_the_patch_a_state_machine_with_executions_cannot_be_copied(moto_env, monkeypatch):
    machine = _state_machine_with_a_running_execution()
    monkeypatch.delattr(StateMachine, "__deepcopy__")

    with pytest.raises(TypeError, match="cannot pickle"):
        copy.deepcopy(machine)


def test_with_the_patch_the_copy_keeps_the_settings_and_drops_the_executions(moto_env):
    machine = _state_machine_with_a_running_execution()

    clone = copy.deepcopy(machine)

    assert (clone.arn, clone.definition, clone.roleArn) == (machine.arn, machine.definition, machine.roleArn)
    assert clone.executions == [] and machine.executions != []


# -- lambda_invoke -------------------------------------------------------------------------
def test_the_replaced_lambda_functions_keep_their_signatures():
    assert _parameters(lambda_invoke.MOTO_INVOKE) == [
        "self", "function_name", "qualifier", "body", "headers", "response_headers"]
    assert _parameters(lambda_invoke.MOTO_S3_TO_LAMBDA) == ["account_id", "event_body", "fn_arn", "region_name"]
    # send_event finds the function as a module global at call time, so replacing it works.
    assert "_invoke_awslambda(account_id, event_body, notification.arn, region_name)" in inspect.getsource(
        s3_notifications.send_event)


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []

    def invoke(self, function: str, event: Any) -> tuple[Any, bool]:
        self.calls.append(("sync", function, event))
        return {"answered": event}, function.endswith("broken")

    def invoke_async(self, function: str, event: Any) -> None:
        self.calls.append(("async", function, event))


def _function(name: str) -> str:
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=name, Runtime="python3.13", Role=role, Handler="app.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})["FunctionArn"]


def test_unrouted_moto_lambda_echoes_the_payload_and_routed_it_runs_the_route(moto_env):
    _function("fn")
    _function("fn-broken")
    client = boto3.client("lambda", region_name=REGION)
    recorder = _Recorder()

    echoed = client.invoke(FunctionName="fn", Payload=b'{"a": 1}')["Payload"].read()
    lambda_invoke.route_to(recorder)
    try:
        answered = client.invoke(FunctionName="fn", Payload=b'{"a": 1}')
        failed = client.invoke(FunctionName="fn-broken", Payload=b"{}")
    finally:
        lambda_invoke.route_to(None)

    assert json.loads(echoed) == {"a": 1}
    assert json.loads(answered["Payload"].read()) == {"answered": {"a": 1}}
    assert "FunctionError" not in answered and failed["FunctionError"] == "Unhandled"
    assert [c[0] for c in recorder.calls] == ["sync", "sync"]


def test_routed_s3_notifications_reach_the_route_with_the_s3_event(moto_env):
    arn = _function("on-upload")
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="uploads-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_notification_configuration(Bucket="uploads-bucket", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    recorder = _Recorder()

    lambda_invoke.route_to(recorder)
    try:
        s3.put_object(Bucket="uploads-bucket", Key="uploads/x.csv", Body=b"x")
    finally:
        lambda_invoke.route_to(None)

    ((kind, function, event),) = recorder.calls
    assert (kind, function) == ("async", arn)
    assert event["Records"][0]["s3"]["object"]["key"] == "uploads%2Fx.csv"  # URL-encoded, as S3 sends it


# -- ses_outbox ----------------------------------------------------------------------------
def test_moto_ses_keeps_every_raw_message_as_sent(moto_env):
    ses = boto3.client("ses", region_name=REGION)
    ses.verify_email_identity(EmailAddress="from@example.nhs.net")
    message = email.mime.text.MIMEText("hello")
    message["From"], message["To"], message["Subject"] = "from@example.nhs.net", "to@example.nhs.net", "hi"

    ses.send_raw_email(RawMessage={"Data": message.as_bytes()})

    assert ses_outbox.raw_messages(ACCOUNT_ID, REGION) == [message.as_bytes()]


# -- dynamodb_query ------------------------------------------------------------------------
def test_moto_query_still_takes_its_candidates_from_all_items():
    """dynamodb_query narrows the candidates by replacing all_items for one call: moto's query must
    still read them from there (if not, the patch is only slower, never wrong: see the test below)."""
    source = inspect.getsource(dynamodb_query.MOTO_QUERY)

    assert source.count("self.all_items()") == 2
    assert {"hash_key_conditions", "range_key_conditions", "exclusive_start_key", "index_name"} <= set(
        _parameters(dynamodb_query.MOTO_QUERY))


def _load_query_table(moto_env: Any) -> None:
    for n in range(60):
        org = f"ORG#{'ABC'[n % 3]}"
        moto_env.put(pk=f"ACCOUNT#u{n:03d}@nhs.net", sk="ACCOUNT", gsi1pk=org, gsi1sk=f"ACCOUNT#u{59 - n:03d}",
                     padding="x" * (n * 997 % 40_000))
        moto_env.put(pk="JOB#1", sk=f"ROW#{n:07d}", padding="y" * (n * 1301 % 30_000))
    moto_env.put(pk="JOB#1", sk="BATCH#00001")
    moto_env.put(pk="ORG#A", sk="ORG", gsi1pk="ORGS", gsi1sk="ORG#A")
    moto_env.put(pk="ADDRESS#x@nhs.net", sk="ADDRESS", gsi1pk="BASE#x@nhs.net")  # no gsi1sk: not in gsi1
    moto_env.put(pk="ADDRESS#x1@nhs.net", sk="ADDRESS", gsi1pk="BASE#x@nhs.net", gsi1sk="ADDRESS#x1@nhs.net")


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "pk = :pk AND begins_with(sk, :row)",
     "ExpressionAttributeValues": {":pk": {"S": "JOB#1"}, ":row": {"S": "ROW#"}}},
    {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": {"S": "JOB#1"}}, "Limit": 7},
    {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": {"S": "JOB#1"}},
     "ScanIndexForward": False, "Limit": 9},
    {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :o AND begins_with(gsi1sk, :a)",
     "ExpressionAttributeValues": {":o": {"S": "ORG#B"}, ":a": {"S": "ACCOUNT#"}}},
    {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :o", "ExpressionAttributeValues": {
        ":o": {"S": "ORG#A"}}, "Limit": 4, "ScanIndexForward": False},
    {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :o AND gsi1sk BETWEEN :a AND :b",
     "ExpressionAttributeValues": {":o": {"S": "ORG#C"}, ":a": {"S": "ACCOUNT#u010"}, ":b": {"S": "ACCOUNT#u040"}},
     "FilterExpression": "attribute_exists(padding)", "Limit": 5},
    {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :b",
     "ExpressionAttributeValues": {":b": {"S": "BASE#x@nhs.net"}}},
    {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :o",
     "ExpressionAttributeValues": {":o": {"S": "ORGS"}}, "ProjectionExpression": "gsi1sk"},
]


def _all_pages(moto_env: Any, query: dict[str, Any]) -> list[dict[str, Any]]:
    pages, start = [], None
    while True:
        page = moto_env.dynamodb.query(TableName=DIRECTORY, **query, **({"ExclusiveStartKey": start} if start else {}))
        page.pop("ResponseMetadata")
        pages.append(page)
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_grouped_queries_answer_page_for_page_as_moto_does(moto_env, monkeypatch, query):
    _load_query_table(moto_env)

    ours = _all_pages(moto_env, query)
    monkeypatch.setattr(Table, "query", dynamodb_query.MOTO_QUERY)
    theirs = _all_pages(moto_env, query)

    assert ours == theirs
    assert sum(page["Count"] for page in ours) > 0


def test_grouped_queries_see_every_write(moto_env):
    _load_query_table(moto_env)
    query = QUERIES[3]
    before = sum(p["Count"] for p in _all_pages(moto_env, query))

    moto_env.put(pk="ACCOUNT#new@nhs.net", sk="ACCOUNT", gsi1pk="ORG#B", gsi1sk="ACCOUNT#new")
    moto_env.dynamodb.update_item(  # a joiner moves organisation: its index key changes in place
        TableName=DIRECTORY, Key={"pk": {"S": "ACCOUNT#u000@nhs.net"}, "sk": {"S": "ACCOUNT"}},
        UpdateExpression="SET gsi1pk = :b", ExpressionAttributeValues={":b": {"S": "ORG#B"}})
    moto_env.dynamodb.delete_item(TableName=DIRECTORY, Key={"pk": {"S": "ACCOUNT#u001@nhs.net"},
                                                            "sk": {"S": "ACCOUNT"}})

    after = [i["pk"]["S"] for p in _all_pages(moto_env, query) for i in p["Items"]]
    assert len(after) == before + 2 - 1
    assert "ACCOUNT#new@nhs.net" in after and "ACCOUNT#u000@nhs.net" in after
    assert "ACCOUNT#u001@nhs.net" not in after


# -- condition_cache -----------------------------------------------------------------------
def test_moto_parses_conditions_through_the_parser_class_everywhere():
    """Every place moto reads a condition builds a ConditionExpressionParser and calls parse()."""
    sources = inspect.getsource(moto.dynamodb.comparisons.get_filter_expression)

    assert "create_condition_expression_parser(expr, names, values)" in sources
    assert _parameters(condition_cache.MOTO_PARSE) == ["self"]
    assert _parameters(ConditionExpressionParser) == [
        "condition_expression", "expression_attribute_names", "expression_attribute_values"]


def test_a_cached_condition_evaluates_and_reports_names_as_a_fresh_parse():
    condition_cache.clear()
    args = ("attribute_exists(pk) AND #s = :a", {"#s": "status"}, {":a": {"S": "active"}})
    fresh = ConditionExpressionParser(*args)
    fresh_op = condition_cache.MOTO_PARSE(fresh)
    first, second = ConditionExpressionParser(*args), ConditionExpressionParser(*args)
    active = Item(DynamoType({"S": "k"}), None, {"pk": {"S": "k"}, "status": {"S": "active"}})
    leaver = Item(DynamoType({"S": "k"}), None, {"pk": {"S": "k"}, "status": {"S": "leaver"}})

    op = condition_cache.parse(first)
    cached = condition_cache.parse(second)

    assert cached is op
    assert second.expr_attr_names_found == fresh.expr_attr_names_found
    assert "#s" in fresh.expr_attr_names_found
    assert second.expr_attr_values_found == fresh.expr_attr_values_found
    for item in (active, leaver, None):
        assert cached.expr(item) == fresh_op.expr(item)


def test_a_bad_condition_is_refused_every_time():
    condition_cache.clear()
    for _ in range(2):
        with pytest.raises(Exception):  # noqa: B017 (moto's own error, whatever its class)
            condition_cache.parse(ConditionExpressionParser("#missing = :x", {}, {":x": {"S": "1"}}))


# -- item_size -----------------------------------------------------------------------------
def _item_of(init: Any, text_size: int) -> Item:
    item = Item.__new__(Item)
    init(item, DynamoType({"S": "k"}), None, {"pk": {"S": "k"}, "big": {"S": "a" * text_size}})
    return item


def test_moto_items_check_their_size_on_every_attribute():
    """item_size replaces a per-insertion size sum; the limit it enforces must stay moto's."""
    source = inspect.getsource(moto.dynamodb.models.dynamo_type.LimitedSizeDict.__setitem__)

    assert f"> {item_size.MOTO_ITEM_SIZE_LIMIT}" in source
    assert _parameters(item_size.MOTO_ITEM_INIT) == ["self", "hash_key", "range_key", "attrs"]


def test_items_built_once_match_moto_and_refuse_the_same_sizes():
    largest = item_size.MOTO_ITEM_SIZE_LIMIT - len("pk") - len("k") - len("big")

    assert _item_of(item_size.item_init, largest).attrs == _item_of(item_size.MOTO_ITEM_INIT, largest).attrs
    for init in (item_size.item_init, item_size.MOTO_ITEM_INIT):
        with pytest.raises(ItemSizeTooLarge):
            _item_of(init, largest + 1)


# -- attribute_value -----------------------------------------------------------------------
ATTRIBUTE_VALUES: list[Any] = [
    {"S": "text"}, {"N": "12.50"}, {"B": "AAE="}, {"BOOL": False}, {"NULL": True}, {"SS": ["a", "b"]},
    {"NS": ["1", "2"]}, {"L": [{"S": "x"}, {"M": {"k": {"N": "1"}}}]},
    {"M": {"tally": {"M": {"created": {"N": "100"}}}, "list": {"L": [{"BOOL": True}]}}},
]


def test_moto_still_builds_attribute_values_from_the_first_pair():
    source = inspect.getsource(attribute_value.MOTO_DYNAMO_TYPE_INIT)

    assert "list(type_as_dict)[0]" in source and "list(type_as_dict.values())[0]" in source
    assert _parameters(attribute_value.MOTO_DYNAMO_TYPE_INIT) == ["self", "type_as_dict"]


@pytest.mark.parametrize("raw", ATTRIBUTE_VALUES, ids=lambda raw: next(iter(raw)))
def test_attribute_values_built_directly_equal_moto_s(raw):
    ours, theirs = DynamoType.__new__(DynamoType), DynamoType.__new__(DynamoType)
    attribute_value.dynamo_type_init(ours, raw)
    attribute_value.MOTO_DYNAMO_TYPE_INIT(theirs, raw)

    assert (ours.type, ours.to_json(), ours.size()) == (theirs.type, theirs.to_json(), theirs.size())
    assert ours == theirs


def test_an_attribute_value_copied_from_another_copies_its_nested_values():
    original = DynamoType({"L": [{"S": "x"}]})

    copy_of = DynamoType(original)

    assert copy_of == original and copy_of.value is not original.value


def test_string_values_and_attribute_names_are_shared_between_items(moto_env):
    first = Item(DynamoType({"S": "a"}), None, json.loads('{"status": {"S": "active"}}'))
    second = Item(DynamoType({"S": "b"}), None, json.loads('{"status": {"S": "active"}}'))

    assert first.attrs["status"].value is second.attrs["status"].value
    assert next(iter(first.attrs)) is next(iter(second.attrs))


def test_an_item_s_key_attributes_share_its_key_objects(moto_env):
    hash_key, range_key = DynamoType({"S": "ACCOUNT#a"}), DynamoType({"S": "ACCOUNT"})

    item = Item(hash_key, range_key, {"pk": {"S": "ACCOUNT#a"}, "sk": {"S": "ACCOUNT"}, "n": {"N": "1"}})

    assert item.attrs["pk"] is hash_key and item.attrs["sk"] is range_key
    assert item.to_json()["Attributes"] == {"pk": {"S": "ACCOUNT#a"}, "sk": {"S": "ACCOUNT"}, "n": {"N": "1"}}


# -- state_machine_clients (its keys) ---------------------------------------------------------------
def test_moto_state_machines_still_sign_with_fixed_keys_and_the_patch_keeps_the_signature():
    from roster_local.moto_patches import state_machine_clients

    fixed = state_machine_clients.MOTO_BOTO_CLIENT_FOR("eu-west-2", "s3")

    # If moto stops signing with "ak"/"sk", the patch is no longer needed.
    assert fixed._request_signer._credentials.access_key == "ak"
    assert _parameters(state_machine_clients.MOTO_BOTO_CLIENT_FOR) == ["region", "service", "state_credentials"]


def test_with_the_patch_the_item_reader_signs_with_the_processs_keys(moto_env, monkeypatch):
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval import resource_eval_s3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIASTACKSOWN")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "stacks-own-secret")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)

    reader = resource_eval_s3.boto_client_for("eu-west-2", "s3")

    assert reader._request_signer._credentials.access_key == "AKIASTACKSOWN"
