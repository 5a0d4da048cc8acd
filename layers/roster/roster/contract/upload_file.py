"""An uploaded file's records, whatever it is (docs/csv-format.md): an Excel workbook, told by
its content and never by its name, is read by contract.workbook; anything else is read as CSV
text by contract.reading, which refuses every other kind of file."""

from __future__ import annotations

from collections.abc import Iterator

from roster.contract.findings import FileRejected
from roster.contract.reading import Record, decode_upload, read_records
from roster.contract.workbook import read_workbook
from roster.contract.workbook_safety import ENCRYPTED, is_encrypted_office_file, is_zip


def is_workbook(raw: bytes) -> bool:
    """Whether an upload is read as a workbook (a zip; one that is no workbook is refused)."""
    return is_zip(raw)


def read_upload(raw: bytes, max_bytes: int, size: int | None = None) -> Iterator[Record]:
    """The records of an uploaded file, header first, or FileRejected for the file as a whole.
    `size` is the stored object's size when `raw` may be only its first bytes."""
    if is_workbook(raw):
        return read_workbook(raw, max_bytes, size)
    if is_encrypted_office_file(raw):
        raise FileRejected(ENCRYPTED)
    return read_records(decode_upload(raw, max_bytes, size))
