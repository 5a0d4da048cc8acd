"""A look at the worksheet's XML as it unpacks, before the parser meets it (docs/csv-format.md,
"Excel workbooks"): where its formula cells are, and that its cells lie within columns A to Z
and rows 1 to MAX_ROW.

The parser lays a sheet out densely, from its first to its last cell, so one cell at XFD1048576
in a 2 KB file would ask for billions of cells: the cells' own references are what counts, never
the sheet's stated dimension. Every cell and row must carry its reference, so that the references
seen here are the positions the parser uses. Byte patterns, not an XML parse: a parse of a
150,000-row sheet costs more than the budget of the whole read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from roster.contract.findings import FileRejected

MAX_ROW = 250_000  # the largest MaxRows (150,000), with room for blank rows between them
MAX_COLUMN = "Z"
_CARRY_LIMIT = 1 << 24  # a "tag" longer than this is processed as it is, not carried further
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")
_ANY_REFERENCE = re.compile(rb"""\sr\s*=\s*["']""")
_REFERENCE = re.compile(rb"""\s+r\s*=\s*["']([A-Za-z]{1,3})(\d+)["']""")


def _greater_than(limit: int) -> str:
    """A pattern of whole numbers (leading zeros allowed) above `limit`."""
    digits = str(limit)
    alternatives = [rf"[1-9]\d{{{len(digits)},}}"]
    for i, digit in enumerate(digits):
        if digit != "9":
            alternatives.append(rf"{digits[:i]}[{int(digit) + 1}-9]\d{{{len(digits) - i - 1}}}")
    return "0*(?:" + "|".join(alternatives) + ")"


@dataclass
class SheetScan:
    """What the scan found: formula cells as (row, column), both from 0."""

    formulas: set[tuple[int, int]] = field(default_factory=set)
    unplaced_formulas: int = 0  # formula tags whose cell could not be told (the read reports them)
    errors: set[tuple[int, int]] = field(default_factory=set)  # error values (#N/A...), which the parser blanks


@dataclass
class _Patterns:
    far: re.Pattern[bytes]  # a cell past row MAX_ROW or in a column after MAX_COLUMN
    unreferenced: re.Pattern[bytes]  # a cell or row without its r attribute
    formula: re.Pattern[bytes]
    tag: re.Pattern[bytes]  # a cell's or row's start tag
    error_cell: re.Pattern[bytes]  # a cell's start tag with t="e"
    cell_start: bytes
    cell_end: bytes

    @classmethod
    def of(cls, prefix: bytes) -> _Patterns:
        p = re.escape(prefix)
        far = rb""" r=["'](?:[A-Za-z]{1,3}""" + _greater_than(MAX_ROW).encode() + rb"""["']|[A-Za-z]{2})"""
        return cls(re.compile(far), re.compile(rb"<" + p + rb"(?:c|row)(?=[\s>/])(?![^>]* r=)"),
                   re.compile(rb"<" + p + rb"f[ />]"), re.compile(rb"<" + p + rb"(?:c|row)\s[^>]*>"),
                   re.compile(rb"<" + p + rb"""c\s[^>]*\bt=["']e["'][^>]*>"""),
                   b"<" + prefix + b"c ", b"</" + prefix + b"c>")


def scan_sheet(pieces: Iterator[bytes], part: str) -> SheetScan:
    """Scan a worksheet part as it unpacks; FileRejected when a cell lies out of bounds or
    without a reference."""
    scan = SheetScan()
    patterns: _Patterns | None = None
    carry = b""
    for piece in pieces:
        data = carry + piece
        if patterns is None:
            root = _ROOT.search(data)
            if root is None and len(data) < 4096:
                carry = data
                continue
            patterns = _Patterns.of(root.group(1) or b"" if root else b"")
        # Whole cells only: a formula tag is looked at with the start of its cell.
        end = data.rfind(patterns.cell_end)
        cut = end + len(patterns.cell_end) if end >= 0 else 0
        if len(data) - cut > _CARRY_LIMIT:
            cut = data.rfind(b">") + 1
        carry = data[cut:]
        _scan_piece(data[:cut], patterns, scan, part)
    if carry:
        _scan_piece(carry, patterns or _Patterns.of(b""), scan, part)
    return scan


def _scan_piece(data: bytes, patterns: _Patterns, scan: SheetScan, part: str) -> None:
    if data.count(b"r=") != data.count(b' r="'):
        _check_reference_forms(data, patterns, part)
    far = patterns.far.search(data)
    if far:
        reference = _REFERENCE.match(data, far.start())
        raise FileRejected(_far_message(reference.group(1).decode().upper() + reference.group(2).decode()
                                        if reference else ""))
    if patterns.unreferenced.search(data):
        raise FileRejected(
            f"The worksheet ({part}) has cells or rows without their position (an r attribute), which Excel always "
            "writes; open the file in Excel, save it as an Excel Workbook (.xlsx) and upload that file.")
    for found in patterns.formula.finditer(data):
        start = data.rfind(patterns.cell_start, 0, found.start())
        reference = _REFERENCE.search(data, start, data.find(b">", start)) if start >= 0 else None
        if reference is None:
            scan.unplaced_formulas += 1
        else:
            scan.formulas.add((int(reference.group(2)) - 1, column_index(reference.group(1).decode())))
    if b"t=\"e\"" in data or b"t='e'" in data:
        for cell in patterns.error_cell.finditer(data):
            reference = _REFERENCE.search(cell.group())
            if reference:  # every cell has one by now
                scan.errors.add((int(reference.group(2)) - 1, column_index(reference.group(1).decode())))


def _check_reference_forms(data: bytes, patterns: _Patterns, part: str) -> None:
    """Every cell's and row's position written once, as ` r="..."`: the form the bounds are
    checked in (the parser takes the last of two, and any spacing)."""
    for tag in patterns.tag.finditer(data):
        forms = _ANY_REFERENCE.findall(tag.group())
        if len(forms) > 1 or (forms and not forms[0].startswith(b' r="')):
            raise FileRejected(
                f"The worksheet ({part}) gives a cell or row its position in a way Excel never writes; open the "
                "file in Excel, save it as an Excel Workbook (.xlsx) and upload that file.")


def _far_message(reference: str) -> str:
    where = f"a cell at {reference}" if reference else "a cell"
    return (f"The first worksheet has {where}, outside columns A to {MAX_COLUMN} and rows 1 to {MAX_ROW:,}, "
            "where Roster reads. Delete the rows and columns past your data (select them, right-click, Delete), "
            "save, and upload the file again.")


def column_index(letters: str) -> int:
    """A -> 0, Z -> 25, AA -> 26."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
