"""boto3 clients, made once per process on first use (Lambda reuses them across invocations)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


@cache
def client(service: str) -> Any:
    """A shared boto3 client for `service` (standard retry mode)."""
    return boto3.client(service, config=_CONFIG)
