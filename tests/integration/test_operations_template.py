"""The operations section of template.yaml: every function watched, every alarm wired to the
optional topic, the dead-letter path closed, and the names the code publishes used as published.

No AWS and no moto: these read the files (cfn-lint runs in test_template_lint.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str

from roster.adapters.open_uploads import OPEN_UPLOADS_INDEX
from roster.metrics import PUBLISHED_METRICS

REPO = Path(__file__).resolve().parents[2]
ACTIONS = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}


def _template() -> dict[str, Any]:
    template, matches = decode_str((REPO / "template.yaml").read_text(encoding="utf-8"))
    assert not matches
    return json.loads(json.dumps(template, default=str))


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r.get("Properties", {}) for name, r in template["Resources"].items() if r["Type"] == kind}


def _dashboard_body(template: dict[str, Any]) -> dict[str, Any]:
    (dashboard,) = _resources(template, "AWS::CloudWatch::Dashboard").values()
    # Every ${...} sits inside a JSON string: replace it by its name to read the JSON.
    return json.loads(re.sub(r"\$\{([^}]+)\}", r"\1", dashboard["DashboardBody"]["Fn::Sub"]))


def test_every_function_has_an_errors_and_a_throttles_alarm():
    template = _template()
    functions = set(_resources(template, "AWS::Serverless::Function"))
    watched: dict[str, set[str]] = {}
    for alarm in _resources(template, "AWS::CloudWatch::Alarm").values():
        if alarm["Namespace"] == "AWS/Lambda":
            for dimension in alarm["Dimensions"]:
                watched.setdefault(alarm["MetricName"], set()).add(dimension["Value"]["Ref"])

    assert {"ValidateFunction", "CreateFunction", "NotifyFunction", "DeadLetterFunction", "SweepFunction"} <= functions
    assert functions <= watched["Errors"], "a function without an Errors alarm fails silently"
    assert functions <= watched["Throttles"], "a function without a Throttles alarm is throttled silently"


def test_every_alarm_notifies_the_topic_only_when_one_is_given():
    template = _template()
    alarms = _resources(template, "AWS::CloudWatch::Alarm")

    assert template["Conditions"]["HasAlarmTopic"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]}
    assert template["Parameters"]["AlarmTopicArn"]["Default"] == ""
    assert all(alarm["AlarmActions"] == ACTIONS and alarm["OKActions"] == ACTIONS for alarm in alarms.values())
    assert all(alarm.get("AlarmDescription") for alarm in alarms.values())


def test_failed_upload_events_reach_a_consumer_through_an_encrypted_queue():
    template = _template()
    validate = template["Resources"]["ValidateFunction"]["Properties"]
    queues = _resources(template, "AWS::SQS::Queue")
    consumer = template["Resources"]["DeadLetterFunction"]["Properties"]
    timeout = consumer.get("Timeout", template["Globals"]["Function"]["Timeout"])

    destination = validate["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
    assert destination == {"Type": "SQS", "Destination": {"Fn::GetAtt": ["UploadDeadLetterQueue", "Arn"]}}
    assert consumer["Events"]["DeadLetter"]["Properties"]["Queue"] == destination["Destination"]
    assert all(queue["KmsMasterKeyId"] == {"Fn::GetAtt": ["RosterKey", "Arn"]} for queue in queues.values())
    assert queues["UploadDeadLetterQueue"]["VisibilityTimeout"] >= timeout
    assert queues["UploadDeadLetterQueue"]["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["UnprocessedDeadLetterQueue", "Arn"]}


def test_a_notify_that_fails_every_attempt_ends_the_execution_in_a_named_state():
    states = json.loads((REPO / "statemachine" / "create_users.asl.json").read_text(encoding="utf-8"))["States"]

    (catch,) = states["NotifyAfterFailure"]["Catch"]
    assert catch["ErrorEquals"] == ["States.ALL"]
    assert states[catch["Next"]] == {**states[catch["Next"]], "Type": "Fail", "Error": "NotifyFailed"}


def test_the_sweeper_runs_on_a_schedule_set_by_a_parameter():
    template = _template()
    event = template["Resources"]["SweepFunction"]["Properties"]["Events"]["Sweep"]

    assert event["Type"] == "ScheduleV2"
    assert event["Properties"]["ScheduleExpression"] == {"Fn::Sub": "rate(${SweepIntervalMinutes} minutes)"}
    assert template["Parameters"]["SweepIntervalMinutes"]["MinValue"] >= 2  # "rate(1 minutes)" is invalid


def test_the_uploads_table_has_the_sparse_index_the_sweeper_queries():
    table = _template()["Resources"]["JobsTable"]["Properties"]
    # Each index after gsi1 is conditional on JobsTableIndexes (the two-step upgrade, docs/deploy.md).
    indexes = [i["Fn::If"][1] if "Fn::If" in i else i for i in table["GlobalSecondaryIndexes"]]
    (index,) = [i for i in indexes if i["IndexName"] == OPEN_UPLOADS_INDEX]

    assert [k["AttributeName"] for k in index["KeySchema"]] == ["open_state", "state_since"]


def test_the_dashboard_shows_every_alarm_and_only_metrics_roster_publishes():
    template = _template()
    body = _dashboard_body(template)
    alarms = set(_resources(template, "AWS::CloudWatch::Alarm"))
    roster_metrics = {metric[1] for widget in body["widgets"] for metric in widget["properties"].get("metrics", [])
                      if metric[0] == "Roster"}
    alarmed = {a["MetricName"] for a in _resources(template, "AWS::CloudWatch::Alarm").values()
               if a["Namespace"] == "Roster"}
    (alarm_widget,) = [w for w in body["widgets"] if w["type"] == "alarm"]

    assert {name.removesuffix(".Arn") for name in alarm_widget["properties"]["alarms"]} == alarms
    assert roster_metrics and roster_metrics <= PUBLISHED_METRICS
    assert alarmed <= PUBLISHED_METRICS
