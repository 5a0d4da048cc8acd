"""Decoding uploads and reading records with their physical line numbers (docs/csv-format.md#files)."""

from __future__ import annotations

import io
import zipfile

import pytest

from roster.contract.findings import FileRejected
from roster.contract.reading import Record, decode_upload, read_records

LIMIT = 5 * 1024 * 1024


def rejection(raw: bytes, limit: int = LIMIT) -> str:
    with pytest.raises(FileRejected) as caught:
        decode_upload(raw, limit)
    return caught.value.message


# --- decode_upload -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"Title,First Name\r\nDr,Zo\xc3\xab\r\n", "Title,First Name\r\nDr,Zoë\r\n"),
        (b"\xef\xbb\xbfTitle\nMr\n", "Title\nMr\n"),  # UTF-8 byte-order mark dropped
        (b"Name\nZo\xeb O\x92Brien\n", "Name\nZoë O’Brien\n"),  # Windows-1252 (Excel's default)
        (b"Name\n\x80100 \x93quoted\x94\n", "Name\n€100 “quoted”\n"),
        (b"", ""),
        (b"a\tb\n", "a\tb\n"),  # tab is text
    ],
)
def test_decodes_utf8_with_or_without_bom_and_windows_1252(raw: bytes, text: str) -> None:
    assert decode_upload(raw, LIMIT) == text


def test_a_file_over_the_size_limit_is_refused_naming_size_and_limit() -> None:
    message = rejection(b"x" * (6 * 1024 * 1024), limit=LIMIT)
    assert "6 MB" in message and "5 MB" in message and "Split it" in message


def test_a_file_just_over_the_limit_shows_exact_bytes() -> None:
    message = rejection(b"x" * (LIMIT + 1), limit=LIMIT)
    assert "5,242,881 bytes" in message and "5,242,880 bytes" in message


def test_a_file_at_the_limit_is_read() -> None:
    assert decode_upload(b"x" * 1000, 1000) == "x" * 1000


def _xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("users.csv", "Title\n")
    return out.getvalue()


@pytest.mark.parametrize(
    ("raw", "looks_like"),
    [
        ("Title,Name\r\n".encode("utf-16"), "UTF-16"),  # with a byte-order mark
        ("Title,Name\r\nMr,Smith\r\n".encode("utf-16-le"), "UTF-16"),  # without one
        ("Title\r\n".encode("utf-16-be"), "UTF-16"),
        (_xlsx(), "Excel workbook (.xlsx)"),
        (_zip(), "zip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003 workbook"),
        (b"%PDF-1.7\n...", "PDF document"),
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (b"Title\nMr\x00Smith\n", "NUL byte on line 2"),
        (b"Title\nMr\x01Smith\n", "control character U+0001 on line 2"),
        (b"Title\n\nDr\x1b\n", "control character U+001B on line 3"),
        ("Title\nMr\u0085\n".encode(), "control character U+0085 on line 2"),
        (b'<?xml version="1.0"?><Workbook/>', "web page or an XML document"),
        (b"<html><table></table></html>", "web page or an XML document"),
    ],
)
def test_files_that_are_not_csv_text_are_refused_with_one_clear_message(raw: bytes, looks_like: str) -> None:
    message = rejection(raw)
    assert looks_like in message
    assert "CSV UTF-8 (Comma delimited)" in message


@pytest.mark.parametrize("byte", [0x81, 0x8D, 0x8F, 0x90, 0x9D])
def test_bytes_undefined_in_windows_1252_are_refused_as_another_encoding(byte: int) -> None:
    # Not valid UTF-8 either (a lone continuation byte): the file is in some other encoding.
    message = rejection(b"Title\nMr\nDr " + bytes([byte]) + b"\n")
    assert f"byte 0x{byte:02X} on line 3" in message
    assert "neither UTF-8 nor Windows-1252" in message


def test_valid_utf8_is_never_read_as_windows_1252() -> None:
    assert decode_upload("Łukasz,Żółć".encode(), LIMIT) == "Łukasz,Żółć"


# --- read_records --------------------------------------------------------------------------

def records(text: str) -> list[Record]:
    return list(read_records(text))


def test_lf_and_crlf_records_start_on_their_physical_lines() -> None:
    for newline in ("\n", "\r\n"):
        text = newline.join(["h1,h2", "a,b", "c,d", ""])
        assert records(text) == [Record(1, ["h1", "h2"]), Record(2, ["a", "b"]), Record(3, ["c", "d"])]


def test_line_breaks_inside_quoted_cells_move_later_records_down() -> None:
    text = 'h1,h2\r\n"multi\r\nline\r\ncell",x\r\nnext,row\r\n"a\nb","c\r\nd"\nlast,one\n'
    assert records(text) == [
        Record(1, ["h1", "h2"]),
        Record(2, ["multi\r\nline\r\ncell", "x"]),
        Record(5, ["next", "row"]),
        Record(6, ["a\nb", "c\r\nd"]),
        Record(9, ["last", "one"]),
    ]


def test_quoted_cells_keep_commas_and_doubled_quotes_and_cells_are_not_trimmed() -> None:
    assert records('"Smith, Jr","say ""hi""",x\n') == [
        Record(1, ["Smith, Jr", 'say "hi"', "x"])
    ]
    assert records(" a , b \n") == [Record(1, [" a ", " b "])]


def test_blank_lines_are_empty_records_on_their_own_lines() -> None:
    assert records("h\n\n,,\nx") == [Record(1, ["h"]), Record(2, []), Record(3, ["", "", ""]), Record(4, ["x"])]


def test_an_unterminated_quote_becomes_a_problem_record_not_an_exception() -> None:
    result = records('h1,h2\na,b\n"never closed,x\nmore,rows\n')
    assert result[:2] == [Record(1, ["h1", "h2"]), Record(2, ["a", "b"])]
    assert result[2].line == 3 and result[2].cells == []
    assert "never closed" in result[2].problem and "lines 3 to 4" in result[2].problem
    assert len(result) == 3


def test_text_after_a_closing_quote_is_a_problem_and_reading_goes_on() -> None:
    result = records('h\n"Smith" Jr,x\nnext,row\n')
    assert result[1].line == 2 and result[1].problem is not None and "closing double quote" in result[1].problem
    assert result[2] == Record(3, ["next", "row"])


def test_an_unterminated_quote_in_a_huge_file_stops_reading_with_one_problem() -> None:
    text = 'h\n"open\n' + "filler line\n" * 30_000
    result = records(text)
    assert len(result) == 2
    assert result[1].line == 2 and result[1].problem is not None


def test_a_quote_inside_an_unquoted_cell_is_kept_as_written() -> None:
    assert records('O"Brien,x\n') == [Record(1, ['O"Brien', "x"])]
