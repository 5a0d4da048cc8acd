"""Reading an uploaded Excel workbook (.xlsx) into the records a CSV gives (docs/csv-format.md,
"Excel workbooks"), so that every header and row rule applies unchanged.

The first visible worksheet is read; a record's line is its worksheet row. A text cell is read as
it is, a number as Excel shows it in a General cell (447912345678, never 4.47912E+11), TRUE and
FALSE as Excel writes them; a date, a formula and a merged cell each become a problem of their
cell, reported on their line with what to do. Nothing is parsed before workbook_safety and
workbook_scan have passed the file. python-calamine parses the sheet (README, dependencies)."""

from __future__ import annotations

import datetime
import io
import posixpath
from collections.abc import Iterator, Sequence
from decimal import Decimal

from defusedxml import ElementTree
from python_calamine import CalamineError, CalamineWorkbook

from roster.contract.findings import FileRejected
from roster.contract.reading import Record, check_upload_size
from roster.contract.workbook_safety import Container, not_a_workbook, open_container, verify_parts
from roster.contract.workbook_scan import MAX_ROW, SheetScan, column_letters, scan_sheet

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_WORKSHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
MAX_MERGED_ROWS = 1_000_000  # rows covered by merged ranges, counted once per range

DATE_CELL = ("This cell is a date or time in Excel ({value}), not text. Format the column as Text (Home > Number "
             "Format > Text), type the value again as it should read, and upload the file again.")
FORMULA_CELL = ("This cell is a formula; Roster reads values, never formulas. Select the column, copy it, and "
                "paste it back with Paste Special > Values, then upload the file again.")
ERROR_CELL = ("This cell holds an Excel error value (such as #N/A or #VALUE!), not text. Type the value it "
              "should have, and upload the file again.")
MERGED_CELL = ("Cells {cells} are merged, so only their first cell holds a value. Select them, choose Home > Merge "
               "& Center > Unmerge Cells, put each value in its own cell, and upload the file again.")
WIDE_ROW = ("This row has a value in column {column}, past the header's last column ({last}); delete it, or move it "
            "into the right column, and upload the file again.")


def read_workbook(raw: bytes, max_bytes: int, size: int | None = None) -> Iterator[Record]:
    """The records of an uploaded workbook's first visible worksheet, header first; FileRejected
    (before anything is yielded) when the file is not a workbook Roster reads safely."""
    check_upload_size(len(raw) if size is None else size, max_bytes)
    container = open_container(raw)
    name, part = _first_visible_worksheet(container)
    scans: list[SheetScan] = []
    verify_parts(container, lambda part_name, pieces: scans.append(scan_sheet(pieces, part_name))
                 if part_name == part else None)
    if scans and scans[0].unplaced_formulas:
        raise FileRejected(f"The first worksheet holds {scans[0].unplaced_formulas:,} formula cells whose position "
                           "Roster cannot tell. Copy the sheet and paste it back with Paste Special > Values, "
                           "then upload the file again.")
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(raw)).get_sheet_by_name(name)
        merged = sheet.merged_cell_ranges or []
        start = sheet.start or (0, 0)
        rows = sheet.iter_rows()
    except CalamineError as exc:
        raise not_a_workbook("a workbook Roster cannot read (it may be damaged)") from exc
    return _records(rows, start, scans[0] if scans else SheetScan(), merged)


def worksheet_name(raw: bytes) -> str:
    """The name of the worksheet read_workbook reads (the results of a workbook upload keep it)."""
    return _first_visible_worksheet(open_container(raw))[0]


def _first_visible_worksheet(container: Container) -> tuple[str, str]:
    """The name and part of the first worksheet a person sees when they open the workbook."""
    names = set(container.archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        raise not_a_workbook("an Office file without a workbook")
    try:
        workbook = ElementTree.fromstring(container.part("xl/workbook.xml"))
        relations = ElementTree.fromstring(container.part("xl/_rels/workbook.xml.rels"))
    except ElementTree.ParseError as exc:
        raise not_a_workbook("a workbook whose sheet list cannot be read (it may be damaged)") from exc
    targets = {rel.get("Id"): rel.get("Target", "") for rel in relations.iter(f"{_PKG}Relationship")
               if rel.get("Type") == _WORKSHEET_REL}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"))
        if target and sheet.get("state", "visible") == "visible":
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            if part in names:
                return sheet.get("name", ""), part
    raise FileRejected("The workbook has no visible worksheet. Unhide the sheet with the users on it (right-click a "
                       "sheet tab > Unhide), or put them on a worksheet, and upload the file again.")


def _records(rows: Iterator[Sequence[object]], start: tuple[int, int], scan: SheetScan,
             merged: Sequence[tuple[tuple[int, int], tuple[int, int]]]) -> Iterator[Record]:
    # The rows come from the worksheet's first row, blank ones above the first cell included, and
    # their cells from the first column that holds one (tests/unit/test_workbook.py pins this).
    first_row, first_column = start
    merged_cells = _merged_cells(merged, first_row)
    marked: dict[int, list[tuple[int, str]]] = {}  # row -> (column, problem) the scan found
    for positions, message in ((scan.errors, ERROR_CELL), (scan.formulas, FORMULA_CELL)):
        for row, column in positions:
            marked.setdefault(row, []).append((column, message))
    width = 0
    for row, values in enumerate(rows):
        if row < first_row:
            yield Record(row + 1, [])
            continue
        problems: dict[int, str] = {}
        cells = _cells(values, first_column, problems)
        for column, message in (*marked.get(row, ()), *merged_cells.get(row, ())):
            problems[column] = message
        if row == first_row:
            width = _filled_width(cells)
            yield Record(row + 1, cells[:width])
        elif len(cells) > width and any(cell.strip() for cell in cells[width:]):
            yield Record(row + 1, [], WIDE_ROW.format(column=column_letters(_filled_width(cells) - 1),
                                                      last=column_letters(max(width - 1, 0))))
        else:
            cells = cells[:width] if len(cells) >= width else cells + [""] * (width - len(cells))
            yield Record(row + 1, cells, None, tuple(sorted(problems.items())) if problems else ())


def _cells(values: Sequence[object], first_column: int, problems: dict[int, str]) -> list[str]:
    """A row's cells as text, from column A; `problems` gets those that cannot be taken as text."""
    if set(map(type, values)) == {str}:
        return [*[""] * first_column, *values]  # type: ignore[list-item]  # every value is a str
    return [*[""] * first_column, *(value if value.__class__ is str else _shown(value, first_column + i, problems)
                                    for i, value in enumerate(values))]


def _shown(value: object, column: int, problems: dict[int, str]) -> str:
    """A cell as Excel shows it in a General cell."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        shown = value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else str(value)
        problems[column] = DATE_CELL.format(value=shown)
        return shown
    return str(value)


def _number(value: float) -> str:
    # Excel keeps 15 significant digits; a whole number shows all its digits, never an exponent.
    if value.is_integer():
        return str(int(value))
    shown = f"{value:.15g}"
    return format(Decimal(shown), "f") if "e" in shown else shown


def _merged_cells(merged: Sequence[tuple[tuple[int, int], tuple[int, int]]],
                  header_row: int) -> dict[int, list[tuple[int, str]]]:
    """Each data row's merged cells: (column of the range's first cell, the problem)."""
    spans = [(top, left, min(bottom, MAX_ROW), right) for (top, left), (bottom, right) in merged]
    if sum(max(0, bottom - max(top, header_row + 1) + 1) for top, _, bottom, _ in spans) > MAX_MERGED_ROWS:
        raise FileRejected("The first worksheet merges cells over more rows than a list of users has. Select the "
                           "whole sheet, choose Home > Merge & Center > Unmerge Cells, and upload the file again.")
    by_row: dict[int, list[tuple[int, str]]] = {}
    for top, left, bottom, right in spans:
        cells = f"{column_letters(left)}{top + 1}:{column_letters(right)}{bottom + 1}"
        for row in range(max(top, header_row + 1), bottom + 1):
            by_row.setdefault(row, []).append((left, MERGED_CELL.format(cells=cells)))
    return by_row


def _filled_width(cells: list[str]) -> int:
    width = len(cells)
    while width and not cells[width - 1].strip():
        width -= 1
    return width
