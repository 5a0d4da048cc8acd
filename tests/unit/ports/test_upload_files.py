"""The UploadFiles port's contract, on the fake here and on the S3 adapter in
tests/integration/test_port_contracts.py (the same tests, another `files` fixture)."""

from __future__ import annotations

import pytest

from roster.ports import UploadFiles
from tests.unit.fakes import FakeFiles


@pytest.fixture
def files() -> UploadFiles:
    return FakeFiles()


def test_given_an_empty_object_when_read_with_a_limit_then_its_bytes_are_none(files: UploadFiles) -> None:
    files.put_text("uploads/admin@nhs.net/1/empty.csv", "")

    assert files.read("uploads/admin@nhs.net/1/empty.csv", None, limit=100) == b""


def test_given_an_object_when_read_with_a_limit_then_at_most_one_byte_more_comes_back(files: UploadFiles) -> None:
    files.put_text("uploads/admin@nhs.net/1/big.csv", "x" * 50)

    assert files.read("uploads/admin@nhs.net/1/big.csv", None, limit=10) == b"x" * 11
    assert files.read("uploads/admin@nhs.net/1/big.csv", None, limit=100) == b"x" * 50
