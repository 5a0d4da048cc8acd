"""How Roster writes every CSV it hands to a person (docs/csv-format.md#every-csv-roster-writes): UTF-8 with a
byte-order mark and CRLF line endings, so that Excel opens it as it is, and every cell a
spreadsheet would run as a formula escaped with a leading `'`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from roster.contract.spreadsheet import escape_formula

BYTE_ORDER_MARK = "\ufeff"


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The file's text, starting with the byte-order mark (written as UTF-8 it is EF BB BF)."""
    out = io.StringIO(newline="")
    # Written first rather than joined on at the end, which would copy the whole text once more.
    out.write(BYTE_ORDER_MARK)
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([escape_formula(str(cell)) for cell in header])
    for row in rows:
        writer.writerow([escape_formula("" if cell is None else str(cell)) for cell in row])
    return out.getvalue()


def without_byte_order_mark(text: str) -> str:
    """Text as read back from a Roster CSV, without its byte-order mark."""
    return text[1:] if text.startswith(BYTE_ORDER_MARK) else text
