"""The file of an undo upload (docs/approval-and-plan.md#undo): one row per recorded change of the
upload it reverses, in the current format, so that its results file reads like any upload's.
What each row does comes from the record of changes (planner.py), not from these cells: a
Created account's row is a leaver row; an Update's row holds the values it puts back."""

from __future__ import annotations

from collections.abc import Iterable

from roster.contract.columns import COLUMN_OF_FIELD, CURRENT_COLUMNS
from roster.contract.csv_output import csv_text
from roster.model.changes import ChangeRecord
from roster.undo.reversals import reversal_of


def undo_file_name(original_file_name: str) -> str:
    """`users.csv` -> `users-undo.csv`."""
    stem = original_file_name.rsplit(".", 1)[0] if "." in original_file_name else original_file_name
    return f"{stem}-undo.csv"


def undo_csv(records: Iterable[ChangeRecord]) -> str:
    """The undo upload's file: the header, then one row per record, in the records' order."""
    return csv_text(CURRENT_COLUMNS, (_row(record) for record in records))


def _row(record: ChangeRecord) -> tuple[object, ...]:
    reversal = reversal_of(record)
    cells: dict[str, object] = {COLUMN_OF_FIELD[name]: value for name, value in reversal.sets.items()
                                if name in COLUMN_OF_FIELD and name != "status"}
    cells["Email Address"] = record.email
    cells["Status"] = "leaver" if reversal.sets.get("status") == "leaver" else ""
    cells.setdefault("Organisation ODSCode", reversal.sets.get("ods") or record.ods_after)
    return tuple("" if cells.get(column) is None else cells[column] for column in CURRENT_COLUMNS)
