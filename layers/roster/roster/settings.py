"""Deployment settings, read from the environment on first use (never at import time)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from roster.approval.policy import ApprovalPolicy

ENV_PREFIX = "ROSTER_"


class Settings(BaseSettings):
    """Every value comes from template.yaml (Globals.Function.Environment), as ROSTER_<NAME>."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX)

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
    # Approval of large retirements (docs/approval-and-plan.md#approval): roster.settings.approval_policy.
    leaver_approval_threshold: int = Field(default=25, ge=0)
    leaver_approval_percent: float = Field(default=10.0, ge=0, le=100)
    approval_days: int = Field(default=7, ge=1, le=90)
    leaver_approval_window_hours: int = Field(default=24, ge=0, le=8760)
    attachment_limit_bytes: int = Field(default=7_000_000, ge=1)
    # The front door (docs/api.md): sign-in, the console's origin, and the function that applies uploads.
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    sign_in_domain: str = ""
    console_origin: str = ""  # empty: the console is on the API's own address (no CORS)
    apply_function: str = ""
    # The sweeper's deadlines (template parameters StuckJobMinutes, ValidationTimeoutMinutes,
    # QueueTimeoutMinutes; roster.sweep).
    stuck_job_minutes: int = Field(default=30, ge=0)
    validation_timeout_minutes: int = Field(default=90, ge=1)
    queue_timeout_minutes: int = Field(default=1440, ge=1)
    upload_retention_days: int = Field(default=30, ge=1)  # the bucket keeps uploads and results this long
    undo_days: int = Field(default=30, ge=1)  # how long an applied upload can be undone (roster.api.undo)
    event_bus_name: str = ""  # Upload State Changed events (template.yaml's EventBus; roster.events)
    # The record of changes (docs/approval-and-plan.md#change-records): its table and how long it is kept.
    changes_table: str = ""
    audit_retention_days: int = Field(default=400, ge=1)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this deployment; a missing variable fails with its name."""
    return Settings()  # pydantic-settings fills the fields from the environment


def approval_policy(settings: Settings) -> ApprovalPolicy:
    """Which uploads wait for a second administrator, and for how long (docs/approval-and-plan.md#approval)."""
    return ApprovalPolicy(leaver_threshold=settings.leaver_approval_threshold,
                          leaver_percent=settings.leaver_approval_percent, approval_days=settings.approval_days,
                          window_hours=settings.leaver_approval_window_hours)


def environment_variable(field_name: str) -> str:
    """The environment variable that holds a setting (for the embedded stack and tests)."""
    if field_name not in Settings.model_fields:
        raise KeyError(field_name)
    return f"{ENV_PREFIX}{field_name.upper()}"
