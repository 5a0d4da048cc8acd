"""The Step Functions interpreter signs its own AWS calls with the process's credentials.

moto's interpreter makes the state machine's calls (a Distributed Map's ItemReader reading the
batch list from S3, its ResultWriter, SDK integrations) with a boto3 client of fixed keys, "ak" and
"sk" (`moto.stepfunctions.parser.asl.utils.boto_client.boto_client_for`). Under `roster local serve`
the S3 endpoint is the embedded AWS endpoint, which refuses keys anyone knows (docs/security.md); on
AWS a state machine signs with its role. Here its client takes the process's credentials, as every
function's does; nothing else about the client changes."""

from __future__ import annotations

import sys
from typing import Any

import boto3
import moto.stepfunctions.parser.asl.utils.boto_client as boto_client_module
from botocore.config import Config
from moto.core.models import botocore_stubber
from moto.settings import moto_server_port
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds

MOTO_BOTO_CLIENT_FOR = boto_client_module.boto_client_for
_MOTO_PACKAGE = "moto.stepfunctions"


def apply() -> None:
    """Replace `boto_client_for` where moto defines it and in every interpreter module that has
    already imported it (idempotent)."""
    boto_client_module.boto_client_for = boto_client_for
    for name, module in list(sys.modules.items()):
        # The module's own dict, not getattr: a lazy module's __getattr__ would import what it defers.
        if name.startswith(_MOTO_PACKAGE) and module is not None \
                and vars(module).get("boto_client_for") is MOTO_BOTO_CLIENT_FOR:
            module.boto_client_for = boto_client_for  # type: ignore[attr-defined]


def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    """moto's client, signed with the credentials boto3 finds (the environment's) instead of fixed ones."""
    kwargs = {} if botocore_stubber.enabled else {"endpoint_url": f"http://localhost:{moto_server_port()}"}
    config = Config(parameter_validation=False, retries={"max_attempts": 0, "total_max_attempts": 1},
                    connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                    read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS)
    return boto3.client(service_name=service, region_name=region, config=config, **kwargs)
