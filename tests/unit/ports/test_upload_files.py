"""The UploadFiles port's contract, on the fake here and on the S3 adapter in
tests/integration/test_port_contracts.py (the same tests, other `files` and `upload` fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from roster.ports import UploadFiles
from tests.unit.fakes import FakeFiles

# Puts a file as the console's presigned form does: (key, body, uploader, validate_only) -> its version id.
Upload = Callable[[str, bytes, str, bool], str]


@pytest.fixture
def files() -> UploadFiles:
    return FakeFiles()


@pytest.fixture
def upload(files: FakeFiles) -> Upload:
    return lambda key, body, uploader, validate_only: files.add(key, body, uploader, validate_only)


def test_given_an_empty_object_when_read_with_a_limit_then_its_bytes_are_none(files: UploadFiles) -> None:
    files.put_text("uploads/admin@nhs.net/1/empty.csv", "")

    assert files.read("uploads/admin@nhs.net/1/empty.csv", None, limit=100) == b""


def test_given_an_object_when_read_with_a_limit_then_at_most_one_byte_more_comes_back(files: UploadFiles) -> None:
    files.put_text("uploads/admin@nhs.net/1/big.csv", "x" * 50)

    assert files.read("uploads/admin@nhs.net/1/big.csv", None, limit=10) == b"x" * 11
    assert files.read("uploads/admin@nhs.net/1/big.csv", None, limit=100) == b"x" * 50


def test_given_an_uploaded_file_then_it_is_described_by_its_form_fields(files: UploadFiles, upload: Upload) -> None:
    key = "uploads/ward.admin@nhs.net/0a1b/new starters.csv"
    version = upload(key, b"Title,First Name\r\n", "Ward.Admin@nhs.net", True)

    described = files.describe(key, None)

    assert (described.bucket, described.key, described.version_id) == (files.bucket, key, version)
    assert (described.uploader, described.validate_only, described.file_name, described.size) == (
        "ward.admin@nhs.net", True, "new starters.csv", 18)


def test_given_a_file_uploaded_again_under_its_key_then_each_version_is_read_and_described(
        files: UploadFiles, upload: Upload) -> None:
    key = "uploads/admin@nhs.net/0a1b/users.csv"
    first = upload(key, b"first", "admin@nhs.net", False)
    second = upload(key, b"second!", "admin@nhs.net", True)

    assert first != second
    assert files.read(key, first) == b"first" and files.read(key) == b"second!"
    assert files.read(key, first, limit=2) == b"fir"
    assert (files.describe(key, first).version_id, files.describe(key, first).validate_only) == (first, False)
    assert (files.describe(key, None).version_id, files.describe(key, None).size) == (second, 7)


def test_given_text_and_json_when_stored_then_they_are_read_back(files: UploadFiles) -> None:
    files.put_text("reports/job-1/validation.csv", "Line,Message\r\nZoë\r\n")
    files.put_json("batches/job-1/batches.json", [{"batch_no": 1, "lines": [2, 3]}])

    assert files.read("reports/job-1/validation.csv").decode("utf-8") == "Line,Message\r\nZoë\r\n"
    assert files.get_json("batches/job-1/batches.json") == [{"batch_no": 1, "lines": [2, 3]}]


def test_given_a_presigned_upload_then_its_form_fixes_the_key_the_uploader_and_the_choice(
        files: UploadFiles) -> None:
    form = files.presigned_upload("Admin@NHS.net", "staff.csv", True, 5_242_880, upload_id="0a1b")

    fields = form["fields"]
    assert fields["key"] == "uploads/admin@nhs.net/0a1b/staff.csv"
    assert (fields["x-amz-meta-uploader"], fields["x-amz-meta-validate-only"], fields["x-amz-meta-file-name"]) == (
        "admin@nhs.net", "true", "staff.csv")
    assert files.bucket in form["url"] and fields["policy"]


def test_given_a_results_file_then_its_link_names_it_and_says_when_it_stops_working(files: FakeFiles) -> None:
    files.put_text("results/job-1/users-results.csv", "Title,Result\r\n")

    link = files.presigned_download("results/job-1/users-results.csv", 3600)

    assert "results/job-1/users-results.csv" in link.url and files.bucket in link.url
    assert link.expires_at == FakeFiles.now + timedelta(seconds=3600)  # the adapters' clocks read FakeFiles.now
