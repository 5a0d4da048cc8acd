"""The Step Functions interpreter's AWS calls are the state machine's: signed with the process's
keys, and marked as the state machine's for the IAM check.

moto runs a state machine's tasks (the Lambda invocations, the Distributed Map's ItemReader and
ResultWriter) through boto3 clients made by
`moto.stepfunctions.parser.asl.utils.boto_client.boto_client_for`, with fixed keys ("ak"/"sk").
This patch replaces it in that module and in every interpreter module that imported it by name:
- the client signs with the credentials boto3 finds, as every function's does: under `roster local
  serve` the embedded AWS endpoint refuses keys anyone knows (docs/security.md), as AWS would sign
  with the state machine's role;
- each call's context is marked (iam_guard's STATE_MACHINE_CONTEXT), so that the embedded stack's IAM
  check evaluates it against the state machine's role, not the role of whichever function the
  thread may otherwise be running (docs/deploy.md, "What is verified offline")."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import boto3
from botocore.config import Config
from moto.core.models import botocore_stubber
from moto.settings import moto_server_port
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
from moto.stepfunctions.parser.asl.utils import boto_client

from roster_local.stack.iam_guard import STATE_MACHINE_CONTEXT

MOTO_BOTO_CLIENT_FOR = boto_client.boto_client_for
_MOTO_PACKAGE = "moto.stepfunctions"
# The interpreter's modules that Roster's definition uses, which import boto_client_for by name:
# Lambda tasks, and the Distributed Map's S3 ItemReader and ResultWriter.
USERS = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3",
)


def _mark(context: dict[str, Any], **_: Any) -> None:
    context[STATE_MACHINE_CONTEXT] = True


def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    """moto's client, signed with the credentials boto3 finds, its calls marked as the state machine's."""
    kwargs = {} if botocore_stubber.enabled else {"endpoint_url": f"http://localhost:{moto_server_port()}"}
    config = Config(parameter_validation=False, retries={"max_attempts": 0, "total_max_attempts": 1},
                    connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                    read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS)
    client = boto3.client(service_name=service, region_name=region, config=config, **kwargs)
    client.meta.events.register_first("before-parameter-build", _mark)
    return client


def apply() -> None:
    """Install the replacement where moto defines it and in every interpreter module that imported
    it (idempotent). A module Roster relies on that no longer imports it fails loudly."""
    boto_client.boto_client_for = boto_client_for
    for name in USERS:
        module = importlib.import_module(name)
        if vars(module).get("boto_client_for") not in (MOTO_BOTO_CLIENT_FOR, boto_client_for):
            raise RuntimeError(f"{name} no longer imports boto_client_for: see roster_local.moto_patches."
                               "state_machine_clients")
    for name, module in list(sys.modules.items()):
        # The module's own dict, not getattr: a lazy module's __getattr__ would import what it defers.
        if name.startswith(_MOTO_PACKAGE) and module is not None \
                and vars(module).get("boto_client_for") is MOTO_BOTO_CLIENT_FOR:
            module.boto_client_for = boto_client_for  # type: ignore[attr-defined]
