"""A data row while it is being checked: its trimmed cells, the values that passed their
rules, and its findings, keyed by UserFields attribute whatever the upload format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from roster.contract.columns import MASKED_PASSWORD
from roster.contract.findings import Finding, error, warning
from roster.model.rows import UserFields

# What a Value column may show of a cell: enough to find it, never a whole pasted document.
MAX_SHOWN_VALUE = 300


@dataclass(slots=True)
class RowDraft:
    """One data row under check. `cells` holds every non-blank trimmed cell by field,
    `values` the normalised value of each cell that passed its rule, `labels` each field's
    column name as the uploaded format spells it."""

    line: int
    cells: dict[str, str]
    labels: Mapping[str, str]
    legacy: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    # Findings by field, one per cell: a dict of strings and slotted objects only, like the two
    # above, which keeps 10,000 drafts cheap for the garbage collector.
    cell_findings: dict[str, Finding] = field(default_factory=dict)
    formula_fields: tuple[str, ...] = ()
    row_findings: tuple[Finding, ...] = ()
    fields: UserFields | None = None  # set once the row is planned

    @property
    def is_new_user(self) -> bool:
        """A blank Email Address: the row asks for a new account (every legacy row does)."""
        return "email" not in self.cells

    def shown(self, name: str) -> str:
        """The cell as the report's Value column shows it (a password is masked)."""
        if name == "password" and name in self.cells:
            return MASKED_PASSWORD
        return self.cells.get(name, "")[:MAX_SHOWN_VALUE]

    def cell_error(self, name: str, message: str, *, formula: bool = False) -> None:
        """The cell of field `name` breaks a rule (one finding per cell: the first wins)."""
        if name not in self.cell_findings:
            self.cell_findings[name] = error(self.line, self.labels[name], self.shown(name), message)
            self.values.pop(name, None)
            if formula:
                self.formula_fields += (name,)

    def row_error(self, name: str | None, message: str) -> None:
        """An error about the row, shown against field `name`'s column (or no column)."""
        column, value = (self.labels[name], self.shown(name)) if name else ("", "")
        self.row_findings += (error(self.line, column, value, message),)

    def row_warning(self, name: str | None, message: str, value: str | None = None) -> None:
        """A warning about the row, shown against field `name`'s column (or no column)."""
        column = self.labels[name] if name else ""
        shown = value if value is not None else (self.shown(name) if name else "")
        self.row_findings += (warning(self.line, column, shown, message),)

    def ignore_cells_except(self, kept: set[str]) -> None:
        """Forget the findings of cells a row's action ignores (formula cells are always reported)."""
        self.cell_findings = {
            name: finding
            for name, finding in self.cell_findings.items()
            if name in kept or name in self.formula_fields
        }

    def best_value(self, name: str) -> Any:
        """The normalised value when the cell passed its rule, else the cell as written, else None."""
        return self.values.get(name, self.cells.get(name))

    def findings(self) -> list[Finding]:
        """Every finding of this row."""
        return [*self.cell_findings.values(), *self.row_findings]

    @property
    def has_errors(self) -> bool:
        """Whether any finding of this row is an error."""
        return bool(self.cell_findings) or any(f.is_error for f in self.row_findings)

    def user_fields(self, **overrides: Any) -> UserFields:
        """The row's values as UserFields (pydantic's validation is cheaper than model_construct here)."""
        return UserFields(**{**self.values, **overrides})
