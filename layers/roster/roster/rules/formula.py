"""Spreadsheet formula injection (docs/csv-format.md#what-a-row-does): a cell that a spreadsheet would
run as a formula is refused, whatever column it is in."""

from __future__ import annotations

from roster.contract.spreadsheet import FORMULA_STARTS
from roster.rules import InvalidCell

_SHOWN = {"\t": "a tab", "\r": "a carriage return"}


def check_not_formula(value: str, column: str, *, phone: bool = False) -> None:
    """Refuse a cell starting with = + - @ tab or carriage return; a phone number may start with +."""
    if not value.startswith(FORMULA_STARTS) or (phone and value[0] == "+"):
        return
    first = _SHOWN.get(value[0], f"'{value[0]}'")
    allowed = "; only a phone number may start with +" if value[0] == "+" else ""
    raise InvalidCell(
        f"{column} starts with {first}, which a spreadsheet runs as a formula; remove it. "
        f"No cell may start with =, +, -, @, a tab or a carriage return{allowed}."
    )
