"""StartExecution refuses an input over 256 KB, as Step Functions does.

moto's Step Functions interpreter already fails a state whose output passes 256 KB
(States.DataLimitExceeded, moto.stepfunctions.parser.quotas), so every state's input, the
output of the state before it, is bounded; but StartExecution takes an input of any size,
which AWS refuses with a ValidationException ("Member must have length less than or equal
to 262144"). The response handler here checks the input before moto's own."""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.stepfunctions.exceptions import ValidationException
from moto.stepfunctions.responses import StepFunctionResponse

from roster_local.stack.limits import STATES_PAYLOAD_BYTES, payload_size

MOTO_START_EXECUTION = StepFunctionResponse.start_execution


def apply() -> None:
    """Install the input check (idempotent)."""
    StepFunctionResponse.start_execution = start_execution  # type: ignore[method-assign]


def start_execution(self: StepFunctionResponse) -> ActionResult:
    """moto's StartExecution, after Step Functions' limit on the input."""
    execution_input = self._get_param("input", if_none="{}")
    if payload_size(execution_input) > STATES_PAYLOAD_BYTES:
        raise ValidationException(
            "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length "
            f"less than or equal to {STATES_PAYLOAD_BYTES}")
    return MOTO_START_EXECUTION(self)
