"""Spreadsheet safety (docs/csv-format.md#checks-across-rows and #every-csv-roster-writes, OWASP CSV injection): the
cells a spreadsheet would run as a formula, and the leading `'` that makes Roster's own files safe."""

from __future__ import annotations

# A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def escape_formula(cell: str) -> str:
    """The cell with a leading `'` when a spreadsheet would read it as a formula."""
    return ESCAPE + cell if cell.startswith(FORMULA_STARTS) else cell


def unescape_formula(cell: str) -> str:
    """Inverse of escape_formula: drops the `'` that escape_formula added."""
    if cell.startswith(ESCAPE) and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell
