"""The stream consumer's step: publish each state change of a batch of stream records once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from roster.events.state_changes import UploadStateChange, state_change

# Publish one change unless it was published already (by its change key); wired with Powertools
# idempotency in roster.wiring, a plain call in unit tests.
PublishOnce = Callable[[UploadStateChange], None]


@dataclass(frozen=True)
class StreamRecordImages:
    """What the step reads of one stream record: its images, sequence number and time."""

    old_image: dict[str, object] | None
    new_image: dict[str, object] | None
    sequence_number: str
    approximate_time: str


class StateChangeEvents:
    """Turns the Jobs table's stream records into Upload State Changed events (docs/api.md#events)."""

    def __init__(self, publish_once: PublishOnce) -> None:
        self.publish_once = publish_once

    def record(self, record: StreamRecordImages) -> UploadStateChange | None:
        """Publish the record's state change, if it holds one (once, whatever is retried); the change."""
        change = state_change(record.old_image, record.new_image, record.sequence_number, record.approximate_time)
        if change is not None:
            self.publish_once(change)
        return change
