"""Which upload format a header row names (docs/csv-format.md#files to #legacy-format and #results-file).

A header must be exactly the current or the legacy format's columns, optionally followed
by exactly the four result columns of a Roster results file (a re-upload). Names are
compared case-insensitively after trimming, in the same order."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from roster.contract.columns import CURRENT_COLUMNS, LEGACY_COLUMNS, MASKED_PASSWORD, RESULT_COLUMNS, UploadFormat
from roster.contract.findings import FileRejected
from roster.contract.invisible import invisible_characters, is_blank_line, listed, without_invisible
from roster.contract.reading import Record

FORMAT_COLUMNS: dict[UploadFormat, tuple[str, ...]] = {
    UploadFormat.CURRENT: CURRENT_COLUMNS,
    UploadFormat.LEGACY: LEGACY_COLUMNS,
}
FORMAT_NAMES: dict[UploadFormat, str] = {
    UploadFormat.CURRENT: "the current format (the sample file's 13 columns)",
    UploadFormat.LEGACY: "the NHSmail 1 format (10 columns)",
}

# A header far wider than any format is compared only so far: the message would be useless anyway.
_COMPARED_CELLS = 100
_LISTED_NAMES = 8
# A first line with fewer column names than this is not a header at all: a row of data (the
# header was left out) or another system's header. Its cells are then never echoed: they may
# be a person's details, a password included.
_MIN_HEADER_NAMES = 3
_ALL_COLUMN_KEYS = frozenset(name.casefold() for name in CURRENT_COLUMNS + LEGACY_COLUMNS + RESULT_COLUMNS)
# What a misspelt column name looks like; any other unexpected cell is described, not shown.
_COLUMN_NAME = re.compile(r"[A-Za-z][A-Za-z ()./'&_-]{0,39}")
_SAMPLE_HEADER = ", ".join(CURRENT_COLUMNS)
PASSWORD_COLUMN = "Password"  # its name in both formats


@dataclass(frozen=True)
class DetectedFormat:
    """The format a header names; `is_results_file` when the format's columns are followed
    by exactly the result columns of a Roster results file."""

    format: UploadFormat
    columns: tuple[str, ...]
    is_results_file: bool = False

    @property
    def width(self) -> int:
        """How many cells each data row must have."""
        return len(self.columns) + (len(RESULT_COLUMNS) if self.is_results_file else 0)

    def is_data_row(self, cells: Sequence[str]) -> bool:
        """Whether a record has content in the format's own cells: Excel's trailing `,,,,` rows,
        and a results file's rows whose data cells were cleared, are skipped, not rows. In a
        results file a masked Password counts as blank (docs/csv-format.md#files), here as in validation."""
        masked = self.columns.index(PASSWORD_COLUMN) if self.is_results_file else -1
        return any(cell.strip() and not (i == masked and cell.strip() == MASKED_PASSWORD)
                   for i, cell in enumerate(cells[: len(self.columns)]))


def detect_format(header_cells: list[str]) -> DetectedFormat:
    """The format this header names, or FileRejected naming the closest format and what differs."""
    given = [_key(cell) for cell in header_cells]
    for upload_format, columns in FORMAT_COLUMNS.items():
        expected = [_key(c) for c in columns]
        if given == expected:
            return DetectedFormat(upload_format, columns)
        if given == expected + [_key(c) for c in RESULT_COLUMNS]:
            return DetectedFormat(upload_format, columns, is_results_file=True)
    # No Value for the report: a header that is not one may be data, a password included.
    if _column_names_in(header_cells) < _MIN_HEADER_NAMES:
        raise FileRejected(_not_a_header(header_cells))
    raise FileRejected(_mismatch_message(header_cells))


def _key(name: str) -> str:
    return name.strip().casefold()


def _column_names_in(cells: Sequence[str]) -> int:
    return sum(1 for cell in cells[:_COMPARED_CELLS] if _key(cell) in _ALL_COLUMN_KEYS)


def _not_a_header(header_cells: list[str]) -> str:
    semicolons = _semicolon_separated(header_cells)
    if semicolons:
        return semicolons
    named, cells = _column_names_in(header_cells), len(header_cells)
    if cells == 1:
        what = "its only cell is not a column name of either upload format"
    else:
        how_many = ("none", "only one", "only two")[named]
        verb = "is" if named <= 1 else "are"
        what = f"{how_many} of its {cells:,} cells {verb} a column name of either upload format"
    return (
        f"The first line is not a header row: {what}, so it looks like a row of data (or another system's "
        f"header). Add the sample file's header as line 1: {_SAMPLE_HEADER} (upper or lower case); for the "
        f"NHSmail 1 format: {', '.join(LEGACY_COLUMNS)}."
    )


def _semicolon_separated(header_cells: list[str]) -> str | None:
    """The refusal of a header whose columns are separated by semicolons (a spreadsheet set to a
    European locale saves 'CSV' that way): Roster reads commas only (docs/csv-format.md)."""
    parts = [part for cell in header_cells for part in cell.split(";")]
    if not any(";" in cell for cell in header_cells) or _column_names_in(parts) < _MIN_HEADER_NAMES:
        return None
    return ("The first line separates its columns with semicolons (;), but Roster reads comma-separated files only. "
            "Save the file again as 'CSV UTF-8 (Comma delimited)' (in Excel: File, Save As), or change your "
            "computer's list separator to a comma, then upload it again.")


def refuse_blank_first_line(first: Record, rest: Iterable[Record]) -> FileRejected:
    """The refusal of a file whose first line holds nothing visible: what the blank lines hold
    (spaces, invisible characters), and where the header is, if anywhere."""
    held = _what_is_there(first.cells)
    blank_lines = 1
    for record in rest:
        if record.problem or not is_blank_line(record.cells):
            return FileRejected(_blank_lines_above(record, blank_lines, held))
        blank_lines += 1
        held += [part for part in _what_is_there(record.cells) if part not in held]
    if blank_lines > 1:
        held.append("line breaks")
    what = listed(held) if held else "an empty line"
    return FileRejected(f"The file has no header row and no data: it holds only {what}. Upload a CSV file with the "
                        f"sample file's header as line 1 and one row per user.")


def _what_is_there(cells: list[str]) -> list[str]:
    parts = ["commas"] if len(cells) > 1 else []
    parts += ["spaces"] if any(" " in cell or "\t" in cell for cell in cells) else []
    for cell in cells:
        parts += [name for name in invisible_characters(cell) if name not in parts]
    return parts


def _blank_lines_above(record: Record, blank_lines: int, held: list[str]) -> str:
    blank = "Line 1 is blank" if blank_lines == 1 else f"Lines 1 to {blank_lines} are blank"
    holding = f" (holding only {listed(held)})" if held else ""
    if not record.problem and _column_names_in(record.cells) >= _MIN_HEADER_NAMES:
        lines = "line" if blank_lines == 1 else f"{blank_lines} lines"
        return (f"{blank}{holding}, but the header row must be line 1. Delete the blank {lines} above the header "
                f"on line {record.line}, then upload the file again.")
    return (f"{blank}{holding}, and line {record.line} is not a header row either. The header row must be line 1: "
            f"delete the blank lines and add the sample file's header as line 1: {_SAMPLE_HEADER}.")


def _shown_name(cell: str) -> str:
    """An unexpected header cell as a message shows it: a name as written, anything else described."""
    if not cell:
        return "(a blank column name)"
    visible = without_invisible(cell).strip()
    hidden = invisible_characters(cell)
    if not _COLUMN_NAME.fullmatch(visible):
        return "(a cell that is not a column name)" if visible else f"(a cell holding only {listed(hidden)})"
    if hidden:
        return f"'{visible}' (with {listed(hidden)} in it, which cannot be seen)"
    return f"'{visible}'"


def _mismatch_message(header_cells: list[str]) -> str:
    shown = [cell.strip() for cell in header_cells[:_COMPARED_CELLS]]
    upload_format, expected = _closest(shown)
    given_keys = [_key(c) for c in shown]
    expected_keys = [_key(c) for c in expected]
    missing = [f"'{expected[i]}'" for i in _unmatched(expected_keys, given_keys)]
    unexpected = [_shown_name(shown[i]) for i in _unmatched(given_keys, expected_keys)]
    unexpected += ["(and more)"] if len(header_cells) > _COMPARED_CELLS else []
    in_order = _in_order(given_keys, expected_keys)
    out_of_order = [
        f"'{name}'" for name, key in zip(expected, expected_keys, strict=True)
        if key in given_keys and key not in in_order
    ]

    what = FORMAT_NAMES[upload_format]
    if len(expected) > len(FORMAT_COLUMNS[upload_format]):
        what += " followed by the result columns of a Roster results file"
    parts = []
    if missing:
        parts.append("missing " + _listed(missing))
    if unexpected:
        parts.append("unexpected " + _listed(unexpected))
    if out_of_order:
        parts.append("out of order " + _listed(out_of_order))
    return (
        f"The header row does not match an upload format. The closest is {what}: {'; '.join(parts)}. "
        f"The header must be exactly: {', '.join(expected)} (upper or lower case), as in the sample file."
    )


def _closest(shown: list[str]) -> tuple[UploadFormat, tuple[str, ...]]:
    given = Counter(_key(c) for c in shown)
    candidates = []
    for upload_format, columns in FORMAT_COLUMNS.items():
        for expected in (columns, columns + RESULT_COLUMNS):
            common = sum((given & Counter(_key(c) for c in expected)).values())
            # Most names in common; then the sample file's format; then the fewest missing.
            rank = (common, upload_format is UploadFormat.CURRENT, -len(expected))
            candidates.append((rank, upload_format, expected))
    _, upload_format, expected = max(candidates, key=lambda c: c[0])
    return upload_format, expected


def _unmatched(names: list[str], others: list[str]) -> list[int]:
    """Positions of the names that `others` does not also hold (counting repeats)."""
    available = Counter(others)
    positions = []
    for i, name in enumerate(names):
        if available[name]:
            available[name] -= 1
        else:
            positions.append(i)
    return positions


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:_LISTED_NAMES])
    return shown + (f" and {len(names) - _LISTED_NAMES} more" if len(names) > _LISTED_NAMES else "")


def _in_order(given: list[str], expected: list[str]) -> set[str]:
    """Names the header gives in the expected order (difflib's matching blocks); any other
    name it shares with the format is out of order."""
    matcher = SequenceMatcher(None, given, expected, autojunk=False)
    return {expected[block.b + k] for block in matcher.get_matching_blocks() for k in range(block.size)}
