"""CSV text as Roster hands it to a person (docs/csv-format.md#results-file): UTF-8 with a byte-order mark and
CRLF line endings, so that Excel opens it as it is."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

BYTE_ORDER_MARK = "\ufeff"


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    """Rows as CSV text, byte-order mark first."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return BYTE_ORDER_MARK + out.getvalue()
