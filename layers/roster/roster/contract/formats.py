"""Which upload format a header row names (csv-contract sections 1 to 3 and 7).

A header must be exactly the current or the legacy format's columns, optionally followed
by exactly the four result columns of a Roster results file (a re-upload). Names are
compared case-insensitively after trimming, in the same order."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from roster.contract.columns import CURRENT_COLUMNS, LEGACY_COLUMNS, RESULT_COLUMNS, UploadFormat
from roster.contract.findings import FileRejected

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


def detect_format(header_cells: list[str]) -> DetectedFormat:
    """The format this header names, or FileRejected naming the closest format and what differs."""
    given = [_key(cell) for cell in header_cells]
    for upload_format, columns in FORMAT_COLUMNS.items():
        expected = [_key(c) for c in columns]
        if given == expected:
            return DetectedFormat(upload_format, columns)
        if given == expected + [_key(c) for c in RESULT_COLUMNS]:
            return DetectedFormat(upload_format, columns, is_results_file=True)
    raise FileRejected(_mismatch_message(header_cells), column="", value=",".join(header_cells)[:500])


def _key(name: str) -> str:
    return name.strip().casefold()


def _mismatch_message(header_cells: list[str]) -> str:
    shown = [cell.strip() for cell in header_cells[:_COMPARED_CELLS]]
    upload_format, expected = _closest(shown)
    given_keys = [_key(c) for c in shown]
    expected_keys = [_key(c) for c in expected]
    missing = [expected[i] for i in _unmatched(expected_keys, given_keys)]
    unexpected = [shown[i] or "(a blank column name)" for i in _unmatched(given_keys, expected_keys)]
    unexpected += ["(and more)"] if len(header_cells) > _COMPARED_CELLS else []
    in_order = _in_order(given_keys, expected_keys)
    out_of_order = [
        name for name, key in zip(expected, expected_keys, strict=True) if key in given_keys and key not in in_order
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
    shown = ", ".join(f"'{n}'" for n in names[:_LISTED_NAMES])
    return shown + (f" and {len(names) - _LISTED_NAMES} more" if len(names) > _LISTED_NAMES else "")


def _in_order(given: list[str], expected: list[str]) -> set[str]:
    """Names the header gives in the expected order (difflib's matching blocks); any other
    name it shares with the format is out of order."""
    matcher = SequenceMatcher(None, given, expected, autojunk=False)
    return {expected[block.b + k] for block in matcher.get_matching_blocks() for k in range(block.size)}
