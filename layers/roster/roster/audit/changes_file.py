"""What an upload changed, as changes.csv, and an account's history
(docs/approval-and-plan.md#changes-and-history): the plan's shape, of what was applied.

Create and Leaver rows have one line with Field, Old and New blank; Update and Joiner rows one
line per column that changed (stored values), a supplied password as one masked line. Failed
and Unchanged rows changed nothing, so they have no record and no line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from roster.contract.columns import COLUMN_OF_FIELD, MASKED_PASSWORD
from roster.contract.csv_output import csv_text
from roster.model.changes import ChangeRecord
from roster.model.uploads import UploadState

# An upload has applied rows (and so perhaps records) once its create phase has started.
APPLIED_STATES = frozenset({UploadState.CREATING, UploadState.COMPLETED, UploadState.FAILED})
CHANGES_COLUMNS = ("Line", "Action", "Email Address", "Field", "Old", "New", "Applied At")
PASSWORD_COLUMN = COLUMN_OF_FIELD["password"]
_FIELD_ORDER = list(COLUMN_OF_FIELD)


@dataclass(frozen=True)
class ChangeLine:
    """One line of what a record says: the column (blank for the row's only line) and its values."""

    field: str = ""
    old: str = ""
    new: str = ""


def change_lines(record: ChangeRecord) -> list[ChangeLine]:
    """The lines a record reads as, in the current format's column order."""
    if record.action not in ("Update", "Joiner"):
        return [ChangeLine()]
    shown = sorted((f for f in record.fields if f.field in COLUMN_OF_FIELD), key=lambda f: _FIELD_ORDER.index(f.field))
    lines = [ChangeLine(COLUMN_OF_FIELD[f.field], _shown(f.old), _shown(f.new)) for f in shown]
    if record.password_changed:
        lines.append(ChangeLine(PASSWORD_COLUMN, MASKED_PASSWORD, MASKED_PASSWORD))
    return lines or [ChangeLine()]


def changes_csv(records: Iterable[ChangeRecord]) -> str:
    """changes.csv as text (UTF-8 with a byte-order mark, CRLF, formula-escaped), in line order
    as the records are given."""
    return csv_text(CHANGES_COLUMNS, _rows(records))


def _rows(records: Iterable[ChangeRecord]) -> Iterator[tuple[object, ...]]:
    for record in records:
        for line in change_lines(record):
            yield record.line, record.action, record.email, line.field, line.old, line.new, record.at


def history(email: str, records: Iterable[ChangeRecord]) -> dict[str, Any]:
    """An account's history (`GET /accounts/{email}/history`): every recorded change, newest first,
    one entry per line of the change."""
    ordered = sorted(records, key=lambda r: (r.at, r.source_id, r.line), reverse=True)
    changes = [{"upload_id": r.source_id, "channel": r.channel, "by": r.by, "at": r.at, "action": r.action,
                "field": line.field, "old": line.old, "new": line.new}
               for r in ordered for line in change_lines(r)]
    return {"email": email.lower(), "changes": changes}


def _shown(value: Any) -> str:
    return "" if value is None else str(value)
