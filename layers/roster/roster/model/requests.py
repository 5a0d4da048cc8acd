"""The events the functions are given: a batch of the Distributed Map (create), the state machine's
call to notify, and the API's hand-over to apply. Parsed by each handler with Powertools' parser."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class BatchRequest(BaseModel):
    """One Distributed Map item: what the create Lambda is given."""

    job_id: str
    bucket: str
    batch_key: str
    batch_no: int


class NotifyRequest(BaseModel):
    """What the state machine gives notify."""

    job_id: str
    failure: dict[str, Any] | None = None  # the Catch output, when the create phase failed


class ApplyRequest(BaseModel):
    """The apply function's event."""

    upload_id: str
