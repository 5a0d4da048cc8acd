"""Holds on organisations and the queue of waiting uploads in memory: the OrganisationQueue port
(roster.ports), as adapters.holds.OrganisationHolds keeps them (all-or-nothing holds that
expire, a queue in upload order). The order in which waiting uploads start is not the fake's
business: roster.queue.dispatch decides it, on this fake as on DynamoDB."""

from __future__ import annotations

from roster.model.uploads import QueuedUpload


class FakeQueue:
    """OrganisationQueue: holds with an expiry on a clock the test moves (`now`, epoch seconds)."""

    def __init__(self, hold_seconds: int = 3600, now: float = 1_000_000.0) -> None:
        self.hold_seconds = hold_seconds
        self.now = now
        self.holds: dict[str, tuple[str, float]] = {}  # ods -> (holder, hold until)
        self.queued: dict[str, QueuedUpload] = {}  # position (<created_at>#<upload id>) -> the waiting upload

    def try_take(self, upload_id: str, orgs: list[str]) -> bool:
        wanted = sorted(set(orgs))
        now = int(self.now)
        if any(ods in self.holds and self.holds[ods][0] != upload_id and self.holds[ods][1] >= now for ods in wanted):
            return False
        for ods in wanted:
            self.holds[ods] = (upload_id, now + self.hold_seconds)
        return True

    def release(self, upload_id: str, orgs: list[str]) -> None:
        for ods in set(orgs):
            if ods in self.holds and self.holds[ods][0] == upload_id:
                del self.holds[ods]

    def enqueue(self, upload_id: str, created_at: str, orgs: list[str]) -> None:
        position = f"{created_at}#{upload_id}"
        self.queued[position] = QueuedUpload(position=position, upload_id=upload_id, orgs=tuple(sorted(set(orgs))))

    def waiting(self) -> list[QueuedUpload]:
        return [self.queued[position] for position in sorted(self.queued)]

    def remove(self, entry: QueuedUpload) -> None:
        self.queued.pop(entry.position, None)

    def dequeue(self, upload_id: str, created_at: str) -> None:
        self.queued.pop(f"{created_at}#{upload_id}", None)

    def queue_length(self) -> int:
        return len(self.queued)

    def holder(self, ods: str) -> str | None:
        """Who holds an organisation (an expired hold still names its holder, as the item does)."""
        return self.holds[ods][0] if ods in self.holds else None
