"""The create-phase state machine in Step Functions: the Workflow port."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class StepFunctionsWorkflow:
    """Starts executions of one state machine; an execution's name makes a second start a no-op."""

    def __init__(self, stepfunctions: Any, state_machine_arn: str) -> None:
        self.stepfunctions = stepfunctions
        self.state_machine_arn = state_machine_arn

    def start(self, name: str, payload: Mapping[str, Any]) -> bool:
        """Start an execution named `name` with `payload` as its input; False when one of that
        name exists already (Step Functions keeps names unique for 90 days)."""
        try:
            self.stepfunctions.start_execution(stateMachineArn=self.state_machine_arn, name=name,
                                               input=json.dumps(dict(payload)))
        except self.stepfunctions.exceptions.ExecutionAlreadyExists:
            return False
        return True
