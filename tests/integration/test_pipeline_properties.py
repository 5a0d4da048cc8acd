"""The whole pipeline on the embedded stack, for generated files and generated faults.

After every example the invariants of the contract hold: the upload ends in a final state,
each data row has exactly one outcome, no account exists twice, there is one email per
outcome, and no password appears anywhere but the results file and its email."""

from __future__ import annotations

import email
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roster.contract.results_file import parse_results_csv
from roster.settings import get_settings
from tests.conftest import CURRENT_HEADER
from tests.integration.conftest import Harness, _harness

pytestmark = pytest.mark.integration

FINAL = {"COMPLETED", "FAILED", "INVALID", "VALIDATED"}
SUPPLIED_PASSWORD = "Zq7#Plover-Marsh91"
FIRST = ["Ada", "Bea", "Cai", "Dev", "Eli", "Fay", "Gus", "Hal", "José", "Zoë", "Łukasz", "Siân"]
LAST = ["Moss", "Reed", "Hale", "O'Neil", "Núñez", "Ødegård", "Smith-Jones", "Doe"]
UNITS = ["Cardiology", "Pharmacy", "Radiology", ""]


@st.composite
def new_user_rows(draw: st.DrawFn) -> str:
    first, last = draw(st.sampled_from(FIRST)), draw(st.sampled_from(LAST))
    unit = draw(st.sampled_from(UNITS))
    password = draw(st.sampled_from(["", SUPPLIED_PASSWORD]))
    mobile = draw(st.sampled_from(["", "07912 345678", "07912 34"]))  # the last is invalid
    job_title = draw(st.sampled_from(["Nurse", "Porter", "=HYPERLINK()"]))  # the last is refused
    return f"Dr,{first},{last},,{job_title},RX1,{unit},,{mobile},,{password},,"


CHANGE_ROWS = [
    ",,,,Lead Radiographer,,,,07912 345200,,,amir.khan@nhs.net,",
    ",,,,,,,,,,,sarah.oconnor@nhs.net,leaver",
    ",,,,Cardiac Physiologist,RY2,District Nursing,,,,,tom.baker@nhs.net,",
    ",,,,,,,,,,,lucy.gray@nhs.net,",
    ",,,,,,,,,,,nobody.here@nhs.net,",  # refused: no such account
]


@st.composite
def upload_files(draw: st.DrawFn) -> tuple[bytes, int]:
    rows = draw(st.lists(new_user_rows(), min_size=1, max_size=12))
    rows += draw(st.lists(st.sampled_from(CHANGE_ROWS), max_size=3, unique=True))
    rows = draw(st.permutations(rows))
    blank_rows = draw(st.integers(0, 2))
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    text = newline.join([CURRENT_HEADER, *rows, *([",,,,,,,,,,,,"] * blank_rows)]) + newline
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    return raw, len(rows)


FAULTS = st.sampled_from(["", "create:after:0.3", "create:before:0.3", "notify:after:0.5", "validate:after:0.5"])


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(upload=upload_files(), chaos=FAULTS, seed=st.integers(0, 1000))
def test_every_upload_ends_with_one_outcome_per_row_no_duplicate_and_no_leaked_password(
        tmp_path_factory: pytest.TempPathFactory, upload: tuple[bytes, int], chaos: str, seed: int) -> None:
    raw, data_rows = upload
    tmp_path = tmp_path_factory.mktemp("pipeline")
    for harness in _harness(tmp_path, chaos, seed):
        before = {a.email for a in harness.directory.all_accounts()}
        (result,) = harness.upload(harness.write("generated.csv", raw))
        after = [a.email for a in harness.directory.all_accounts()]
        _assert_invariants(harness, result.folder, result.upload.state.value, data_rows, before, after)


def _assert_invariants(harness: Harness, folder: Path, state: str, data_rows: int, before: set[str],
                       after: list[str]) -> None:
    assert state in FINAL
    assert len(after) == len(set(after)), "no account exists twice"
    messages = [email.message_from_bytes(p.read_bytes()) for p in sorted((folder / "emails").glob("*.eml"))]
    subjects = [m["Subject"].split(":")[0] for m in messages]
    assert len(subjects) == len(set(subjects)) == 1, f"one email per outcome, got {subjects}"
    if state == "INVALID":
        assert set(after) == before, "an invalid file changes nothing"
        assert subjects == ["Validation failed"]
        return
    results = parse_results_csv((folder / "results.csv").read_text(encoding="utf-8-sig"))
    assert len(results) == data_rows, "each data row has exactly one outcome"
    created = [r["Assigned Email"] for r in results if r["Result"] == "Created"]
    assert set(created) == set(after) - before and len(created) == len(set(created))
    passwords = {r["Temporary Password"] for r in results if r["Temporary Password"]} | {SUPPLIED_PASSWORD}
    _assert_passwords_only_in_results(harness, folder, passwords)


def _assert_passwords_only_in_results(harness: Harness, folder: Path, passwords: set[str]) -> None:
    allowed = {folder / "results.csv", *(folder / "emails").glob("*.eml")}
    for path in folder.rglob("*"):
        if path.is_file() and path not in allowed:
            text = path.read_bytes().decode("utf-8", errors="replace")
            assert not any(p in text for p in passwords), f"a password is in {path.name}"
    results_text = (folder / "results.csv").read_text(encoding="utf-8-sig")
    assert SUPPLIED_PASSWORD not in results_text, "a supplied password is masked in the results"
    dynamodb = harness.stack.client("dynamodb")
    settings_ = get_settings()
    for table in (settings_.directory_table, settings_.jobs_table, settings_.idempotency_table):
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            text = str(page["Items"])
            assert not any(p in text for p in passwords), f"a password is stored in plain text in {table}"
