"""Nothing stranded, nothing silent: the dead-letter queue and the sweeper on the embedded stack.

The real handlers, state machine, queues and event source mapping, created from template.yaml."""

from __future__ import annotations

import email
import json
import time
from pathlib import Path

import pytest

from roster.adapters.holds import OrganisationHolds
from roster.adapters.open_uploads import OpenUploads
from roster.contract.results_file import parse_results_csv
from roster.model.uploads import Upload, UploadState, upload_id_for
from roster.settings import get_settings
from roster_local.run.local_run import SWEEPER, LocalRun, PipelineError, sent_emails
from roster_local.stack.embedded_stack import EmbeddedStack
from tests.conftest import ADMIN, EXAMPLES
from tests.integration.conftest import TEST_PARAMETERS

pytestmark = pytest.mark.integration
USERS_ORGS = ["RX1", "RY2", "Y0301"]  # the organisations examples/users.csv touches
OPEN_STATES = (UploadState.RECEIVED, UploadState.VALIDATING, UploadState.QUEUED, UploadState.CREATING)


def _subjects(upload_id: str) -> list[str]:
    return [email.message_from_bytes(raw)["Subject"] for raw in sent_emails(upload_id)]


def _holds(harness) -> OrganisationHolds:
    settings = get_settings()
    return OrganisationHolds(harness.stack.client("dynamodb"), settings.jobs_table, settings.org_hold_seconds)


def _execution(harness, upload_id: str) -> dict:
    stepfunctions = harness.stack.client("stepfunctions")
    arn = get_settings().state_machine_arn.replace(":stateMachine:", ":execution:") + f":{upload_id}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        execution = stepfunctions.describe_execution(executionArn=arn)
        if execution["status"] != "RUNNING":
            return execution
        time.sleep(0.2)
    raise AssertionError(f"execution {upload_id} still running after 120 s")


def _put_upload(harness, path: Path) -> str:
    """Upload as the presigned form would (same key layout and metadata); returns the upload id."""
    settings = get_settings()
    key = f"uploads/{ADMIN}/manual/{path.name}"
    response = harness.stack.client("s3").put_object(
        Bucket=settings.bucket, Key=key, Body=path.read_bytes(),
        Metadata={"uploader": ADMIN, "validate-only": "false", "file-name": path.name})
    assert harness.stack.lambdas.wait_idle(timeout=120)
    return upload_id_for(settings.bucket, key, response["VersionId"])


@pytest.mark.parametrize("chaos_harness", [("validate:before:1.0", 1)], indirect=True)
def test_an_upload_whose_validation_fails_every_attempt_ends_failed_with_one_email(chaos_harness, tmp_path):
    # When validate fails on every attempt of the upload event
    with pytest.raises(PipelineError) as broke:
        chaos_harness.upload(EXAMPLES / "users.csv")

    # Then the run names the upload and why (at once, not after a time-out)
    assert "upload 01 (users.csv): FAILED: Validation never finished" in str(broke.value)
    assert "failed 3 attempts of the validate function (RetriesExhausted)" in str(broke.value)
    # and the dead-letter consumer recorded the upload FAILED, with one "Upload failed:" email
    folder = tmp_path / "out1" / "01-users"
    upload = json.loads((folder / "job.json").read_text())
    assert upload["state"] == "FAILED" and "Injected fault" in upload["error"]
    (eml,) = sorted((folder / "emails").glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes())
    assert message["Subject"] == "Upload failed: users.csv" and message["To"] == ADMIN
    stats = chaos_harness.stack.lambdas.stats
    assert stats.invocations["validate"] == 3 and stats.invocations["dead_letter"] == 1
    (record,) = stats.dead_letters
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    # the record was consumed, and no create phase started
    sqs = chaos_harness.stack.client("sqs")
    queue_url = sqs.get_queue_url(QueueName="roster-local-UploadDeadLetterQueue")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert chaos_harness.stack.client("stepfunctions").list_executions(
        stateMachineArn=get_settings().state_machine_arn)["executions"] == []


@pytest.mark.parametrize("chaos_harness", [("notify:before:1.0", 1)], indirect=True)
def test_a_notify_that_fails_every_attempt_leaves_an_upload_the_sweeper_finishes(chaos_harness, tmp_path):
    harness = chaos_harness
    # Given notify fails on every attempt: the run stops, naming the upload, instead of waiting
    run = LocalRun(harness.stack, ADMIN, tmp_path / "out", report=lambda _: None, sweep=False)
    with pytest.raises(PipelineError, match=r"upload 01 \(users.csv\): its create phase ended \(NotifyFailed"):
        run.run([EXAMPLES / "users.csv"])
    (execution,) = harness.stack.client("stepfunctions").list_executions(
        stateMachineArn=get_settings().state_machine_arn)["executions"]
    upload_id = execution["name"]
    assert _execution(harness, upload_id)["error"] == "NotifyFailed"
    assert harness.uploads.get(upload_id).state is UploadState.CREATING
    assert all(_holds(harness).holder(ods)["holder"] == upload_id for ods in USERS_ORGS)
    assert sent_emails(upload_id) == []

    # When the sweeper runs, twice
    first, first_failed = harness.stack.run_schedule(SWEEPER)
    second, second_failed = harness.stack.run_schedule(SWEEPER)

    # Then the upload is FAILED with notify's results file, its holds are released, and its
    # uploader got exactly one email
    assert not first_failed and first["ended"] == [upload_id]
    assert not second_failed and second["ended"] == [] and second["unfinished"] == []
    upload = harness.uploads.get(upload_id)
    assert upload.state is UploadState.FAILED and upload.error.startswith("NotifyFailed")
    assert all(_holds(harness).holder(ods) is None for ods in USERS_ORGS)
    assert _subjects(upload_id) == ["Upload failed: users.csv"]
    rows = parse_results_csv(harness.stack.client("s3").get_object(
        Bucket=upload.bucket, Key=upload.results_key)["Body"].read().decode("utf-8"))
    assert {row["Result"] for row in rows} == {"Created"} and len(rows) == 20


def test_the_sweeper_starts_a_queued_upload_whose_blocking_hold_expired(harness):
    # Given a create phase that died holding every organisation of the upload
    holds = _holds(harness)
    assert holds.try_take("ghost-job", USERS_ORGS)
    upload_id = _put_upload(harness, EXAMPLES / "users.csv")
    assert harness.uploads.get(upload_id).state is UploadState.QUEUED
    # and its hold has since expired (it was taken two hours ago)
    two_hours_ago = OrganisationHolds(harness.stack.client("dynamodb"), get_settings().jobs_table, 60,
                                      clock=lambda: time.time() - 7200)
    assert two_hours_ago.try_take("ghost-job", USERS_ORGS)

    # When the sweeper runs
    report, failed = harness.stack.run_schedule(SWEEPER)

    # Then the queued upload started, and completed with one email
    assert not failed and report["started"] == [upload_id] and report["queued"] == 0
    assert _execution(harness, upload_id)["status"] == "SUCCEEDED"
    assert harness.uploads.get(upload_id).state is UploadState.COMPLETED
    assert harness.stack.lambdas.wait_idle(timeout=60)
    assert _subjects(upload_id) == ["Upload complete: users.csv"]


def test_the_open_uploads_index_lists_an_upload_only_while_it_is_unfinished(harness):
    settings = get_settings()
    index = OpenUploads(harness.stack.client("dynamodb"), settings.jobs_table)
    upload = Upload(upload_id="job-index", bucket=settings.bucket, key="uploads/a/b/c.csv", file_name="c.csv",
                    uploader=ADMIN)

    def listed() -> dict[UploadState, list[str]]:
        return {state: [o.upload.upload_id for o in index.in_state(state)] for state in OPEN_STATES}

    harness.uploads.create_if_absent(upload)
    received = listed()
    harness.uploads.update("job-index", state=UploadState.VALIDATING)
    validating = listed()
    failed = index.fail_if_in("job-index", [UploadState.VALIDATING], "stuck")
    again = index.fail_if_in("job-index", [UploadState.VALIDATING], "stuck")

    assert received[UploadState.RECEIVED] == ["job-index"] and received[UploadState.VALIDATING] == []
    assert validating[UploadState.VALIDATING] == ["job-index"] and validating[UploadState.RECEIVED] == []
    assert failed is not None and failed.state is UploadState.FAILED and failed.error == "stuck"
    assert again is None
    assert all(ids == [] for ids in listed().values())
    assert index.in_state(UploadState.RECEIVED, entered_before="2000-01-01T00:00:00+00:00") == []


@pytest.mark.parametrize("topic", ["", "arn:aws:sns:eu-west-2:123456789012:roster-alarms"])
def test_the_embedded_stack_creates_the_operations_section_from_the_template(topic):
    with EmbeddedStack(parameters={**TEST_PARAMETERS, "AlarmTopicArn": topic}) as stack:
        sqs, lambda_client = stack.client("sqs"), stack.client("lambda")
        dead_letter_url = sqs.get_queue_url(QueueName="roster-local-UploadDeadLetterQueue")["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=dead_letter_url, AttributeNames=["All"])["Attributes"]
        config = lambda_client.get_function_event_invoke_config(FunctionName="roster-local-ValidateFunction")
        mappings = lambda_client.list_event_source_mappings(FunctionName="roster-local-DeadLetterFunction")
        schedule = stack.client("scheduler").get_schedule(Name="roster-local-sweep")
        alarms = stack.client("cloudwatch").describe_alarms()["MetricAlarms"]
        dashboard = stack.client("cloudwatch").get_dashboard(DashboardName="roster-local-roster")

    assert attributes["KmsMasterKeyId"].startswith("arn:aws:kms:")
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 5
    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == attributes["QueueArn"]
    assert [m["EventSourceArn"] for m in mappings["EventSourceMappings"]] == [attributes["QueueArn"]]
    assert schedule["ScheduleExpression"] == "rate(5 minutes)"
    assert json.loads(schedule["Target"]["Input"]) == {"source": "roster.sweep"}
    declared = [name for name, r in stack.template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert len(declared) >= 18 and len(alarms) == len(declared)
    assert all(alarm["AlarmActions"] == ([topic] if topic else []) for alarm in alarms)
    widgets = json.loads(dashboard["DashboardBody"])["widgets"]
    (alarm_widget,) = [w for w in widgets if w["type"] == "alarm"]
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(a["AlarmArn"] for a in alarms)


@pytest.mark.parametrize("chaos_harness", [("notify:before:1.0", 2)], indirect=True)
def test_roster_local_run_ends_an_abandoned_create_phase_with_the_sweeper_and_says_so(chaos_harness, tmp_path):
    # When notify fails on every attempt during `roster local run` (sweeping, as the schedule would)
    with pytest.raises(PipelineError) as broke:
        chaos_harness.upload(EXAMPLES / "users.csv")

    # Then the run names the upload and why, and the outputs show what the uploader got
    assert "upload 01 (users.csv): its create phase ended (NotifyFailed" in str(broke.value)
    assert str(broke.value).endswith("the sweeper ended it FAILED")
    folder = tmp_path / "out1" / "01-users"
    assert json.loads((folder / "job.json").read_text())["state"] == "FAILED"
    assert len(list((folder / "emails").glob("*.eml"))) == 1
    assert (folder / "results.csv").exists()
    assert all(_holds(chaos_harness).holder(ods) is None for ods in USERS_ORGS)
