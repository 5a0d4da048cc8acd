"""Validation findings: one line of the validation report (docs/csv-format.md#validation-report)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

JOINER_NOTICE = "User already exists in Leaver state and will be moved to given Organisation"


class Severity(str, Enum):
    """How bad a finding is: errors stop an upload, warnings never do."""
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One report line. `line` is the physical line where the record starts (header = 1),
    None for a file-level finding; `column` is the column's name as the format spells it."""

    line: int | None
    column: str
    value: str
    severity: Severity
    message: str

    @property
    def is_error(self) -> bool:
        """Whether this finding stops the upload."""
        return self.severity is Severity.ERROR

    @property
    def needs_checking(self) -> bool:
        """A warning the administrator should check: every warning but the expected notice a joiner
        row gets (docs/csv-format.md#what-a-row-does), which says what the row will do."""
        return self.severity is Severity.WARNING and self.message != JOINER_NOTICE


def error(line: int | None, column: str, value: str, message: str) -> Finding:
    """An error finding."""
    return Finding(line, column, value, Severity.ERROR, message)


def warning(line: int | None, column: str, value: str, message: str) -> Finding:
    """A warning finding (never fails validation)."""
    return Finding(line, column, value, Severity.WARNING, message)


class FileRejected(Exception):
    """The whole file is refused before any row is looked at (encoding, size, header...).

    The message is the one file-level finding shown to the administrator."""

    def __init__(self, message: str, column: str = "", value: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        self.value = value

    def as_finding(self) -> Finding:
        """The file-level error finding this refusal is."""
        return error(None, self.column, self.value, self.message)
