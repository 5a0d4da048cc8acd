"""Contract of moto_patches.lazy_batch_task: moto's Step Functions interpreter imports moto.batch, and
with it moto.ec2, for a Batch task Roster never runs; with the patch the stack runs without either, and
a Batch task still runs moto's own. What a process has imported is asked of a new interpreter: this one
has imported both already (the other contract tests import the interpreter)."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
from typing import Any

import moto.batch
import pytest
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_batch,
    state_task_service_factory,
)

from roster_local.moto_patches import lazy_batch_task
from tests.conftest import ADMIN, EXAMPLES, ROOT

HEAVY = ("moto.batch", "moto.ec2")
REPORT_HEAVY = f"import json, sys; print(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"


def _in_a_new_interpreter(script: str, *args: str) -> Any:
    """The JSON the script prints on its last line, run by a new interpreter."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script), *args], capture_output=True, text=True,
                          timeout=300, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_the_patch_names_moto_s_own_modules():
    assert state_task_service_batch.__name__ == lazy_batch_task.BATCH_TASK_MODULE
    assert state_task_service_factory.__name__ == lazy_batch_task.TASK_FACTORY_MODULE


def test_moto_s_interpreter_still_imports_moto_batch_and_ec2_for_its_batch_task():
    """The day importing the interpreter no longer brings in moto.batch and moto.ec2, lazy_batch_task can go."""
    imported = _in_a_new_interpreter(f"import {lazy_batch_task.TASK_FACTORY_MODULE}\n{REPORT_HEAVY}")

    assert imported == {"moto.batch": True, "moto.ec2": True}
    assert "from moto.batch.utils import JobStatus" in inspect.getsource(state_task_service_batch)
    assert "from .models import batch_backends" in inspect.getsource(moto.batch)


def test_the_factory_takes_the_batch_task_by_name_and_builds_it_with_no_arguments():
    """What the stand-in provides: the one name the factory imports, called as the factory calls it."""
    source = inspect.getsource(state_task_service_factory)

    assert f"from {lazy_batch_task.BATCH_TASK_MODULE} import (\n    StateTaskServiceBatch,\n)" in source
    assert source.count("StateTaskServiceBatch") == 2
    assert "return StateTaskServiceBatch()" in inspect.getsource(state_task_service_factory.state_task_service_for)
    assert list(inspect.signature(state_task_service_batch.StateTaskServiceBatch).parameters) == []


@pytest.mark.e2e
def test_given_the_patch_when_roster_local_run_runs_an_upload_then_neither_moto_batch_nor_ec2_is_imported(tmp_path):
    imported = _in_a_new_interpreter(f"""
        import sys
        from roster_local.cli import main
        assert main(sys.argv[1:]) == 0
        {REPORT_HEAVY}
        """, "local", "run", str(EXAMPLES / "users.csv"), "--directory", str(EXAMPLES / "directory.json"),
        "--admin", ADMIN, "--out", str(tmp_path / "out"))

    assert json.loads((tmp_path / "out" / "01-users" / "job.json").read_text())["state"] == "COMPLETED"
    assert imported == {"moto.batch": False, "moto.ec2": False}


BATCH_TASK_RUN = """
    import json, os, sys, time
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="eu-west-2")
    import boto3
    from moto import mock_aws
    from roster_local import moto_patches
    from roster_local.moto_patches import lazy_batch_task
    if sys.argv[1] == "unpatched":
        lazy_batch_task.apply = lambda: None
    with mock_aws(config={"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}):
        moto_patches.apply()
        stand_in = isinstance(sys.modules.get(lazy_batch_task.BATCH_TASK_MODULE), lazy_batch_task.BatchTaskStandIn)
        sfn = boto3.client("stepfunctions", region_name="eu-west-2")
        machine = sfn.create_state_machine(
            name="batch", roleArn="arn:aws:iam::123456789012:role/r", definition=json.dumps({
                "StartAt": "Submit", "States": {"Submit": {
                    "Type": "Task", "Resource": "arn:aws:states:::batch:submitJob", "End": True,
                    "Parameters": {"JobName": "j", "JobQueue": "q", "JobDefinition": "d"}}}}))["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=machine)["executionArn"]
        deadline = time.monotonic() + 60
        while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.05)
        history = [{k: v for k, v in event.items() if k == "type" or k.endswith("EventDetails")}
                   for event in sfn.get_execution_history(executionArn=execution)["events"]]
        print(json.dumps({"stand_in": stand_in, "batch_imported": "moto.batch" in sys.modules,
                          "status": sfn.describe_execution(executionArn=execution)["status"], "history": history}))
"""


def test_given_the_patch_a_batch_task_runs_moto_s_batch_task_as_without_it():
    patched = _in_a_new_interpreter(BATCH_TASK_RUN, "patched")
    unpatched = _in_a_new_interpreter(BATCH_TASK_RUN, "unpatched")

    assert (patched["stand_in"], unpatched["stand_in"]) == (True, False)
    assert patched["batch_imported"] and patched["status"] != "RUNNING"
    assert {"type": "TaskStarted", "taskStartedEventDetails": {"resourceType": "batch", "resource": "submitJob"}} in (
        patched["history"])
    assert (patched["status"], patched["history"]) == (unpatched["status"], unpatched["history"])
