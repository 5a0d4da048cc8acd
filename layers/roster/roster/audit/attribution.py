"""What changed an account since a row was planned, by whom and when, for the message of a row
whose plan no longer holds (docs/approval-and-plan.md#applying-what-was-planned-the-plan-is-binding): "Changed since you
validated: marked as a leaver by upload U (admin@...) on 2026-12-07 01:10 UTC. ..."."""

from __future__ import annotations

from collections.abc import Iterable

from roster.audit.changes_file import change_lines
from roster.model.changes import ChangeRecord


def what_was_done(record: ChangeRecord) -> str:
    """A record's change in a few words."""
    if record.action == "Leaver":
        return "marked as a leaver"
    if record.action == "Joiner":
        return f"accepted as a joiner into organisation {record.ods_after}"
    if record.action == "Create":
        return "created"
    columns = [line.field for line in change_lines(record) if line.field]
    return "updated (" + ", ".join(columns) + ")" if columns else "updated"


def by_whom(record: ChangeRecord) -> str:
    """`upload U (who) on DATE TIME UTC`, or the channel's name for another channel."""
    source = f"upload {record.source_id}" if record.channel == "upload" else f"{record.channel} {record.source_id}"
    return f"{source} ({record.by}) on {record.at[:10]} {record.at[11:16]} UTC"


def changed_since(reason: str, records: Iterable[ChangeRecord], own_upload: str, since: str | None = None) -> str:
    """The row's message: the latest change recorded by anything but this upload (after `since`, when
    the row's account was read for its plan), then why the plan no longer holds (which names what
    differs). Without such a record (changed outside Roster, or the record expired), the reason alone."""
    latest = next((r for r in records if r.source_id != own_upload and (since is None or r.at >= since)), None)
    if latest is None:
        return reason
    return f"Changed since you validated: {what_was_done(latest)} by {by_whom(latest)}. {reason}"
