"""A workbook's container is checked before anything in it is parsed (docs/csv-format.md, "Excel
workbooks"): zip bombs, honest or lying, encrypted workbooks, macros and other zips."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roster.contract.findings import FileRejected
from roster.contract.upload_file import read_upload
from roster.contract.workbook_safety import ENCRYPTED, MACROS, MAX_PARTS, open_container, verify_parts
from tests.workbooks import Sheet, one_sheet, workbook_bytes

LIMIT = 50 * 1024 * 1024
GOOD_ROWS = [["First Name", "Last Name"], ["Jane", "Doe"]]


def refusal(raw: bytes) -> str:
    with pytest.raises(FileRejected) as caught:
        list(read_upload(raw, LIMIT))
    return caught.value.message


def with_part(raw: bytes, name: str, body: bytes) -> bytes:
    """The workbook with one more part (deflated)."""
    buffer = io.BytesIO(raw)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, body)
    return buffer.getvalue()


def lying_about_size(raw: bytes, name: str) -> bytes:
    """The workbook with `name`'s declared size (and checksum) cut to its first 100 bytes in both
    headers, while its deflated data still unpacks to the whole part: a zip bomb that lies."""
    archive = zipfile.ZipFile(io.BytesIO(raw))
    info = archive.getinfo(name)
    prefix = archive.read(name)[:100]
    data = bytearray(raw)
    crc, size = zlib.crc32(prefix), len(prefix)
    struct.pack_into("<II", data, info.header_offset + 14, crc, info.compress_size)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46: central + 46 + name_length]).decode() == name:
            struct.pack_into("<I", data, central + 16, crc)
            struct.pack_into("<I", data, central + 24, size)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def test_a_plain_workbook_passes():
    assert [r.cells for r in read_upload(one_sheet(GOOD_ROWS), LIMIT)] == GOOD_ROWS


def test_a_zip_bomb_is_refused_from_its_central_directory_alone():
    # 20 MB of zeros packs into some 20 KB: a thousand times its size.
    bomb = with_part(one_sheet(GOOD_ROWS), "xl/media/zeros.bin", b"\0" * (20 * 1024 * 1024))
    message = refusal(bomb)
    assert "times its size" in message and "zip bomb" in message


def test_a_workbook_over_200_mb_unpacked_is_refused_even_at_a_modest_ratio():
    # 3 MB that do not compress, and a part declared at 250 MB in the central directory: 80 times
    # the file's size, but over 200 MB. Refused from the directory alone, nothing unpacked.
    raw = with_part(one_sheet(GOOD_ROWS), "xl/media/photo.jpg", os.urandom(3 * 1024 * 1024))
    data = bytearray(raw)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 250 * 1024 * 1024)
    assert "MB, above the 200 MB Roster reads" in refusal(bytes(data))


def test_a_part_that_unpacks_to_more_than_it_declares_is_refused_before_it_is_read_whole():
    rows = [GOOD_ROWS[0], *([["Jane", "Doe"]] * 5000)]
    liar = lying_about_size(one_sheet(rows), "xl/worksheets/sheet1.xml")
    message = refusal(liar)
    assert "unpacks to more than the 100 bytes it declares" in message


def test_an_encrypted_workbook_is_refused_with_how_to_remove_the_password():
    # What Excel saves when a workbook is encrypted: a Compound File holding an EncryptedPackage stream.
    encrypted = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 200 + "EncryptedPackage".encode("utf-16-le")
                 + b"\0" * 300)
    assert refusal(encrypted) == ENCRYPTED


def test_a_zip_whose_parts_are_encrypted_is_refused():
    raw = bytearray(one_sheet(GOOD_ROWS))
    central = raw.find(b"PK\x01\x02")
    struct.pack_into("<H", raw, central + 8, struct.unpack_from("<H", raw, central + 8)[0] | 1)
    assert refusal(bytes(raw)) == ENCRYPTED


def test_a_macro_workbook_is_refused_by_its_content_whatever_its_name():
    xlsm = workbook_bytes([Sheet("Users", GOOD_ROWS)], macros=True)
    assert refusal(xlsm) == MACROS


def test_a_macro_project_in_a_workbook_that_claims_to_be_plain_is_refused():
    sneaky = with_part(one_sheet(GOOD_ROWS), "xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert refusal(sneaky) == MACROS


@pytest.mark.parametrize("parts, described", [
    ({"word/document.xml": "<w/>", "[Content_Types].xml": "<Types/>"}, None),
    ({"word/document.xml": "<w/>"}, "a Word document (.docx)"),
    ({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}, "an OpenDocument file"),
    ({"notes.txt": "hello"}, "a zip archive, not an Excel workbook"),
])
def test_any_other_zip_is_refused_as_what_it_is(parts, described):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    message = refusal(buffer.getvalue())
    assert "not an Excel workbook (.xlsx)" in message
    if described:
        assert described in message


def test_a_truncated_workbook_is_refused_as_damaged():
    assert "damaged" in refusal(one_sheet(GOOD_ROWS)[:-40])


def test_a_zip_of_too_many_parts_is_refused():
    raw = one_sheet(GOOD_ROWS)
    buffer = io.BytesIO(raw)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_STORED) as archive:
        for n in range(MAX_PARTS):
            archive.writestr(f"xl/media/{n}.txt", b"")
    assert f"{MAX_PARTS + len(zipfile.ZipFile(io.BytesIO(raw)).namelist()):,} parts" in refusal(buffer.getvalue())


def test_a_part_with_a_document_type_declaration_is_refused():
    # Entity expansion ("billion laughs") lives in a DTD; no Office part has one.
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><lolz>&lol;</lolz>'
    assert "document type declaration" in refusal(with_part(one_sheet(GOOD_ROWS), "xl/custom.xml", laughs))


def test_verify_parts_hands_each_part_over_as_it_unpacks():
    container = open_container(one_sheet(GOOD_ROWS))
    seen: dict[str, int] = {}
    verify_parts(container, lambda name, pieces: seen.__setitem__(name, sum(len(p) for p in pieces)))
    assert seen == {info.filename: info.file_size for info in container.archive.infolist()}


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_damaged_zip_is_read_or_refused_as_a_whole_never_a_crash(data):
    raw = bytearray(one_sheet(GOOD_ROWS + [["Ann", 447912345678]], merged=["A2:B2"]))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    try:
        found = list(read_upload(bytes(raw), LIMIT))
    except FileRejected as refused:
        assert refused.message
        return
    assert all(isinstance(cell, str) for record in found for cell in record.cells)


def test_a_part_said_to_start_past_the_end_of_the_file_is_refused_as_damaged():
    raw = bytearray(one_sheet(GOOD_ROWS))
    central = raw.find(b"PK\x01\x02")
    struct.pack_into("<I", raw, central + 42, len(raw) + 10)  # the first part's local header offset
    assert "damaged" in refusal(bytes(raw))
