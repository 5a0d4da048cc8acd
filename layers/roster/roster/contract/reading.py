"""Turning uploaded bytes into text and the text into records (docs/csv-format.md#files).

Only UTF-8 (with or without a byte-order mark) and Windows-1252 are read. Anything else
is refused as a whole with one message that says what the file looks like and how to
save it properly from Excel."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import NamedTuple

from roster.contract.findings import FileRejected

SAVE_AS_CSV = (
    "Open it in Excel and use File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)', then upload that file."
)

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

# Leading bytes of file types that administrators upload by mistake.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (.xls) or another Office document"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"{\\rtf", "a Rich Text (RTF) document"),
)
_MARKUP_STARTS = ("<?xml", "<html", "<!doctype", "<table")

# C0 and C1 control characters other than tab, line feed and carriage return: never in a
# CSV that a spreadsheet or a text editor wrote, always in binary files.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class Record(NamedTuple):
    """One CSV record: `line` is the physical line where it starts (header = 1), `cells` as
    written (untrimmed). `problem`, when set, says why the record could not be read; its
    cells are then empty."""

    line: int
    cells: list[str]
    problem: str | None = None
    # A workbook's cells that read but cannot be taken as text (a date, a formula, a merged cell):
    # (index in cells, what to do), reported on the cell (docs/csv-format.md, "Excel workbooks").
    cell_problems: tuple[tuple[int, str], ...] = ()


def decode_upload(raw: bytes, max_bytes: int, size: int | None = None) -> str:
    """The text of an uploaded file, or FileRejected saying why it cannot be read as CSV.

    `size` is the stored object's whole size when `raw` may be only its first bytes (a file
    over the limit is read no further than the limit): a refusal then states the real size."""
    check_upload_size(len(raw) if size is None else size, max_bytes)
    if raw.startswith(_UTF16_BOMS):
        raise _utf16()
    looks_like = _file_type(raw)
    if looks_like:
        raise FileRejected(f"The file looks like {looks_like}, not a CSV text file. {SAVE_AS_CSV}")
    nul = raw.find(b"\x00")
    if nul >= 0:
        if _mostly_alternating_nuls(raw):
            raise _utf16()
        raise _binary(f"a NUL byte on line {_line_of(raw, nul)}")
    body = raw[len(_UTF8_BOM) :] if raw.startswith(_UTF8_BOM) else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_windows_1252(body)
    if text[:16].lstrip().lower().startswith(_MARKUP_STARTS):
        raise FileRejected(f"The file looks like a web page or an XML document, not a CSV text file. {SAVE_AS_CSV}")
    control = _CONTROL.search(text)
    if control:
        code = ord(control.group())
        line = text.count("\n", 0, control.start()) + 1
        raise _binary(f"the control character U+{code:04X} on line {line}")
    return text


def check_upload_size(size: int, max_bytes: int) -> None:
    """FileRejected when a file of `size` bytes is over the upload limit."""
    if size > max_bytes:
        shown, limit = _size_versus_limit(size, max_bytes)
        raise FileRejected(
            f"The file is {shown}, above the {limit} allowed for one upload. "
            "Split it into smaller files and upload each one."
        )


def read_records(text: str) -> Iterator[Record]:
    """The records of CSV text (RFC 4180 quoting, CRLF or LF), each with its starting line.

    Never raises: a record that cannot be read (a quote that is never closed, text after a
    closing quote) is yielded with `problem` set and reading goes on where it can."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            for cells in reader:
                yield Record(start, cells)
                start = reader.line_num + 1
            return
        except csv.Error as exc:
            reason = str(exc)
            if "field larger than field limit" in reason:
                yield Record(start, [], _CELL_TOO_LONG.format(line=start, limit=csv.field_size_limit()))
                return  # what follows would be read inside out
            if "unexpected end of data" in reason:
                yield Record(start, [], _UNCLOSED_QUOTE.format(line=start, last=reader.line_num))
                return
            yield Record(start, [], _TEXT_AFTER_QUOTE)
            start = reader.line_num + 1


_UNCLOSED_QUOTE = (
    "A double quote (\") opens a cell on line {line} and is never closed, so lines {line} to {last} "
    "were read as one cell; close the quote, or remove it if the cell does not need quoting."
)
_CELL_TOO_LONG = (
    "A cell starting on line {line} is longer than {limit:,} characters, so the rest of the file cannot be read. "
    "This usually means a double quote (\") opens a cell and is never closed: close the quote, or remove it."
)
_TEXT_AFTER_QUOTE = (
    "A quoted cell in this row has text after its closing double quote; put the whole cell in quotes "
    "and write a double quote inside a cell as two double quotes (\"\")."
)


def _decode_windows_1252(body: bytes) -> str:
    try:
        return body.decode("cp1252")
    except UnicodeDecodeError as exc:
        # 0x81, 0x8D, 0x8F, 0x90 and 0x9D mean nothing in Windows-1252: such a file was
        # written in some other encoding, and guessing would corrupt names silently.
        byte = body[exc.start]
        line = _line_of(body, exc.start)
        raise FileRejected(
            f"The file is neither UTF-8 nor Windows-1252 text: byte 0x{byte:02X} on line {line} is not a "
            f"character in either, so it was probably saved in another encoding. {SAVE_AS_CSV}"
        ) from None


def _file_type(raw: bytes) -> str | None:
    if raw.startswith(b"PK\x03\x04"):
        # Office files are zip archives; their member names tell which application wrote them.
        if b"xl/" in raw:
            return "an Excel workbook (.xlsx)"
        if b"word/" in raw:
            return "a Word document (.docx)"
        return "a zip archive"
    for signature, description in _SIGNATURES:
        if raw.startswith(signature):
            return description
    return None


def _mostly_alternating_nuls(raw: bytes) -> bool:
    # UTF-16 without a byte-order mark: ASCII text has a NUL in every other byte.
    sample = raw[:4096]
    half = len(sample) // 2
    return half > 0 and max(sample[0::2].count(0), sample[1::2].count(0)) >= half * 0.6


def _utf16() -> FileRejected:
    return FileRejected(
        "The file is saved as UTF-16 ('Unicode Text'), which Roster cannot read. " + SAVE_AS_CSV
    )


def _binary(what: str) -> FileRejected:
    return FileRejected(f"The file holds binary data ({what}), so it is not a CSV text file. {SAVE_AS_CSV}")


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def _size_versus_limit(size: int, limit: int) -> tuple[str, str]:
    shown, allowed = _size(size), _size(limit)
    if shown == allowed:  # just over the limit: rounding would hide the difference
        return f"{size:,} bytes", f"{limit:,} bytes"
    return shown, allowed


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n / 1024:.1f} KB".replace(".0 KB", " KB")
    return f"{n:,} bytes"
