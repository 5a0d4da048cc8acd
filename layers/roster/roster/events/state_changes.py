"""An upload's state change, read from the Jobs table's stream (docs/api.md#events).

Every write of an upload's record is one record of the table's stream, in order per item,
each change exactly once in the stream; the stream's consumer turns the records whose state
differs from the one before into events. Reading the change from the stream, rather than
publishing from each code path that changes a state, catches every path (validation, the
queue, approval, notify, the sweeper, a record's expiry) and loses none when a Lambda dies
between its write and a publish: the stream keeps the change until it is published."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

EVENT_SOURCE = "roster"
DETAIL_TYPE = "Upload State Changed"
UPLOAD_RECORD_SORT_KEY = "JOB"  # the record of an upload (roster.adapters.upload_keys); other items are not uploads


@dataclass(frozen=True)
class UploadStateChange:
    """One change of one upload's state, and the key that names it however often it is delivered."""

    upload_id: str
    state: str
    previous_state: str | None  # None: the upload's record was just created
    organisations: tuple[str, ...]
    counts: Mapping[str, int]
    at: str  # ISO 8601 UTC: when the record took the new state
    change_key: str  # "<upload id>#<stream sequence number>": one per change, the same on every delivery

    def detail(self) -> dict[str, Any]:
        """The event's detail, as docs/api.md#events lists it, plus the change's key for subscribers
        that keep their own record of what they received."""
        return {"upload_id": self.upload_id, "state": self.state, "previous_state": self.previous_state,
                "organisations": list(self.organisations), "counts": dict(self.counts), "at": self.at,
                "change_key": self.change_key}


def state_change(old_image: Mapping[str, Any] | None, new_image: Mapping[str, Any] | None,
                 sequence_number: str, approximate_time: str) -> UploadStateChange | None:
    """The state change a stream record holds, or None: not an upload's record, a write that left
    the state as it was (progress, counts, keys), or a record removed (an unused form's expiry)."""
    if not new_image or new_image.get("sk") != UPLOAD_RECORD_SORT_KEY or "state" not in new_image:
        return None
    previous = (old_image or {}).get("state")
    state = str(new_image["state"])
    if previous == state:
        return None
    upload_id = str(new_image["job_id"])
    return UploadStateChange(
        upload_id=upload_id, state=state, previous_state=None if previous is None else str(previous),
        organisations=tuple(str(ods) for ods in new_image.get("orgs") or ()),
        counts={str(name): int(value) for name, value in (new_image.get("counts") or {}).items()
                if isinstance(value, int | Decimal)},
        at=str(new_image.get("updated_at") or approximate_time), change_key=f"{upload_id}#{sequence_number}")
