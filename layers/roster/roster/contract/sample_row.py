"""The sample file's example row (docs/csv-format.md): it shows what a row looks like and is
obviously an example. Its Job Title says so, and validation refuses any row that still carries
that Job Title, so an example left in a file never creates an account."""

from __future__ import annotations

from collections.abc import Sequence

EXAMPLE_JOB_TITLE = "EXAMPLE - delete this row"


def is_example_row(cells: Sequence[str]) -> bool:
    """Whether a row still holds the example row's marker (in any cell, any case)."""
    marker = EXAMPLE_JOB_TITLE.casefold()
    return any(cell.strip().casefold() == marker for cell in cells)


def example_row_message(line: int) -> str:
    return (f"Line {line} is the sample file's example row (its Job Title is '{EXAMPLE_JOB_TITLE}'): delete the "
            "line, and put one row per user below the header.")
