"""A validated upload row: normalised field values and what the row will do (docs/csv-format.md#what-a-row-does)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict


class RowAction(str, Enum):
    """What validation plans a row to do (docs/csv-format.md#what-a-row-does and docs/approval-and-plan.md#the-plan)."""
    CREATE = "create"
    UPDATE = "update"
    LEAVER = "leaver"
    JOINER = "joiner"
    UNCHANGED = "unchanged"


class RowResult(str, Enum):
    """The Result column of the results file: exactly one of these (docs/csv-format.md#results-file)."""

    CREATED = "Created"
    UPDATED = "Updated"
    LEAVER = "Leaver"
    JOINER = "Joiner"
    UNCHANGED = "Unchanged"
    FAILED = "Failed"


class UserFields(BaseModel):
    """Normalised cell values of one row; None means the cell was blank.

    Phones are E.164, the ODS code upper case, the title normalised (e.g. "Dr"),
    the mailbox size a whole number of GB. `password` is the administrator-supplied
    password (plain text, in memory only; encrypted before it is stored anywhere)."""

    model_config = ConfigDict(frozen=True)

    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    job_title: str | None = None
    ods: str | None = None
    unit: str | None = None
    business_phone: str | None = None
    mobile_phone: str | None = None
    mailbox_gb: int | None = None
    password: str | None = None
    email: str | None = None
    status: str | None = None  # None (blank) or "leaver"


@dataclass(frozen=True)
class FieldChange:
    """One stored value a row changes: the field, its column's name in the current format,
    and the stored values before and after (None: no value). One line of plan.csv."""

    field: str
    column: str
    old: str | int | None
    new: str | int | None


class PlannedRow(BaseModel):
    """A row that passed validation, with the action validation expects it to take and, for
    updates and joiners, the fields it changes in the directory as validated. A new user an
    earlier upload created already is UNCHANGED, with that account's address and a note
    ("Already created as ADDRESS by upload JOB on DATE")."""

    model_config = ConfigDict(frozen=True)

    line: int
    action: RowAction
    fields: UserFields
    changes: tuple[FieldChange, ...] = ()
    assigned_email: str | None = None
    note: str = ""
    # An undo row (docs/approval-and-plan.md#undo): the recorded change it reverses, as stored values
    # (roster.model.reversal.Reversal; a plain mapping here, so that rows need not import it).
    reversal: dict[str, Any] | None = None
