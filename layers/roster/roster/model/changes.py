"""A record of one applied change to one account (docs/approval-and-plan.md#change-records).

Written in the same transaction as the change itself (model.writes.Write), by the create phase
alone; read back as an upload's changes.csv and an account's history, and complete enough to
reverse the change: every stored value the change touched, before and after, and where the
account was (organisation, status) on either side."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

UPLOAD_CHANNEL = "upload"
# The stored attribute of an account naming the last recorded change to it (change_stamp): written
# with every recorded change, in its transaction; never an account's value (not in Account).
LAST_CHANGE = "last_change"


class FieldValues(BaseModel):
    """One stored attribute a change touched: its value before and after (None: no value)."""

    model_config = ConfigDict(frozen=True)

    field: str  # the stored attribute (Account's field name)
    old: Any = None
    new: Any = None


class ChangeRecord(BaseModel):
    """One account changed by one row of one upload (or by another channel, such as SCIM)."""

    model_config = ConfigDict(frozen=True)

    email: str  # the account, lower case
    channel: str = UPLOAD_CHANNEL
    source_id: str  # the upload id (or the other channel's request id)
    line: int = 0  # the upload's line; 0 for a channel without lines
    by: str  # who made the change (the uploader)
    at: str  # ISO 8601 UTC, when it was applied
    action: str  # Create, Update, Leaver or Joiner
    fields: tuple[FieldValues, ...] = ()  # every stored attribute the change touched
    password_changed: bool = False  # a supplied password replaced the account's (never recorded itself)
    ods_before: str | None = None  # None for a Create
    ods_after: str
    status_before: str | None = None
    status_after: str
    expires_at: int  # epoch seconds: kept AuditRetentionDays, then DynamoDB's TTL deletes it

    @property
    def organisations(self) -> frozenset[str]:
        """The organisations concerned: the account's before and after (their administrators may read it)."""
        return frozenset(o for o in (self.ods_before, self.ods_after) if o)


def change_stamp(record: ChangeRecord) -> str:
    """What names a recorded change on the account it changed: `<channel>#<source id>#<line>`."""
    return f"{record.channel}#{record.source_id}#{record.line}"
