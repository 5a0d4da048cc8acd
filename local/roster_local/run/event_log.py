"""events.jsonl of `roster local run`: every Upload State Changed event published during the run,
one EventBridge event (as a rule's target receives it) a line, in the order published, which is
the order of each upload's changes (docs/local-run.md)."""

from __future__ import annotations

import json
from pathlib import Path

from roster_local.stack.embedded_stack import EmbeddedStack

PUBLISH_TIMEOUT_SECONDS = 60.0


def write_event_log(stack: EmbeddedStack, path: Path) -> str | None:
    """Write the events published so far to `path`; a problem to report when some change was
    still unpublished after PUBLISH_TIMEOUT_SECONDS (what was published is written anyway)."""
    caught_up = stack.events.wait_published(PUBLISH_TIMEOUT_SECONDS)
    events = stack.events.published_events()
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for event in events:
            handle.write(json.dumps(event, sort_keys=True) + "\n")
    if caught_up:
        return None
    return f"some upload state changes were not published within {PUBLISH_TIMEOUT_SECONDS:.0f} s (events.jsonl)"
