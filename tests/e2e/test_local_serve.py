"""End to end: `roster local serve` and the administrators' `roster` commands against it, as
docs/api.md#http-api and #command-line describe them: sign in, sample, upload, apply, progress, results,
report edited and uploaded back, and another organisation's administrator refused."""

from __future__ import annotations

import configparser
import csv
import io
import json
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from tests.conftest import ADMIN, EXAMPLES, current_csv
from tests.e2e.serving import COMMUNITY_LEAD, PRACTICE, Served, serve

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from serve(tmp_path_factory, "serve", logins=((ADMIN, "admin"), (PRACTICE, "practice"),
                                                         (COMMUNITY_LEAD, "community")))


def _json(done: subprocess.CompletedProcess[str]) -> dict:
    assert done.stdout, done.stderr
    return json.loads(done.stdout)


def _upload(served: Served, path: Path, *flags: str, config: str = "admin") -> tuple[int, dict]:
    done = served.roster("upload", str(path), "--wait", "--json", *flags, config=config)
    return done.returncode, _json(done)


def _wait_json(served: Served, upload_id: str) -> dict:
    """The upload once it stops (roster status until a final state)."""
    for _ in range(300):
        upload = _json(served.roster("status", upload_id, "--json"))
        if upload["state"] in ("COMPLETED", "FAILED", "INVALID", "CANCELLED"):
            return upload
        time.sleep(1)
    raise AssertionError(f"upload {upload_id} did not finish: {upload['state']}")


def test_the_first_line_names_the_address_and_config_needs_no_sign_in(served):
    config = requests.get(f"{served.url}/config", timeout=30).json()

    assert config["user_pool_id"] and config["client_id"] and config["cognito_endpoint"].startswith("http://127.0.0.1")
    assert requests.get(f"{served.url}/uploads", timeout=30).status_code == 401
    assert requests.get(f"{served.url}/", timeout=30).headers["Content-Type"].startswith("text/html")


def test_the_console_its_files_and_the_sample_need_no_sign_in_and_the_page_carries_a_strict_csp(served):
    config = requests.get(f"{served.url}/config", timeout=30).json()
    page = requests.get(f"{served.url}/", timeout=30)

    assert page.status_code == 200 and '<script type="module" src="console.js"></script>' in page.text
    directives = dict(part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";"))
    # Cognito and the bucket are both the embedded stack's endpoint: the page may call it, and nothing else.
    assert directives["connect-src"].split() == ["'self'", config["cognito_endpoint"].rstrip("/")]
    assert page.headers["Cache-Control"] == "no-cache" and page.headers["X-Frame-Options"] == "DENY"
    for path in ("/console.js", "/upload-flow.js", "/console.css", "/favicon.svg", "/sample.csv?format=legacy"):
        assert requests.get(f"{served.url}{path}", timeout=30).status_code == 200, path


def test_me_names_the_administrator_and_the_organisations_they_administer(served):
    me = requests.get(f"{served.url}/me", headers={"Authorization": f"Bearer {served.token('practice')}"},
                      timeout=30)

    assert me.json() == {"email": PRACTICE, "organisations": [{"ods": "Y0301", "name": "Riverside Medical Practice"}]}
    assert requests.get(f"{served.url}/me", timeout=30).status_code == 401


def test_the_bucket_takes_upload_forms_from_the_consoles_origin_and_no_other(served):
    issued = requests.post(f"{served.url}/uploads", json={"file_name": "cors.csv", "validate_only": True},
                           headers={"Authorization": f"Bearer {served.token()}"}, timeout=30).json()

    def preflight(origin: str) -> requests.Response:
        return requests.options(issued["form"]["url"], headers={"Origin": origin,
                                                                "Access-Control-Request-Method": "POST"}, timeout=30)

    # The template's CORS rules, with ConsoleOrigin = the address `roster local serve` prints.
    assert preflight(served.url).headers["Access-Control-Allow-Origin"] == served.url
    assert preflight("http://127.0.0.1:1").status_code == 403


def test_login_keeps_the_session_readable_by_the_user_alone(served):
    sessions = served.home / "admin" / "sessions.json"

    assert stat.S_IMODE(sessions.stat().st_mode) == 0o600
    assert json.loads(sessions.read_text())["last_url"] == served.url


def test_sample_files_in_both_formats(served, tmp_path):
    current = served.roster("sample", "-o", str(tmp_path / "sample.csv"))
    legacy = served.roster("sample", "--legacy")

    assert current.returncode == 0 and (tmp_path / "sample.csv").read_text(encoding="utf-8-sig").startswith("Title,")
    assert legacy.returncode == 0 and legacy.stdout.lstrip("\ufeff").startswith("Surname,Forename")


def test_validate_then_apply_without_sending_the_file_again(served, tmp_path):
    code, validated = _upload(served, EXAMPLES / "users.csv", "--validate-only")
    upload_id = validated["upload_id"]

    assert (code, validated["state"], validated["counts"]["rows"]) == (0, "VALIDATED", 20)
    applied = served.roster("apply", upload_id, "--wait")
    assert applied.returncode == 0, applied.stderr
    assert "COMPLETED" in applied.stdout and "rows applied" in applied.stderr  # the progress bar
    results = served.roster("results", upload_id, "-o", str(tmp_path / "results.csv"))
    assert results.returncode == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "results.csv").read_text(encoding="utf-8-sig"))))
    assert [r["Result"] for r in rows] == ["Created"] * 20
    # Applying again is refused (docs/api.md: 409) and creates nothing twice: it is already COMPLETED.
    again = served.roster("apply", upload_id[:8])  # a unique prefix of the id names it
    assert again.returncode == 1 and "applied already and is COMPLETED" in again.stderr
    assert "Traceback" not in again.stderr
    status = served.roster("status", upload_id)
    assert status.returncode == 0 and "COMPLETED" in status.stdout


def test_an_invalid_file_exits_3_and_its_report_names_the_line(served, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(current_csv("Sir,Ann,Lee,,Nurse,RX1,,,,,,,"), encoding="utf-8")

    code, upload = _upload(served, bad)

    assert (code, upload["state"]) == (3, "INVALID")
    report = served.roster("validation", upload["upload_id"])  # a table, not CSV with its byte-order mark
    assert "Validation report" in report.stdout and "Sir" in report.stdout and "\ufeff" not in report.stdout
    assert ",Title,Sir,error," in _json(served.roster("validation", upload["upload_id"], "--json"))["csv"]
    assert served.roster("apply", upload["upload_id"]).returncode == 1  # 409: only a validated upload


def test_the_report_edited_as_a_leaver_file_and_uploaded_back(served, tmp_path):
    report = tmp_path / "RY2.csv"
    assert served.roster("report", "--ods", "RY2", "-o", str(report)).returncode == 0
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    header, accounts = rows[0], rows[1:]
    email, status = header.index("Email Address"), header.index("Status")
    sarah = next(r for r in accounts if r[email] == "sarah.oconnor@nhs.net")
    sarah[status] = "leaver"
    leavers = tmp_path / "leavers.csv"
    with leavers.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *accounts])

    code, upload = _upload(served, leavers)
    upload_id = upload["upload_id"]

    # One of RY2's few active accounts is over 10%: it waits for RY2's other administrator (issue 11).
    assert (code, upload["state"]) == (1, "AWAITING_APPROVAL")
    assert "sarah.oconnor@nhs.net,,," in _json(served.roster("plan", upload_id, "--json"))["csv"].replace("\r", "")
    own = served.roster("approve", upload_id)
    assert own.returncode == 1 and "another administrator" in own.stderr
    approved = served.roster("approve", upload_id, config="community")
    assert approved.returncode == 0, approved.stderr
    upload = _wait_json(served, upload_id)
    assert upload["state"] == "COMPLETED"
    assert upload["counts"]["leavers"] == 1 and upload["counts"]["unchanged"] == len(accounts) - 1
    after = served.roster("report", "--ods", "RY2").stdout
    assert "sarah.oconnor@nhs.net,leaver" in after


def test_another_organisations_administrator_is_refused_everywhere(served):
    code, upload = _upload(served, EXAMPLES / "updates.csv", "--validate-only")  # RX1 and RY2 rows
    upload_id = upload["upload_id"]
    assert code == 0

    for command in (["status", upload_id], ["validation", upload_id], ["results", upload_id],
                    ["apply", upload_id], ["report", "--ods", "RX1"]):
        refused = served.roster(*command, config="practice")
        assert refused.returncode == 1, command
        assert "do not administer" in refused.stderr, (command, refused.stderr)
    listed = _json(served.roster("uploads", "--json", config="practice"))
    assert upload_id not in [u["upload_id"] for u in listed["uploads"]]
    assert upload_id in [u["upload_id"] for u in _json(served.roster("uploads", "--json"))["uploads"]]


def test_a_form_posted_twice_is_one_upload(served):
    headers = {"Authorization": f"Bearer {served.token()}"}
    issued = requests.post(f"{served.url}/uploads", json={"file_name": "twice.csv", "validate_only": True},
                           headers=headers, timeout=30).json()
    body = (EXAMPLES / "users.csv").read_bytes()

    for _ in range(2):
        sent = requests.post(issued["form"]["url"], data=issued["form"]["fields"],
                             files={"file": ("twice.csv", body)}, timeout=60)
        assert sent.status_code == 204
    deadline = time.monotonic() + 120
    state = ""
    while state not in ("VALIDATED", "INVALID") and time.monotonic() < deadline:
        time.sleep(0.5)
        state = _json(served.roster("status", issued["upload_id"], "--json"))["state"]

    assert state == "VALIDATED"
    listed = [u for u in _json(served.roster("uploads", "--json", "--limit", "100"))["uploads"]
              if u["file_name"] == "twice.csv"]
    assert len(listed) == 1


def test_signed_out_and_wrong_arguments_say_what_to_do(served):
    signed_out = served.roster("uploads", "--url", served.url, config="nobody")
    wrong = served.roster("upload", config="admin")
    missing = served.roster("upload", "no-such-file.csv")

    assert signed_out.returncode == 1 and "roster login --url" in signed_out.stderr
    assert wrong.returncode == 2 and missing.returncode == 2 and "no such file" in missing.stderr


def test_an_upload_waiting_for_approval_can_be_cancelled_by_its_uploader(served, tmp_path):
    leaver = tmp_path / "leaver.csv"
    leaver.write_text(current_csv(",,,,,,,,,,,lucy.gray@nhs.net,leaver"), encoding="utf-8")  # Y0301's only account

    code, upload = _upload(served, leaver)

    assert (code, upload["state"]) == (1, "AWAITING_APPROVAL")
    refused = served.roster("cancel", upload["upload_id"], config="community")  # RY2 only: not concerned
    assert refused.returncode == 1 and "do not administer" in refused.stderr
    cancelled = _json(served.roster("cancel", upload["upload_id"], "--json"))
    assert cancelled["state"] == "CANCELLED"
    report = served.roster("report", "--ods", "Y0301").stdout.replace("\r", "")
    assert ",lucy.gray@nhs.net,\n" in report  # Status blank: still active


def test_a_report_too_big_to_answer_inline_is_a_redirect_the_command_follows(served, tmp_path):
    big = tmp_path / "mistakes.csv"
    big.write_text(current_csv(*["Sir,Ann,Lee,,Nurse,RZ0,,,01632960000,,,,"] * 10_000), encoding="utf-8")
    code, upload = _upload(served, big)
    assert (code, upload["state"]) == (3, "INVALID")
    path = f"/uploads/{upload['upload_id']}/validation.csv"

    answer = requests.get(served.url + path, headers={"Authorization": f"Bearer {served.token()}"},
                          allow_redirects=False, timeout=60)
    fetched = served.roster("validation", upload["upload_id"], "-o", str(tmp_path / "report.csv"))

    assert answer.status_code == 303 and answer.json()["file_name"] == "mistakes-validation.csv"
    location = answer.headers["Location"]
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=900" in location
    assert not location.startswith(served.url)  # the bucket, not the API
    assert fetched.returncode == 0, fetched.stderr
    report = (tmp_path / "report.csv").read_bytes()
    assert len(report) > 1_000_000 and report == requests.get(location, timeout=60).content
    assert b"10001,Title,Sir,error," in report


def test_the_engineers_aws_profile_is_theirs_alone_and_the_only_keys_the_endpoint_takes(served):
    profile = served.home / "engineer" / "local-serve-aws-config"
    config = requests.get(f"{served.url}/config", timeout=30).json()
    endpoint = config["cognito_endpoint"].rstrip("/")

    assert stat.S_IMODE(profile.stat().st_mode) == 0o600
    engineer = boto3.Session(**_profile_keys(profile)).client("cognito-idp", endpoint_url=endpoint)
    assert len(engineer.list_users(UserPoolId=config["user_pool_id"])["Users"]) == 3
    stranger = boto3.client("cognito-idp", region_name="eu-west-2", endpoint_url=endpoint,
                            aws_access_key_id="FOOBARKEY", aws_secret_access_key="FOOBARSECRET")
    with pytest.raises(ClientError, match="AccessDenied"):
        stranger.list_users(UserPoolId=config["user_pool_id"])


def _profile_keys(profile: Path) -> dict[str, str]:
    parser = configparser.ConfigParser()
    parser.read(profile)
    section = parser["profile roster-local"]
    return {"aws_access_key_id": section["aws_access_key_id"],
            "aws_secret_access_key": section["aws_secret_access_key"], "region_name": section["region"]}
