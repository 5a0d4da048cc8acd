"""The Step Functions interpreter's AWS calls are marked as the state machine's.

moto runs a state machine's tasks (the Lambda invocations, the Distributed Map's ItemReader)
through boto3 clients made by `moto.stepfunctions.parser.asl.utils.boto_client.boto_client_for`.
This patch wraps it so that each such client marks its calls' context (iam_guard's
STATE_MACHINE_CONTEXT): the embedded stack's IAM check then evaluates them against the state
machine's role, not the role of whichever function the thread may otherwise be running."""

from __future__ import annotations

import importlib
from typing import Any

from moto.stepfunctions.parser.asl.utils import boto_client

from roster_local.stack.iam_guard import STATE_MACHINE_CONTEXT

MOTO_BOTO_CLIENT_FOR = boto_client.boto_client_for
# Every module of the interpreter that imported boto_client_for by name, and that Roster's
# definition uses: Lambda tasks, and the Distributed Map's S3 ItemReader and ResultWriter.
USERS = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3",
)


def _mark(context: dict[str, Any], **_: Any) -> None:
    context[STATE_MACHINE_CONTEXT] = True


def boto_client_for(*args: Any, **kwargs: Any) -> Any:
    client = MOTO_BOTO_CLIENT_FOR(*args, **kwargs)
    client.meta.events.register_first("before-parameter-build", _mark)
    return client


def apply() -> None:
    """Install the wrapper in boto_client and every interpreter module that uses it (idempotent)."""
    boto_client.boto_client_for = boto_client_for
    for name in USERS:
        module = importlib.import_module(name)
        if getattr(module, "boto_client_for", None) is not MOTO_BOTO_CLIENT_FOR and \
                getattr(module, "boto_client_for", None) is not boto_client_for:
            raise RuntimeError(f"{name} no longer imports boto_client_for: see roster_local.moto_patches."
                               "state_machine_clients")
        module.boto_client_for = boto_client_for  # type: ignore[attr-defined]
