"""Deployment settings, read from the environment on first use (never at import time)."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    """Every value comes from template.yaml (Globals.Function.Environment)."""

    directory_table: str
    jobs_table: str
    idempotency_table: str
    bucket: str
    kms_key_id: str
    sender_email: str
    state_machine_arn: str
    max_rows: int = Field(default=10_000, ge=1)
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    batch_size: int = Field(default=100, ge=1, le=1000)
    password_hash_cost: int = Field(default=14, ge=10, le=20)
    identity_retention_days: int = Field(default=90, ge=90)
    org_hold_seconds: int = Field(default=3600, ge=60)
    attachment_limit_bytes: int = Field(default=7_000_000, ge=1)


_ENV_NAMES = {name: f"ROSTER_{name.upper()}" for name in Settings.model_fields}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this deployment; a missing variable fails with its name."""
    values = {name: os.environ[env] for name, env in _ENV_NAMES.items() if env in os.environ}
    return Settings.model_validate(values)


def environment_variable(field_name: str) -> str:
    """The environment variable that holds a setting (for the embedded stack and tests)."""
    return _ENV_NAMES[field_name]
