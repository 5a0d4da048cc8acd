"""The plan of an upload (docs/approval-and-plan.md#the-plan): what each row will do to the directory
as it is when validated, one line per changed field for updates and joiners."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass

from roster.contract.csv_output import csv_text, without_byte_order_mark
from roster.contract.spreadsheet import unescape_formula

PLAN_COLUMNS = ("Line", "Action", "Email Address", "Field", "Old", "New")


@dataclass(frozen=True)
class PlanLine:
    """One line of plan.csv. Field, Old and New are blank on a row's only line, except for
    Update and Joiner rows, which have one line per field that changes (stored values)."""

    line: int
    action: str  # Create, Update, Leaver, Joiner or Unchanged
    email: str
    field: str = ""
    old: str = ""
    new: str = ""


def plan_csv(lines: Iterable[PlanLine]) -> str:
    """plan.csv as text (UTF-8 with a byte-order mark, CRLF, formula-escaped)."""
    return csv_text(PLAN_COLUMNS, ((p.line, p.action, p.email, p.field, p.old, p.new) for p in lines))


def plan_digest(text: str) -> str:
    """The SHA-256 of a plan.csv: what an approval is of
    (docs/approval-and-plan.md#applying-what-was-planned-the-plan-is-binding)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_plan_csv(text: str) -> list[PlanLine]:
    """The lines of a plan.csv, as plan_csv wrote them."""
    reader = csv.DictReader(io.StringIO(without_byte_order_mark(text), newline=""))
    return [PlanLine(int(row["Line"]), row["Action"], unescape_formula(row["Email Address"]),
                     unescape_formula(row["Field"]), unescape_formula(row["Old"]), unescape_formula(row["New"]))
            for row in reader]
