"""One file through the real handlers and the real state machine on moto."""

from __future__ import annotations

import email
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import requests

from roster import wiring
from roster.contract.results_file import parse_results_csv
from roster_local.stack.embedded_stack import EmbeddedStack
from tests.conftest import EXAMPLES, current_csv
from tests.integration.conftest import TEST_PARAMETERS, Harness

pytestmark = pytest.mark.integration


def _attachment(raw: bytes) -> tuple[str, bytes]:
    message = email.message_from_bytes(raw)
    for part in message.walk():
        if part.get_filename():
            return part.get_filename(), part.get_payload(decode=True)
    raise AssertionError("the email has no attachment")


def test_example_file_creates_every_user_with_unique_addresses_and_one_email(harness):
    (result,) = harness.upload(EXAMPLES / "users.csv")

    assert result.upload.state.value == "COMPLETED"
    assert result.upload.format == "current"
    rows = parse_results_csv((result.folder / "results.csv").read_text(encoding="utf-8"))
    assert len(rows) == 20
    assert {r["Result"] for r in rows} == {"Created"}
    addresses = [r["Assigned Email"] for r in rows]
    assert len(set(addresses)) == 20
    # jane.doe@nhs.net already exists in the directory: the new Jane Doe gets the next free address, and her
    # Message carries validation's possible-duplicate warning (docs/csv-format.md#results-file)
    assert rows[0]["Assigned Email"] == "jane.doe1@nhs.net"
    assert "Validation warning: An active account in organisation RX1 already has the name Jane Doe" in \
        rows[0]["Message"]
    assert "jose.nunez@nhs.net" in addresses and "zoe.odegard@nhs.net" in addresses
    assert "liam.obrien@nhs.net" in addresses and "lukasz.kowalski@nhs.net" in addresses
    # generated passwords only where none was supplied; the supplied one is masked
    brown = next(r for r in rows if r["Last Name"] == "Brown")
    assert brown["Password"] == "********" and brown["Temporary Password"] == ""
    assert all(len(r["Temporary Password"]) == 16 for r in rows if r["Last Name"] != "Brown")
    # no unit: the message says the user sits under the parent organisation
    evans = next(r for r in rows if r["Last Name"] == "Evans")
    assert "parent organisation" in evans["Message"]

    emails = sorted((result.folder / "emails").glob("*.eml"))
    assert len(emails) == 1
    message = email.message_from_bytes(emails[0].read_bytes())
    assert message["Subject"].startswith("Upload complete:")
    assert message["To"] == "admin@example.nhs.net"
    assert "Validation gave 1 warning (line " in message.get_payload(0).get_payload(decode=True).decode("utf-8")
    name, body = _attachment(emails[0].read_bytes())
    assert name == "users-results.csv"
    assert body == (result.folder / "results.csv").read_bytes()

    upload = json.loads((result.folder / "job.json").read_text())
    assert upload["counts"]["created"] == 20 and upload["counts"]["rows"] == 20 and upload["counts"]["failed"] == 0
    assert upload["counts"]["warnings"] >= 1  # the possible duplicate of jane.doe@nhs.net

    accounts = {a.email: a for a in harness.directory.all_accounts()}
    assert set(addresses) <= set(accounts)
    assert accounts["noah.williams@nhs.net"].mailbox_gb == 8
    assert accounts["noah.williams@nhs.net"].mobile_phone == "+447912345130"


def test_invalid_file_creates_nothing_and_sends_one_validation_failed_email(harness):
    before = len(harness.directory.all_accounts())
    path = harness.write("bad.csv", current_csv(
        "Dr,Ann,Lee,,Nurse,RX1,Cardiology,,,,,,",
        "Dr,Bob,,,Nurse,RX1,Nowhere,,,,,,",
    ))
    (result,) = harness.upload(path)

    assert result.upload.state.value == "INVALID"
    assert len(harness.directory.all_accounts()) == before
    assert not (result.folder / "results.csv").exists()
    report = (result.folder / "validation.csv").read_text(encoding="utf-8")
    assert ",Last Name," in report and ",Organisational Unit," in report
    (eml,) = sorted((result.folder / "emails").glob("*.eml"))
    assert email.message_from_bytes(eml.read_bytes())["Subject"].startswith("Validation failed:")
    assert _attachment(eml.read_bytes())[0] == "bad-validation.csv"


def test_validate_only_creates_nothing_and_sends_the_report(harness):
    before = len(harness.directory.all_accounts())
    (result,) = harness.upload(EXAMPLES / "users.csv", validate_only=True)

    assert result.upload.state.value == "VALIDATED"
    assert result.upload.counts["rows"] == 20
    assert len(harness.directory.all_accounts()) == before
    (eml,) = sorted((result.folder / "emails").glob("*.eml"))
    assert email.message_from_bytes(eml.read_bytes())["Subject"].startswith("Validated:")


def test_namesakes_in_one_batch_get_distinct_addresses_and_groups_commit_every_row(harness):
    people = [f"Mr,Alex,Morgan{chr(97 + i // 26)}{chr(97 + i % 26)},,Porter,RX1,,,,,,," for i in range(40)]
    namesakes = ["Mr,John,Smith,,Porter,RX1,Cardiology,,,,,,", "Mr,John,Smith,,Nurse,RX1,Pharmacy,,,,,,",
                 "Mr,John,Smith,,Clerk,RY2,Podiatry,,,,,,"]
    path = harness.write("many.csv", current_csv(*people[:20], *namesakes, *people[20:]))

    (result,) = harness.upload(path)

    rows = parse_results_csv((result.folder / "results.csv").read_text(encoding="utf-8"))
    assert [r["Result"] for r in rows] == ["Created"] * 43
    smiths = [r["Assigned Email"] for r in rows if r["Last Name"] == "Smith"]
    assert smiths == ["john.smith@nhs.net", "john.smith1@nhs.net", "john.smith2@nhs.net"]
    assert len({r["Assigned Email"] for r in rows}) == 43
    assert len([a for a in harness.directory.all_accounts() if a.created_at and a.last_name.startswith("Morgan")]) == 40


def test_an_empty_file_is_invalid_with_one_validation_failed_email_not_stranded(harness):
    (result,) = harness.upload(harness.write("empty.csv", b""))

    assert result.upload.state.value == "INVALID"
    (eml,) = sorted((result.folder / "emails").glob("*.eml"))
    assert email.message_from_bytes(eml.read_bytes())["Subject"] == "Validation failed: empty.csv"
    name, report = _attachment(eml.read_bytes())
    assert name == "empty-validation.csv"
    assert "The file is empty; upload a CSV file with the header row of the sample file" in report.decode("utf-8")


def test_a_create_phase_that_fails_sends_upload_failed_with_the_results_so_far(harness, monkeypatch):
    def broken(request):
        raise RuntimeError("the create function is broken")  # not a retried error: the phase fails at once

    monkeypatch.setattr(wiring, "run_batch_once", broken)
    path = harness.write("doomed.csv", current_csv(",Ann,Lee,,Nurse,RX1,,,,,,,"))

    (result,) = harness.upload(path)

    assert result.upload.state.value == "FAILED"
    (eml,) = sorted((result.folder / "emails").glob("*.eml"))
    assert email.message_from_bytes(eml.read_bytes())["Subject"] == "Upload failed: doomed.csv"
    name, body = _attachment(eml.read_bytes())
    assert name == "doomed-results.csv"
    [row] = parse_results_csv(body.decode("utf-8"))
    assert row["Result"] == "Failed" and row["Message"].startswith("Not processed:")


def test_results_too_big_to_attach_come_as_a_link_that_works_until_the_time_the_email_states(tmp_path):
    with EmbeddedStack(parameters={**TEST_PARAMETERS, "AttachmentLimitBytes": "100"}) as stack:
        harness = Harness(stack, tmp_path)
        (result,) = harness.upload(harness.write("big.csv", current_csv(",Ann,Lee,,Nurse,RX1,,,,,,,")))

        (eml,) = sorted((result.folder / "emails").glob("*.eml"))
        message = email.message_from_bytes(eml.read_bytes())
        body = message.get_payload(decode=True).decode("utf-8")
        until = re.search(r"this link, which works until (\d{4}-\d\d-\d\d \d\d:\d\d) UTC:\r?\n(\S+)", body)
        assert until, body
        stated = datetime.strptime(until.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        assert timedelta(days=6, hours=23) < stated - datetime.now(UTC) <= timedelta(days=7)
        assert f"run: roster results {result.upload.upload_id}" in body
        assert requests.get(until.group(2), timeout=30).content == (result.folder / "results.csv").read_bytes()


def test_a_file_without_its_header_row_is_refused_without_echoing_a_cell_of_it(harness):
    path = harness.write("noheader.csv", ",Ann,Lee,,Nurse,RX1,,,,,Xk9#mQ2$vL7!pR,,\r\n,Bob,Ray,,Porter,RX1,,,,,,,\r\n")

    (result,) = harness.upload(path)

    assert result.upload.state.value == "INVALID"
    report = (result.folder / "validation.csv").read_text(encoding="utf-8-sig")
    assert "The first line is not a header row" in report
    (eml,) = sorted((result.folder / "emails").glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes())
    body = message.get_payload(0).get_payload(decode=True).decode("utf-8")
    attached = _attachment(eml.read_bytes())[1].decode("utf-8")
    for text in (report, body, attached):
        assert "Xk9#mQ2$vL7!pR" not in text and "Ann" not in text


def test_a_new_user_whose_name_makes_no_address_is_refused_at_validation_and_nothing_is_created(harness):
    before = len(harness.directory.all_accounts())
    path = harness.write("names.csv", current_csv(",Ann,\u044a,,Nurse,RX1,,,,,,,", ",Bob,Ray,,Porter,RX1,,,,,,,"))

    (result,) = harness.upload(path)

    assert result.upload.state.value == "INVALID"
    report = (result.folder / "validation.csv").read_text(encoding="utf-8-sig")
    assert "Last Name '\u044a' has no letter that can be written in Latin letters" in report
    assert len(harness.directory.all_accounts()) == before
