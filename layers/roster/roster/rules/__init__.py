"""The rules of the upload contract (docs/csv-format.md#current-format to #what-a-row-does), one module per concept.

A cell rule takes the trimmed, non-blank cell and the column's name as the uploaded format
spells it, and returns the normalised value or raises `InvalidCell` with a sentence the
administrator can act on (what is wrong and what is allowed)."""

from __future__ import annotations


class InvalidCell(ValueError):
    """A cell breaks a rule; `message` is the sentence shown in the validation report."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
