"""Roster within AWS's service limits, on the embedded stack that enforces them
(roster_local.stack.limits): the 100,000-row file full of errors gets its report by link, an
approval to 55 administrators goes as two messages, each once, and an upload touching more
than 100 organisations is refused at validation."""

from __future__ import annotations

import email
import time
from email import policy
from pathlib import Path
from typing import Any

import pytest

from roster.model.uploads import utc_now
from roster_local.admin.directory_file import DirectoryFile, load_into
from roster_local.moto_patches.ses_limits import distinct_recipients
from roster_local.run.local_run import sent_emails
from roster_local.stack.limits import SES_RAW_MESSAGE_BYTES, SES_RECIPIENTS
from tests.conftest import ADMIN, current_csv
from tests.integration.conftest import DEPLOYED_APPROVAL_PARAMETERS, TEST_PARAMETERS, Harness, _harness

# A title that is none, an organisation nobody has, a mobile number that is no mobile: three
# errors a row, long messages; 100,000 of them make a report far past what SES takes.
BAD_ROW = "Sir,Ann,Lee,,Nurse,RZ0,Nowhere,,01632960000,,,,\r\n"


def _message(raw: bytes) -> Any:
    return email.message_from_bytes(raw, policy=policy.default)


@pytest.fixture
def big_harness(tmp_path: Path):
    yield from _harness(tmp_path, parameters={**TEST_PARAMETERS, "MaxRows": "100000",
                                              "MaxUploadBytes": "104857600"})


def test_a_100000_row_file_full_of_errors_gets_validation_failed_with_a_link_to_its_report(big_harness: Harness):
    header = current_csv().rstrip("\r\n") + "\r\n"
    path = big_harness.write("everyone.csv", header + BAD_ROW * 100_000)

    (result,) = big_harness.upload(path)

    assert result.upload.state.value == "INVALID" and result.upload.counts["errors"] >= 200_000
    report_key = result.upload.report_key or ""
    s3 = big_harness.stack.client("s3")
    report_size = s3.head_object(Bucket=result.upload.bucket, Key=report_key)["ContentLength"]
    assert report_size > SES_RAW_MESSAGE_BYTES  # far too big to attach
    (raw,) = sent_emails(result.upload.upload_id)
    assert len(raw) < 100_000
    message = _message(raw)
    assert message["Subject"] == "Validation failed: everyone.csv"
    assert list(message.iter_attachments()) == []
    body = message.get_body().get_content()
    assert "The report, everyone-validation.csv, is too large to attach. Download it from this link" in body
    assert f"/{report_key}?" in body and "X-Amz-Signature=" in body
    assert f"roster validation {result.upload.upload_id}" in body


def _many_administrators(harness: Harness, count: int) -> list[str]:
    """RX1 gets `count` more administrators (the example's ADMIN is one already)."""
    admins = [f"deputy{n:02d}@example.nhs.net" for n in range(count)]
    load_into(harness.directory, DirectoryFile.model_validate({
        "organisations": [], "accounts": [], "admins": [{"email": a, "orgs": ["RX1"]} for a in admins]}), utc_now())
    return admins


def test_an_approval_needed_email_to_56_people_goes_as_two_messages_each_sent_once(tmp_path: Path):
    parameters = {**DEPLOYED_APPROVAL_PARAMETERS, "LeaverApprovalThreshold": "0"}
    for harness in _harness(tmp_path, parameters=parameters):
        deputies = _many_administrators(harness, 55)
        path = harness.write("leaver.csv", current_csv(",,,,,,,,,,,jane.doe@nhs.net,leaver"))

        (result,) = harness.upload(path)
        upload = result.upload
        assert upload.state.value == "AWAITING_APPROVAL"
        first = sent_emails(upload.upload_id)
        # The validate function runs again for the same file (a retried event): nothing is sent twice.
        harness.stack.lambdas.invoke(harness.stack.names["ValidateFunction"],
                                     _s3_event(upload.bucket, upload.key, upload.version_id))
        again = sent_emails(upload.upload_id)

    assert len(first) == 2 and again == first
    parts = [distinct_recipients([], raw.decode()) for raw in first]
    assert [len(p) for p in parts] == [SES_RECIPIENTS, 56 - SES_RECIPIENTS]
    assert sorted(a.lower() for p in parts for a in p) == sorted([ADMIN, *deputies])
    assert parts[0][0] == ADMIN  # the uploader, in the first
    subjects = {_message(raw)["Subject"] for raw in first}
    assert subjects == {"Approval needed: leaver.csv"}


def _s3_event(bucket: str, key: str, version_id: str | None) -> dict[str, Any]:
    return {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                         "eventTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                         "s3": {"bucket": {"name": bucket},
                                "object": {"key": key, **({"versionId": version_id} if version_id else {})}}}]}


def _organisations(harness: Harness, count: int) -> list[str]:
    codes = [f"Q{n:04d}" for n in range(count)]
    load_into(harness.directory, DirectoryFile.model_validate({
        "organisations": [{"ods": code, "name": f"Practice {code}", "domain": "nhs.net", "mailbox_max_gb": 4,
                           "units": []} for code in codes],
        "admins": [{"email": ADMIN, "orgs": ["RX1", "RY2", "Y0301", *codes]}], "accounts": []}), utc_now())
    return codes


def _people(codes: list[str]) -> str:
    return current_csv(*(f"Mr,Sam,Person{chr(97 + n // 26)}{chr(97 + n % 26)},,Porter,{code},,,,,,,"
                         for n, code in enumerate(codes)))


def test_an_upload_touching_101_organisations_is_refused_and_100_are_created_in_one_hold(harness: Harness):
    codes = _organisations(harness, 101)

    (refused,) = harness.upload(harness.write("too-many.csv", _people(codes)))
    (created,) = harness.upload(harness.write("just-enough.csv", _people(codes[:100])))

    assert refused.upload.state.value == "INVALID"
    report = (refused.folder / "validation.csv").read_text(encoding="utf-8")
    assert "This file touches 101 organisations" in report
    assert created.upload.state.value == "COMPLETED" and created.upload.counts["created"] == 100
