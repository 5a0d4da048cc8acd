"""End to end through `roster local serve`: `roster undo` and `POST /uploads/{id}/undo`
(docs/approval-and-plan.md#undo) as an administrator uses them: the undo's plan shown before
anything changes, applied with `roster apply`, each account back as it was; asking twice; the
refusals; and an undo of 30 leavers waiting for a second administrator."""

from __future__ import annotations

import csv
import io
import subprocess
import time
from collections.abc import Iterator

import pytest
import requests

from tests.conftest import EXAMPLES, current_csv
from tests.e2e.serving import Served, serve
from tests.e2e.test_local_serve import _json, _upload

pytestmark = pytest.mark.e2e
ORGANISATIONS = ("RX1", "RY2", "Y0301")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Its own server (undo changes accounts); a leaver or two never waits for approval by share here,
    30 do (LeaverApprovalThreshold 25)."""
    # Each test's leavers alone: the undos here retire dozens, which the window would count in the
    # next test's upload (the window has its own tests: tests/unit/approval/test_step.py).
    yield from serve(tmp_path_factory, "serve-undo", "LeaverApprovalPercent=100", "LeaverApprovalWindowHours=0")


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _directory(served: Served) -> dict[str, dict[str, str]]:
    """Every account of the three organisations, as `roster report` gives them."""
    accounts = {}
    for ods in ORGANISATIONS:
        done = served.roster("report", "--ods", ods)
        assert done.returncode == 0, done.stderr
        accounts.update({row["Email Address"]: row for row in _rows(done.stdout)})
    return accounts


def _undo(served: Served, upload_id: str, config: str = "admin") -> dict:
    done = served.roster("undo", upload_id, "--wait", "--json", config=config)
    assert done.returncode == 0, done.stderr
    return _json(done)


def _apply(served: Served, upload_id: str) -> subprocess.CompletedProcess[str]:
    return served.roster("apply", upload_id, "--wait", "--json")


def test_undo_of_a_create_upload_shows_its_plan_then_makes_the_accounts_leavers(served):
    before = _directory(served)
    code, created = _upload(served, EXAMPLES / "users.csv")
    assert code == 0 and created["state"] == "COMPLETED"
    made = set(_directory(served)) - set(before)

    undo = _undo(served, created["upload_id"])
    assert undo["state"] == "VALIDATED" and undo["plan"] == {"Leaver": 20} and undo["undo_of"] == created["upload_id"]
    assert {_directory(served)[e]["Status"] for e in made} == {""}, "nothing changes before apply (blank: active)"
    again = _undo(served, created["upload_id"])
    assert again["upload_id"] == undo["upload_id"]

    done = _apply(served, undo["upload_id"])
    assert done.returncode == 0, done.stderr
    after = _directory(served)
    assert {after[e]["Status"] for e in made} == {"leaver"}
    assert {e: row for e, row in after.items() if e in before} == before


def test_undo_of_an_update_a_leaver_and_a_joiner_puts_each_account_back_exactly(served):
    before = _directory(served)
    code, updates = _upload(served, EXAMPLES / "updates.csv")
    assert code == 0 and updates["counts"]["joiners"] == 1

    undo = _undo(served, updates["upload_id"])
    saved = served.home / f"{undo['upload_id']}-plan.csv"  # `roster plan` alone shows a table; -o saves the CSV
    assert served.roster("plan", undo["upload_id"], "-o", str(saved)).returncode == 0
    plan = _rows(saved.read_text(encoding="utf-8"))
    done = _apply(served, undo["upload_id"])

    assert done.returncode == 0, done.stderr
    assert ("Update", "amir.khan@nhs.net", "Job Title", "Lead Radiographer", "Radiographer") in {
        (p["Action"], p["Email Address"], p["Field"], p["Old"], p["New"]) for p in plan}
    after = _directory(served)
    for email in ("amir.khan@nhs.net", "sarah.oconnor@nhs.net", "tom.baker@nhs.net", "lucy.gray@nhs.net"):
        assert after[email] == before[email], email
    assert after["daniel.clarke@nhs.net"]["Status"] == "leaver"


def test_a_later_change_is_left_in_place_and_the_undo_says_so(served, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text(current_csv(",Imogen,Hart,,,RX1,,,,,,,"), encoding="utf-8", newline="")
    _, created = _upload(served, path)
    address = _rows(served.roster("results", created["upload_id"]).stdout)[0]["Assigned Email"]
    later = tmp_path / "later.csv"
    later.write_text(current_csv(f",,,,Matron,,,,,,,{address},"), encoding="utf-8", newline="")
    _, changed = _upload(served, later)

    undo = _undo(served, created["upload_id"])
    done = _apply(served, undo["upload_id"])
    results = _rows(served.roster("results", undo["upload_id"]).stdout)

    assert undo["plan"] == {"Unchanged": 1} and done.returncode == 0
    assert results[0]["Result"] == "Unchanged" and f"by upload {changed['upload_id']}" in results[0]["Message"]
    account = _directory(served)[address]
    assert account["Status"] == "" and account["Job Title"] == "Matron"


def test_undo_is_refused_before_apply_and_to_an_administrator_of_another_organisation(served, tmp_path):
    code, checked = _upload(served, EXAMPLES / "users.csv", "--validate-only")
    assert code == 0 and checked["state"] == "VALIDATED"
    refused = served.roster("undo", checked["upload_id"])
    assert refused.returncode == 1 and "only an applied upload" in refused.stderr

    path = tmp_path / "rx1.csv"
    path.write_text(current_csv(",Ava,Stone,,,RX1,,,,,,,"), encoding="utf-8", newline="")
    _, rx1 = _upload(served, path)
    answer = requests.post(f"{served.url}/uploads/{rx1['upload_id']}/undo",
                           headers={"Authorization": f"Bearer {served.token('practice')}"}, timeout=30)
    assert answer.status_code == 403
    first = requests.post(f"{served.url}/uploads/{rx1['upload_id']}/undo",
                          headers={"Authorization": f"Bearer {served.token()}"}, timeout=30)
    second = requests.post(f"{served.url}/uploads/{rx1['upload_id']}/undo",
                           headers={"Authorization": f"Bearer {served.token()}"}, timeout=30)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["upload_id"] == second.json()["upload_id"]


def test_an_undo_of_thirty_leavers_waits_for_a_second_administrator(served, tmp_path):
    path = tmp_path / "thirty.csv"
    path.write_text(current_csv(*[f",Bo{chr(97 + n // 26)}{chr(97 + n % 26)},Thirty,,,Y0301,,,,,,,"
                                  for n in range(30)]), encoding="utf-8", newline="")
    _, created = _upload(served, path)
    undo = _undo(served, created["upload_id"])

    done = _apply(served, undo["upload_id"])

    assert done.returncode == 1 and "approval" in done.stderr
    assert _json(done)["state"] == "AWAITING_APPROVAL"
    approved = served.roster("approve", undo["upload_id"], config="practice")
    assert approved.returncode == 0, approved.stderr
    finished = _json(served.roster("status", undo["upload_id"], "--json"))
    for _ in range(60):
        if finished["state"] == "COMPLETED":
            break
        time.sleep(1)
        finished = _json(served.roster("status", undo["upload_id"], "--json"))
    assert finished["state"] == "COMPLETED" and finished["counts"]["leavers"] == 30
