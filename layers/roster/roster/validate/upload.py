"""Validating an upload (docs/csv-format.md#files to #validation-report): every row, every rule, never
stopping at the first error, and never raising for any input bytes.

Flow: decode -> records -> header and format -> skip blank rows -> row limit -> per-row
cell count -> trim, results-file and legacy mapping -> cell rules -> ONE directory snapshot
-> row actions and directory rules -> checks across rows -> planned rows."""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from roster.contract.columns import COLUMN_OF_FIELD, FIELD_OF_COLUMN, LEGACY_TO_CURRENT, MASKED_PASSWORD, UploadFormat
from roster.contract.findings import FileRejected, Finding, Severity, error
from roster.contract.formats import DetectedFormat, detect_format, refuse_blank_first_line
from roster.contract.invisible import (
    BYTE_ORDER_MARK,
    JOINED_FILES_HINT,
    invisible_characters,
    is_blank_line,
    listed,
    without_invisible,
)
from roster.contract.reading import Record
from roster.contract.sample_row import example_row_message, is_example_row
from roster.contract.spreadsheet import FORMULA_STARTS, unescape_formula
from roster.contract.upload_file import read_upload
from roster.model.rows import PlannedRow
from roster.ports import DirectoryReader
from roster.rules import InvalidCell
from roster.rules.email_address import account_address
from roster.rules.formula import check_not_formula
from roster.rules.lengths import display_name, job_title, unit_name
from roster.rules.mailbox import legacy_mailbox_size_gb, mailbox_size_gb
from roster.rules.names import person_name
from roster.rules.organisation import ods_code
from roster.rules.phones import business_phone, mobile_phone
from roster.rules.status import upload_status
from roster.rules.title import title
from roster.validate.cross_row import check_duplicate_new_users, check_repeated_addresses, warn_possible_duplicates
from roster.validate.drafts import RowDraft
from roster.validate.planning import plan_already_created, plan_row

CellRule = Callable[[str, str], Any]

# Field -> its cell rule (None: accepted as written here, checked with the directory later).
_CELL_RULES: dict[str, CellRule | None] = {
    "title": title,
    "first_name": person_name,
    "last_name": person_name,
    "display_name": display_name,
    "job_title": job_title,
    "ods": ods_code,
    "unit": unit_name,
    "business_phone": business_phone,
    "mobile_phone": mobile_phone,
    "mailbox_gb": mailbox_size_gb,
    "password": None,
    "email": account_address,
    "status": upload_status,
}
_LEGACY_CELL_RULES = {**_CELL_RULES, "mailbox_gb": legacy_mailbox_size_gb}
_PHONE_FIELDS = frozenset({"business_phone", "mobile_phone"})
_FREEZE_EVERY_ROWS = 1000

NOTHING_ADMINISTERED = (
    "You do not administer any organisation, so you cannot upload users. Ask an administrator of your "
    "organisation to give you administrator rights, then upload the file again."
)


@dataclass
class UploadLimits:
    """The deployment's limits for one upload."""

    max_rows: int = 10_000
    max_bytes: int = 5 * 1024 * 1024


@dataclass
class ValidationOutcome:
    """What validation found. `rows` (in file order, blank rows skipped) only when there
    are no errors; `findings` file-level first, then by line and column order."""

    format: UploadFormat | None = None
    findings: list[Finding] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)
    row_count: int = 0
    is_results_file: bool = False
    administered: frozenset[str] = frozenset()  # the uploader's organisations: what their plan may show

    @property
    def errors(self) -> int:
        """How many findings are errors."""
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        """How many findings are warnings to check (a joiner's expected notice is not one)."""
        return sum(1 for f in self.findings if f.needs_checking)

    @property
    def ok(self) -> bool:
        """No errors: the upload may go on to the create phase."""
        return self.errors == 0


def validate_upload(raw: bytes, uploader: str, directory: DirectoryReader, limits: UploadLimits,
                    size: int | None = None) -> ValidationOutcome:
    """Check an uploaded file against the CSV contract and the directory (one snapshot read).
    `size`: the stored file's whole size, when `raw` may be only its first bytes."""
    with _rows_frozen():
        return _validate(raw, uploader, directory, limits, size)


@contextmanager
def _rows_frozen() -> Iterator[None]:
    """Keep the rows checked so far out of the garbage collector's scans (gc.freeze), then
    hand them back: every full collection would otherwise walk the whole growing row list,
    which makes validation quadratic in the number of rows."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _validate(raw: bytes, uploader: str, directory: DirectoryReader, limits: UploadLimits,
              size: int | None) -> ValidationOutcome:
    outcome = ValidationOutcome()
    try:
        detected, records = _read_upload(raw, limits, size)
    except FileRejected as exc:
        outcome.findings = [exc.as_finding()]
        return outcome
    outcome.format, outcome.is_results_file, outcome.row_count = detected.format, detected.is_results_file, len(records)
    shape = _Shape.of(detected)
    drafts: list[RowDraft] = []
    findings: list[Finding] = []
    while records:
        # Each record is let go once checked: fewer live objects, less garbage-collector time.
        draft = _checked_cells(records.popleft(), shape, findings)
        if draft is not None:
            drafts.append(draft)
            if len(drafts) % _FREEZE_EVERY_ROWS == 0:
                gc.freeze()

    snapshot = directory.snapshot(
        uploader,
        {d.values["ods"] for d in drafts if "ods" in d.values},
        {d.values["email"] for d in drafts if "email" in d.values},
    )
    if not snapshot.administered:
        outcome.findings = [FileRejected(NOTHING_ADMINISTERED).as_finding()]
        return outcome
    gc.freeze()
    outcome.administered = snapshot.administered
    plans = [plan_row(draft, snapshot) for draft in drafts]
    created_before = plan_already_created(plans, directory)
    check_repeated_addresses(drafts)
    check_duplicate_new_users(drafts)
    warn_possible_duplicates(drafts, snapshot, created_before)

    for draft in drafts:
        findings.extend(draft.findings())
    order = {label: i for i, label in enumerate(detected.columns)}
    findings.sort(key=lambda f: (f.line or 0, order.get(f.column, -1)))
    outcome.findings = findings
    if outcome.ok:
        outcome.rows = [plan for plan in plans if plan is not None]
    return outcome


def _read_upload(raw: bytes, limits: UploadLimits, size: int | None) -> tuple[DetectedFormat, deque[Record]]:
    """The format and the non-blank data records, or FileRejected for the file as a whole."""
    records = read_upload(raw, limits.max_bytes, size)
    header = next(records, None)
    if header is None:
        raise FileRejected("The file is empty; upload a CSV file with the header row of the sample file "
                           "and one row per user.")
    if header.problem:
        raise FileRejected(f"The header row cannot be read: {header.problem}")
    if is_blank_line(header.cells):
        raise refuse_blank_first_line(header, records)
    detected = detect_format(header.cells)
    data: deque[Record] = deque()
    for record in records:
        if record.problem or detected.is_data_row(record.cells):
            data.append(record)
            if len(data) > limits.max_rows:
                # Counted, not kept: the file is refused whole, before any row is checked.
                total = len(data) + sum(1 for r in records if r.problem or detected.is_data_row(r.cells))
                raise FileRejected(
                    f"The file has {total:,} data rows, above the {limits.max_rows:,} allowed in one upload; "
                    f"split it into files of at most {limits.max_rows:,} rows and upload each one."
                )
    if not data:
        raise FileRejected("The file has a header row but no data rows; add one row per user below the header.")
    return detected, data


@dataclass(frozen=True)
class _Column:
    field: str  # the UserFields attribute the column fills
    label: str  # the column's name as the uploaded format spells it
    rule: CellRule | None
    phone: bool


@dataclass(frozen=True)
class _Shape:
    """How the uploaded format's cells map to fields, worked out once per upload."""

    detected: DetectedFormat
    columns: tuple[_Column, ...]
    labels: dict[str, str]  # field -> label, for every field (absent legacy ones keep current names)

    @classmethod
    def of(cls, detected: DetectedFormat) -> _Shape:
        legacy = detected.format is UploadFormat.LEGACY
        labels = dict(COLUMN_OF_FIELD)
        rules = _LEGACY_CELL_RULES if legacy else _CELL_RULES
        columns = []
        for label in detected.columns:
            name = FIELD_OF_COLUMN[LEGACY_TO_CURRENT[label] if legacy else label]
            labels[name] = label
            columns.append(_Column(name, label, rules[name], name in _PHONE_FIELDS))
        return cls(detected, tuple(columns), labels)


def _checked_cells(record: Record, shape: _Shape, findings: list[Finding]) -> RowDraft | None:
    """The record as a draft with every cell rule applied; None (and a line error) when it
    cannot be split into the format's cells."""
    if record.problem:
        findings.append(error(record.line, "", "", record.problem))
        return None
    detected, cells = shape.detected, record.cells
    if len(cells) != detected.width:
        findings.append(error(
            record.line, "", "",
            f"This row has {len(cells)} cells but the header has {detected.width} columns; check for a missing or "
            "extra comma, and put any cell that contains a comma in double quotes.",
        ))
        return None
    if is_example_row(cells):
        findings.append(error(record.line, "", "", example_row_message(record.line)))
        return None
    results_file = detected.is_results_file
    if results_file:
        cells = cells[: len(detected.columns)]
    # Roster writes a leading ' where a spreadsheet would see a formula (results, reports): such a
    # cell is text, not a formula, and goes back to its value, so that an untouched report uploaded
    # back is all Unchanged (docs/csv-format.md#every-csv-roster-writes).
    escaped = {index for index, cell in enumerate(cells) if unescape_formula(cell.strip()) != cell.strip()}
    cells = [unescape_formula(c.strip()) if i in escaped else c for i, c in enumerate(cells)]
    draft = RowDraft(record.line, {}, shape.labels, detected.format is UploadFormat.LEGACY)
    present, values = draft.cells, draft.values
    problems = dict(record.cell_problems)
    for index, (column, cell) in enumerate(zip(shape.columns, cells, strict=True)):
        value = cell.strip()
        if index in problems:  # a workbook's date, formula or merged cell: reported whatever the row does
            present[column.field] = value
            draft.cell_error(column.field, problems[index], formula=True)
            continue
        if not value or (results_file and value == MASKED_PASSWORD and column.field == "password"):
            continue
        name = column.field
        present[name] = value
        try:
            if value.startswith(FORMULA_STARTS) and index not in escaped:
                check_not_formula(value, column.label, phone=column.phone)
        except InvalidCell as exc:
            draft.cell_error(name, exc.message, formula=True)
            continue
        try:
            values[name] = value if column.rule is None else column.rule(value, column.label)
        except InvalidCell as exc:
            draft.cell_error(name, _refusal_naming_invisible(value, column, exc.message))
    return draft


def _refusal_naming_invisible(value: str, column: _Column, message: str) -> str:
    """A refused cell's message; when the cell holds characters nobody can see (a byte-order
    mark, a zero-width or non-breaking space), it names them instead of showing a cell that
    looks right, or looks blank."""
    hidden = invisible_characters(value)
    if not hidden:
        return message
    holds = f"{column.label} holds {listed(hidden)}, which cannot be seen in Excel or a text editor"
    them = "it" if len(hidden) == 1 else "them"
    hint = JOINED_FILES_HINT if BYTE_ORDER_MARK in value else ""
    visible = without_invisible(value).strip()
    if not visible:
        return f"{holds}, and nothing else: delete {them} so that the cell is blank, or type the value again.{hint}"
    try:
        if column.rule is not None:
            column.rule(visible, column.label)
    except InvalidCell as exc:
        return f"{holds}; delete {them}. {exc.message}{hint}"
    return f"{holds}; typed again without {them}, the cell reads '{visible[:80]}', which is allowed.{hint}"
