"""Building the record of a change (docs/approval-and-plan.md#change-records) from the
write that makes it: the create phase adds it to the same transaction, so a change never
exists without its record, nor a record without its change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from roster.model.changes import UPLOAD_CHANNEL, ChangeRecord, FieldValues
from roster.model.directory import Account
from roster.model.writes import AccountUpdate

_SECONDS_PER_DAY = 86400
# Stored beside an account's fields but never a value of the account: credentials are not recorded.
CREDENTIALS = frozenset({"password_hash", "must_change_password", "created_by_job", "last_change"})


@dataclass(frozen=True)
class Provenance:
    """Who changes accounts, through which channel and upload, and how long the records are kept."""

    source_id: str  # the upload id
    by: str  # the uploader
    retention_days: int
    channel: str = UPLOAD_CHANNEL

    def expires_at(self, at: str) -> int:
        """When a record made at `at` may be deleted (epoch seconds, DynamoDB's TTL)."""
        moment = datetime.fromisoformat(at)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return int(moment.timestamp()) + self.retention_days * _SECONDS_PER_DAY


def created_record(account: Account, provenance: Provenance, *, line: int, at: str,
                   password_supplied: bool = False) -> ChangeRecord:
    """The record of a new account: every stored value it was created with."""
    stored = account.model_dump(mode="json")
    fields = tuple(FieldValues(field=name, old=None, new=value) for name, value in stored.items() if value is not None)
    return ChangeRecord(email=account.email, channel=provenance.channel, source_id=provenance.source_id, line=line,
                        by=provenance.by, at=at, action="Create", fields=fields, password_changed=password_supplied,
                        ods_before=None, ods_after=account.ods, status_before=None,
                        status_after=account.status.value, expires_at=provenance.expires_at(at))


def updated_record(before: Account, update: AccountUpdate, action: str, provenance: Provenance, *, line: int,
                   at: str) -> ChangeRecord:
    """The record of an update, leaver or joiner: each stored value it sets or removes, as it was
    (`before`, the account the update is conditional on) and as it becomes."""
    old = before.model_dump(mode="json")
    touched: dict[str, Any] = {name: value for name, value in update.sets.items() if name not in CREDENTIALS}
    touched.update({name: None for name in update.removes if name not in CREDENTIALS})
    fields = tuple(FieldValues(field=name, old=old.get(name), new=new) for name, new in touched.items()
                   if old.get(name) != new)
    return ChangeRecord(email=before.email, channel=provenance.channel, source_id=provenance.source_id, line=line,
                        by=provenance.by, at=at, action=action, fields=fields,
                        password_changed="password_hash" in update.sets, ods_before=before.ods,
                        ods_after=str(update.sets.get("ods", before.ods)), status_before=before.status.value,
                        status_after=str(update.sets.get("status", before.status.value)),
                        expires_at=provenance.expires_at(at))
