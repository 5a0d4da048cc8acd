"""Properties of validate_upload: any bytes give an outcome (never an exception), the outcome
is always consistent, and the work grows linearly with the rows."""

from __future__ import annotations

import csv
import io
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roster.contract.columns import CURRENT_COLUMNS, LEGACY_COLUMNS, RESULT_COLUMNS
from roster.model.directory import Account, AccountStatus, Organisation
from roster.rules.phones import uk_number
from roster.validate.upload import UploadLimits, ValidationOutcome, validate_upload
from tests.unit.fakes import FakeDirectory

ADMIN = "admin@nhs.net"
LEEDS = Organisation(ods="RX1", name="Leeds", domain="nhs.net", units=("Cardiology",))
YORK = Organisation(ods="RX2", name="York", domain="nhs.net", mailbox_max_gb=10)
ACCOUNTS = (Account(email="jane.smith@nhs.net", first_name="Jane", last_name="Smith", ods="RX1"),
            Account(email="old.leaver@nhs.net", first_name="Old", last_name="Leaver", ods="RX2",
                    status=AccountStatus.LEAVER))


def FixedDirectory() -> FakeDirectory:  # noqa: N802 - read as the directory these properties hold against
    """Leeds and York, ADMIN administering Leeds only, Jane active in Leeds and a leaver in York;
    nobody was created by an earlier upload."""
    directory = FakeDirectory()
    for organisation in (LEEDS, YORK):
        directory.add_organisation(organisation)
    directory.add_admin(ADMIN, {"RX1"})
    for account in ACCOUNTS:
        directory.add_account(account)
    return directory


def check_consistent(outcome: ValidationOutcome) -> None:
    assert isinstance(outcome, ValidationOutcome)
    lines = [f.line or 0 for f in outcome.findings]
    assert lines == sorted(lines)  # file-level first, then by line
    assert all(line is None or line >= 2 for line in (f.line for f in outcome.findings))
    assert outcome.ok == (outcome.errors == 0)
    notices = sum(1 for f in outcome.findings if not f.is_error and not f.needs_checking)  # a joiner's notice
    assert outcome.errors + outcome.warnings + notices == len(outcome.findings)
    if outcome.rows:
        assert outcome.ok
        assert [r.line for r in outcome.rows] == sorted({r.line for r in outcome.rows})
        assert len(outcome.rows) <= outcome.row_count
    file_level = [f for f in outcome.findings if f.line is None]
    if file_level:
        assert len(outcome.findings) == 1 and not outcome.rows  # a refusal is the only finding


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_always_give_an_outcome(raw: bytes) -> None:
    check_consistent(validate_upload(raw, ADMIN, FixedDirectory(), UploadLimits(max_rows=50, max_bytes=2000)))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=500))
def test_bytes_after_a_valid_header_always_give_an_outcome(tail: bytes) -> None:
    raw = (",".join(CURRENT_COLUMNS) + "\r\n").encode() + tail
    check_consistent(validate_upload(raw, ADMIN, FixedDirectory(), UploadLimits()))


MEANINGFUL_CELLS = st.sampled_from([
    "", " ", "Dr", "dr.", "Sir", "Jane", "O'Brien", "Zoë", "R2D2", "RX1", "rx2", "RX9", "Cardiology", "Nowhere",
    "0113 496 0000", "07912 345678", "+44 7912 345678", "12345", "4", "8 GB", "4096MB", "4.5", "Xk9#mQ2$vL7!pR",
    "password", "********", "jane.smith@nhs.net", "old.leaver@nhs.net", "nobody@nhs.net", "not-an-address",
    "leaver", "LEAVER", "gone", "=1+1", "-5", "@x", "+x", '"', '""', "a,b", "line\nbreak", "\r", "\t",
])
CELLS = st.one_of(MEANINGFUL_CELLS, st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12))
GOOD_CURRENT_ROWS = [
    ["Dr", "Ann", "Lee", "", "Nurse", "RX1", "Cardiology", "0113 496 0000", "07912 345678", "4GB", "", "", ""],
    ["", "", "", "", "", "", "", "", "", "", "", "jane.smith@nhs.net", "leaver"],
    ["", "", "", "", "Porter", "RX1", "", "", "", "", "", "old.leaver@nhs.net", ""],
    ["", "", "", "", "Matron", "", "", "", "", "", "", "Jane.Smith@nhs.net", ""],
    ["Ms", "Zoë", "O’Brien", "", "", "rx1", "", "", "", "", "Xk9#mQ2$vL7!pR", "", ""],
]


@st.composite
def good_row_with_one_change(draw: st.DrawFn) -> list[str]:
    cells = list(draw(st.sampled_from(GOOD_CURRENT_ROWS)))
    if draw(st.booleans()):
        cells[draw(st.integers(0, len(cells) - 1))] = draw(CELLS)
    return cells


@st.composite
def csv_shaped_text(draw: st.DrawFn) -> str:
    header = draw(st.sampled_from([
        *[list(CURRENT_COLUMNS)] * 6, list(LEGACY_COLUMNS), list(CURRENT_COLUMNS + RESULT_COLUMNS),
        [c.upper() for c in CURRENT_COLUMNS], list(CURRENT_COLUMNS[:-1]), ["Title", "Name"],
    ]))
    width = len(header)
    any_row = st.one_of(
        st.lists(CELLS, min_size=width, max_size=width),
        st.lists(CELLS, max_size=width + 2),
        st.just([""] * width),
    )
    rows = draw(st.lists(st.one_of(good_row_with_one_change(), good_row_with_one_change(), any_row), max_size=8))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\r\n", "\n"])))
    writer.writerow(header)
    body_starts = len(out.getvalue())
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.integers(0, 5)) == 0:  # damage it: a stray quote or a cut, mostly below the header
        at = draw(st.integers(0 if draw(st.integers(0, 3)) == 0 else body_starts, len(text)))
        text = text[:at] + draw(st.sampled_from(['"', "", ",", "\n"])) + text[at + draw(st.integers(0, 3)):]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_shaped_text(), st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_arbitrary_csv_shaped_text_always_gives_a_consistent_outcome(text: str, encoding: str) -> None:
    raw = text.encode(encoding, errors="replace")
    check_consistent(validate_upload(raw, ADMIN, FixedDirectory(), UploadLimits()))


def realistic_upload(rows: int) -> bytes:
    """Valid new users, each a distinct person with a distinct mobile."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CURRENT_COLUMNS)
    first_names, last_names = ("Ann", "Bob", "Chloé", "Dev", "Eve"), ("Lee", "O'Brien", "Smith-Jones", "Nowak")
    for n in range(rows):
        writer.writerow(["Dr", first_names[n % 5], last_names[n % 4], "", "Nurse", "RX1", "Cardiology",
                         "0113 496 0000", f"07912 {n:06d}", "4GB", "", "", ""])
    return out.getvalue().encode()


def cpu_seconds(raw: bytes) -> float:
    best = float("inf")
    for _ in range(3):
        uk_number.cache_clear()
        start = time.process_time()
        outcome = validate_upload(raw, ADMIN, FixedDirectory(), UploadLimits())
        best = min(best, time.process_time() - start)
        assert outcome.ok, outcome.findings[:3]
    return best


def test_validation_time_grows_linearly_with_rows() -> None:
    small, large = realistic_upload(500), realistic_upload(2000)
    assert cpu_seconds(large) < 12 * cpu_seconds(small)

