"""The results file: the uploaded rows in order plus Result, Message, Assigned Email and
Temporary Password (docs/csv-format.md#results-file)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from roster.contract.columns import MASKED_PASSWORD, RESULT_COLUMNS
from roster.contract.csv_output import csv_text, without_byte_order_mark
from roster.contract.spreadsheet import unescape_formula
from roster.model.rows import RowResult


@dataclass(frozen=True)
class ResultLine:
    """One uploaded row (its cells as read) and what happened to it."""

    cells: list[str]
    result: RowResult
    message: str
    assigned_email: str = ""
    temporary_password: str = ""


def with_warnings(message: str, warnings: Sequence[str]) -> str:
    """A row's Message followed by its validation warnings (docs/csv-format.md#results-file), so that an upload
    applied in one step loses none of them."""
    if not warnings:
        return message
    sentences = [message if not message or message.endswith((".", "!", "?")) else message + "."]
    sentences += [f"Validation warning: {w}" + ("" if w.endswith((".", "!", "?")) else ".") for w in warnings]
    return " ".join(s for s in sentences if s)


def _original_cells(cells: Sequence[str], data_width: int, has_result_columns: bool) -> list[str]:
    """The row's own cells, without the result cells of an earlier Roster results file."""
    if not has_result_columns:
        return list(cells)
    # The old result cells sit at data_width..data_width+3; anything past them is kept as given.
    return list(cells[:data_width]) + list(cells[data_width + len(RESULT_COLUMNS) :])


def _masked(cells: list[str], password_column: int | None) -> list[str]:
    if password_column is not None and 0 <= password_column < len(cells) and cells[password_column].strip():
        cells[password_column] = MASKED_PASSWORD
    return cells


def results_csv(
    header: list[str],
    lines: Iterable[ResultLine],
    password_column: int | None,
    has_result_columns: bool,
) -> str:
    """The results file as CSV text (csv_output.csv_text: byte-order mark, CRLF, every cell
    formula-escaped).

    Rows keep their order and cells (even when their count differs from the header);
    supplied passwords are masked; an earlier results file's result columns are replaced.
    `lines` is read once, as the text is written: a generator keeps no list of an upload's lines."""
    return csv_text(*results_table(header, lines, password_column, has_result_columns))


def results_table(
    header: list[str],
    lines: Iterable[ResultLine],
    password_column: int | None,
    has_result_columns: bool,
) -> tuple[list[str], Iterator[list[str]]]:
    """The results file's header and rows, as results_csv writes them (and the workbook writer
    for a workbook upload); the rows are made as they are read."""
    data_width = len(header) - len(RESULT_COLUMNS) if has_result_columns else len(header)
    if data_width < 0:
        raise ValueError("a results file header must end with the four result columns")
    rows = (
        [*_masked(_original_cells(line.cells, data_width, has_result_columns), password_column),
         line.result.value, line.message, line.assigned_email, line.temporary_password]
        for line in lines
    )
    return [*header[:data_width], *RESULT_COLUMNS], rows


# A results file row by header name; cells past the header's width are a list under the key
# None and cells missing from a short row are None, as csv.DictReader gives them.
ResultsRow = dict[str | None, str | list[str] | None]


def parse_results_csv(text: str) -> list[ResultsRow]:
    """Rows of a results file as dicts keyed by header name, with the formula escaping removed
    (a leading byte-order mark, as Roster writes it, is ignored)."""
    reader = csv.DictReader(io.StringIO(without_byte_order_mark(text), newline=""))
    if reader.fieldnames is not None:
        reader.fieldnames = [unescape_formula(name) for name in reader.fieldnames]
    rows: list[ResultsRow] = []
    for row in reader:
        rows.append({key: _unescape_value(value) for key, value in row.items()})
    return rows


def _unescape_value(value: str | list[str] | None) -> str | list[str] | None:
    if isinstance(value, list):
        return [unescape_formula(cell) for cell in value]
    return unescape_formula(value) if value is not None else None
