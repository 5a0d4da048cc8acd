"""The stack's EventBridge bus: Upload State Changed events (docs/api.md#events)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from roster.errors import TransientInfrastructureError
from roster.events.state_changes import DETAIL_TYPE, EVENT_SOURCE


class EventPublishFailed(TransientInfrastructureError):
    """EventBridge did not take an event (its entry came back with an error code): retried."""


class EventBridgeUploadEvents:
    """The UploadEventBus port on one EventBridge bus."""

    def __init__(self, events: Any, bus_name: str) -> None:
        if not bus_name:
            raise ValueError("no event bus: set ROSTER_EVENT_BUS_NAME (template.yaml's EventBus)")
        self.events = events
        self.bus_name = bus_name

    def publish(self, detail: Mapping[str, Any]) -> None:
        """One PutEvents entry, timed at the change; EventPublishFailed when the entry failed."""
        entry: dict[str, Any] = {"Source": EVENT_SOURCE, "DetailType": DETAIL_TYPE, "Detail": json.dumps(detail),
                                 "EventBusName": self.bus_name, "Resources": []}
        if detail.get("at"):
            entry["Time"] = datetime.fromisoformat(str(detail["at"]))
        response = self.events.put_events(Entries=[entry])
        if response.get("FailedEntryCount"):
            failure = response["Entries"][0]
            raise EventPublishFailed(f"EventBridge refused the event: {failure.get('ErrorCode')} "
                                     f"{failure.get('ErrorMessage')}")
