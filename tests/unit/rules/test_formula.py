"""Spreadsheet formula injection (docs/csv-format.md#what-a-row-does)."""

from __future__ import annotations

import pytest

from roster.rules import InvalidCell
from roster.rules.formula import check_not_formula


@pytest.mark.parametrize("cell", ["Smith", "O'Brien", "a=b", "x+1", "Jane-Ann", "jane@nhs.net", "", "'=quoted"])
def test_cells_that_do_not_start_a_formula_pass(cell: str) -> None:
    check_not_formula(cell, "Job Title")


@pytest.mark.parametrize(
    ("cell", "shown"),
    [("=1+1", "'='"), ("+44", "'+'"), ("-5", "'-'"), ("@SUM(A1)", "'@'"), ("\tx", "a tab"),
     ("\r=cmd", "a carriage return")],
)
def test_cells_starting_a_formula_are_refused(cell: str, shown: str) -> None:
    with pytest.raises(InvalidCell) as caught:
        check_not_formula(cell, "Job Title")
    assert caught.value.message.startswith(f"Job Title starts with {shown}")


def test_phone_cells_may_start_with_plus_only() -> None:
    check_not_formula("+44 7912 345678", "Mobile Phone", phone=True)
    for cell in ("=44", "-0113", "@0113"):
        with pytest.raises(InvalidCell):
            check_not_formula(cell, "Mobile Phone", phone=True)
