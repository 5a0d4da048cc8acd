"""Which reader an upload gets (docs/csv-format.md): a workbook by its content, whatever its
name; a CSV as before; an encrypted Office file refused with how to remove the password."""

from __future__ import annotations

import pytest

from roster.contract.findings import FileRejected
from roster.contract.upload_file import is_workbook, read_upload
from roster.contract.workbook_safety import ENCRYPTED
from tests.workbooks import one_sheet

LIMIT = 1 << 20


def test_a_workbook_named_csv_is_read_as_the_workbook_it_is():
    raw = one_sheet([["First Name"], [447912345678]])
    assert is_workbook(raw)
    assert [r.cells for r in read_upload(raw, LIMIT)] == [["First Name"], ["447912345678"]]


def test_a_csv_is_read_as_before():
    raw = b"First Name,Last Name\r\nJane,Doe\r\n"
    assert not is_workbook(raw)
    assert [r.cells for r in read_upload(raw, LIMIT)] == [["First Name", "Last Name"], ["Jane", "Doe"]]


def test_an_encrypted_office_file_is_refused_as_encrypted_not_as_binary():
    raw = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 64
    with pytest.raises(FileRejected) as caught:
        read_upload(raw, LIMIT)
    assert caught.value.message == ENCRYPTED


def test_an_excel_97_workbook_is_still_refused_as_one():
    raw = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    with pytest.raises(FileRejected, match="Excel 97-2003 workbook"):
        list(read_upload(raw, LIMIT))


def test_an_oversized_workbook_is_refused_on_its_stored_size_when_only_its_start_was_read():
    raw = one_sheet([["First Name"], ["Ann"]])
    with pytest.raises(FileRejected, match="above the"):
        read_upload(raw[:100], LIMIT, size=LIMIT + 1)
