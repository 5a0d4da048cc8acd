"""The create phase's Step Functions executions, as the sweeper needs to see them.

Each upload's execution is named after the upload (roster.queue.dispatch), so its ARN follows from the
state machine's ARN and the upload id."""

from __future__ import annotations

from typing import Any

from roster.model.uploads import ExecutionStatus


def execution_arn(state_machine_arn: str, name: str) -> str:
    """arn:...:stateMachine:<machine> -> arn:...:execution:<machine>:<name>."""
    prefix, _, machine = state_machine_arn.rpartition(":stateMachine:")
    return f"{prefix}:execution:{machine}:{name}"


class CreatePhaseExecutions:
    """Looks up an upload's create-phase execution."""

    def __init__(self, stepfunctions: Any, state_machine_arn: str) -> None:
        self.stepfunctions = stepfunctions
        self.state_machine_arn = state_machine_arn

    def status(self, upload_id: str) -> ExecutionStatus | None:
        """The execution of this upload, or None if it was never started."""
        try:
            response = self.stepfunctions.describe_execution(
                executionArn=execution_arn(self.state_machine_arn, upload_id))
        except self.stepfunctions.exceptions.ExecutionDoesNotExist:
            return None
        return ExecutionStatus(response["status"], response.get("error"), response.get("cause"))
