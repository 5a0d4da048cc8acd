"""End to end through `roster local serve`: the plan is binding, and every change is on the record
(docs/approval-and-plan.md#applying-what-was-planned-the-plan-is-binding, #change-records, #changes-and-history).

The scenario of issue 19: an Update is validated; another upload then marks the account as a
leaver; applying the first must fail that row, saying what changed it, by which upload and when,
and leave the leaver a leaver (never reactivate it as a joiner). The same file without an ODS code
must say the same, not become wholly INVALID. Then changes.csv and the account's history, from
the command line and the HTTP API, to the administrators concerned and nobody else."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from tests.conftest import ADMIN, current_csv
from tests.e2e.serving import Served, serve
from tests.e2e.test_local_serve import _json, _upload

pytestmark = pytest.mark.e2e
AMIR = "amir.khan@nhs.net"  # active in RX1, a Radiographer


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Its own server (this scenario changes accounts): leavers never wait for approval by share here."""
    yield from serve(tmp_path_factory, "serve-records", "LeaverApprovalPercent=100")


def _file(tmp_path: Path, name: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_text(current_csv(*rows), encoding="utf-8", newline="")
    return path


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _results(served: Served, upload_id: str) -> list[dict[str, str]]:
    done = served.roster("results", upload_id)
    assert done.returncode == 0, done.stderr
    return _csv_rows(done.stdout)


def _amir_in_report(served: Served) -> dict[str, str]:
    report = _csv_rows(served.roster("report", "--ods", "RX1").stdout)
    return next(r for r in report if r["Email Address"] == AMIR)


def test_a_row_whose_account_changed_since_validation_fails_saying_what_changed_and_the_leaver_stays(
        served, tmp_path):
    with_ods = _file(tmp_path, "title.csv", f",,,,Lead Radiographer,RX1,,,,,,{AMIR},")
    without_ods = _file(tmp_path, "title-no-ods.csv", f",,,,Lead Radiographer,,,,,,,{AMIR},")
    validated = [_upload(served, path, "--validate-only") for path in (with_ods, without_ods)]
    assert [(code, upload["state"]) for code, upload in validated] == [(0, "VALIDATED")] * 2
    for _, upload in validated:
        saved = tmp_path / f"{upload['upload_id']}-plan.csv"
        assert served.roster("plan", upload["upload_id"], "-o", str(saved)).returncode == 0
        plan = _csv_rows(saved.read_text(encoding="utf-8"))
        assert [(p["Action"], p["Field"], p["New"]) for p in plan] == [("Update", "Job Title", "Lead Radiographer")]

    code, leaver = _upload(served, _file(tmp_path, "leaver.csv", f",,,,,,,,,,,{AMIR},leaver"))
    assert (code, leaver["state"], leaver["counts"]["leavers"]) == (0, "COMPLETED", 1)

    for _, upload in validated:
        applied = _json(served.roster("apply", upload["upload_id"], "--wait", "--json"))
        assert applied["state"] != "INVALID" and applied["counts"]["failed"] == 1, applied
        [row] = _results(served, upload["upload_id"])
        assert row["Result"] == "Failed"
        assert row["Message"].startswith(f"Changed since you validated: marked as a leaver by upload "
                                         f"{leaver['upload_id']} ({ADMIN}) on ")
        assert "Planned as an update when validated, but amir.khan@nhs.net is now a leaver" in row["Message"]
        # Nothing it did not plan: no joiner, no new job title; it changed nothing, so it has no change lines.
        changes = served.roster("changes", upload["upload_id"])
        assert changes.returncode == 0 and _csv_rows(changes.stdout) == []
    amir = _amir_in_report(served)
    assert (amir["Status"], amir["Job Title"]) == ("leaver", "Radiographer")

    leaver_changes = _csv_rows(served.roster("changes", leaver["upload_id"]).stdout)
    assert [(c["Line"], c["Action"], c["Email Address"], c["Field"]) for c in leaver_changes] == [
        ("2", "Leaver", AMIR, "")]
    assert leaver_changes[0]["Applied At"].startswith("20")


def test_history_from_the_command_line_and_the_api_to_the_accounts_administrators_only(served, tmp_path):
    code, update = _upload(served, _file(tmp_path, "unit.csv", ",,,,Consultant,,,,,,,jane.doe@nhs.net,"))
    assert (code, update["state"]) == (0, "COMPLETED")

    history = _json(served.roster("history", "jane.doe@nhs.net", "--json"))
    assert history["email"] == "jane.doe@nhs.net"
    assert [(c["upload_id"], c["by"], c["action"], c["field"], c["old"], c["new"]) for c in history["changes"]] == [
        (update["upload_id"], ADMIN, "Update", "Job Title", "Consultant Pharmacist", "Consultant")]
    shown = served.roster("history", "jane.doe@nhs.net")
    assert shown.returncode == 0 and "Consultant Pharmacist" in shown.stdout

    url = f"{served.url}/accounts/{quote('jane.doe@nhs.net')}/history"
    mine = requests.get(url, headers={"Authorization": f"Bearer {served.token()}"}, timeout=30)
    assert mine.status_code == 200 and mine.json() == history
    theirs = requests.get(url, headers={"Authorization": f"Bearer {served.token('practice')}"}, timeout=30)
    assert theirs.status_code == 403 and "do not administer" in theirs.json()["message"]
    refused = served.roster("changes", update["upload_id"], config="practice")
    assert refused.returncode == 1 and "organisations you do not administer" in refused.stderr
    assert requests.get(url, timeout=30).status_code == 401
