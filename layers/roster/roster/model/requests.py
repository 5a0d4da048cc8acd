"""The events the functions are given: a batch of the Distributed Map (create), the state machine's
call to notify, and the API's hand-over to apply. Parsed by each handler with Powertools' parser."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class BatchRequest(BaseModel):
    """One Distributed Map item: what the create Lambda is given."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)  # job_id

    upload_id: str = Field(alias="job_id")
    bucket: str
    batch_key: str
    batch_no: int


class NotifyRequest(BaseModel):
    """What the state machine gives notify."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)  # job_id

    upload_id: str = Field(alias="job_id")
    failure: dict[str, Any] | None = None  # the Catch output, when the create phase failed


class ApplyRequest(BaseModel):
    """The apply function's event."""

    upload_id: str
