"""What an uploaded workbook must pass before any of it is parsed (docs/csv-format.md, "Excel
workbooks"): a real .xlsx container, no encryption, no macros, and a zip that unpacks to at most
100 times its size and 200 MB, in at most 1,000 parts.

The central directory's sizes are checked first, so an honest zip bomb is refused without
unpacking anything. A zip can lie about those sizes, so every part is then unpacked once here,
as a stream, and refused the moment it gives more than it declared: the parser that reads the
sheet afterwards only ever meets what was counted. The worksheet's cells are bounded too
(workbook_scan), since a parser lays a sheet out from its first to its last cell."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from roster.contract.findings import FileRejected

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the Compound File container: .xls, and encrypted Office files
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100
MAX_PARTS = 1000
_CHUNK = 1 << 20
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature; name and extra field lengths at offsets 26 and 28
SAVE_AS_XLSX = "In Excel use File > Save As > 'Excel Workbook (*.xlsx)', then upload that file."
MACROS = ("The file is a workbook with macros (.xlsm), which Roster does not accept: macros can run code when "
          "the file is opened. " + SAVE_AS_XLSX)
ENCRYPTED = ("The workbook is encrypted with a password, so Roster cannot read it. In Excel use File > Info > "
             "Protect Workbook > Encrypt with Password, delete the password, save, and upload the file again.")


def is_zip(raw: bytes) -> bool:
    """Whether the bytes start as a zip archive does (an .xlsx is one)."""
    return raw.startswith(ZIP_MAGIC)


def is_encrypted_office_file(raw: bytes) -> bool:
    """Whether the bytes are a password-encrypted Office file: a Compound File holding an
    EncryptedPackage stream (an encrypted .xlsx is not a zip at all)."""
    return raw.startswith(OLE_MAGIC) and _ENCRYPTED_PACKAGE in raw


def not_a_workbook(what: str) -> FileRejected:
    """The refusal of a zip or a part that is not a readable .xlsx workbook."""
    return FileRejected(f"The file is {what}, not an Excel workbook (.xlsx) or a CSV file. {SAVE_AS_XLSX}")


@dataclass(frozen=True)
class Container:
    """A workbook's zip once its central directory has passed: its parts by name."""

    archive: zipfile.ZipFile
    raw: bytes

    def part(self, name: str) -> bytes:
        """One part, unpacked within what it declared (the caller checked it exists)."""
        return b"".join(self.unpacked(self.archive.getinfo(name)))

    def unpacked(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """A part's bytes as they unpack, refused the moment they exceed its declared size."""
        start = info.header_offset
        if not 0 <= start <= len(self.raw) - _LOCAL_HEADER.size:
            raise not_a_workbook("a damaged zip archive")
        signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(self.raw, start)
        begin = start + _LOCAL_HEADER.size + name_length + extra_length
        if signature != ZIP_MAGIC or begin + info.compress_size > len(self.raw):
            raise not_a_workbook("a damaged zip archive")
        packed = memoryview(self.raw)[begin: begin + info.compress_size]
        produced, crc = 0, 0
        for piece in _inflate(packed, info):
            produced += len(piece)
            if produced > info.file_size:
                raise FileRejected(_LIED.format(name=info.filename, size=info.file_size))
            crc = zlib.crc32(piece, crc)
            yield piece
        if produced != info.file_size or crc != info.CRC:
            raise not_a_workbook("a damaged zip archive (a part does not match its checksum)")


_LIED = ("The workbook's part {name} unpacks to more than the {size:,} bytes it declares, as a zip bomb does; "
         "Roster refused it without reading it. " + SAVE_AS_XLSX)


def open_container(raw: bytes) -> Container:
    """The zip's central directory checked: a workbook's content types, no macros, no
    encryption, sizes within MAX_RATIO and MAX_UNPACKED_BYTES; FileRejected otherwise."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, NotImplementedError) as exc:
        # NotImplementedError: a damaged header claiming a zip version Python does not read.
        raise not_a_workbook("a damaged or incomplete zip archive") from exc
    names = [info.filename for info in infos]
    if len(infos) > MAX_PARTS:
        raise not_a_workbook(f"a zip archive of {len(infos):,} parts (a workbook has a few dozen)")
    if len(set(names)) != len(names):
        raise not_a_workbook("a zip archive that names one part twice")
    if "[Content_Types].xml" not in names:
        return _other_zip(names)
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise FileRejected(MACROS)
    if any(info.flag_bits & 0x1 for info in infos):
        raise FileRejected(ENCRYPTED)
    if any(info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for info in infos):
        raise not_a_workbook("a zip archive packed in a way Excel never uses")
    _check_sizes(sum(info.file_size for info in infos), len(raw))
    container = Container(archive, raw)
    _check_content_types(container.part("[Content_Types].xml"))
    return container


def _other_zip(names: list[str]) -> Container:
    if any(name.startswith("word/") for name in names):
        raise not_a_workbook("a Word document (.docx)")
    if "mimetype" in names:
        raise not_a_workbook("an OpenDocument file (.ods or .odt)")
    raise not_a_workbook("a zip archive")


def _check_sizes(unpacked: int, packed: int) -> None:
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileRejected(
            f"The workbook unpacks to {unpacked / 1048576:,.0f} MB, above the {MAX_UNPACKED_BYTES // 1048576} MB "
            "Roster reads; remove other sheets, pictures and formatting, or split the rows into several files.")
    if unpacked > MAX_RATIO * max(packed, 1):
        raise FileRejected(
            f"The workbook unpacks to {unpacked // max(packed, 1):,} times its size, above the {MAX_RATIO} times "
            "a real workbook reaches (a zip bomb does); Roster refused it without unpacking it. " + SAVE_AS_XLSX)


def _check_content_types(types: bytes) -> None:
    if _MACRO_MAIN.encode() in types:
        raise FileRejected(MACROS)
    if _SHEET_MAIN.encode() not in types:
        raise not_a_workbook("an Office file of another kind (an Excel template, binary workbook or add-in?)")


def verify_parts(container: Container, inspect: Callable[[str, Iterator[bytes]], None]) -> None:
    """Unpack every part once, refusing any that exceeds its declared size or holds a document
    type declaration (no Office part has one; entity expansion lives there). `inspect` is given
    each part's pieces as they unpack, and must consume them."""
    for info in container.archive.infolist():
        pieces = _without_doctype(info.filename, container.unpacked(info))
        inspect(info.filename, pieces)
        for _ in pieces:  # whatever inspect left unread is still checked
            pass


def _without_doctype(name: str, pieces: Iterator[bytes]) -> Iterator[bytes]:
    tail = b""
    for piece in pieces:
        if b"<!DOCTYPE" in tail + piece[:16] or b"<!DOCTYPE" in piece or b"<!ENTITY" in piece:
            raise not_a_workbook(f"an XML file with a document type declaration in {name}")
        tail = piece[-16:]
        yield piece


def _inflate(packed: memoryview, info: zipfile.ZipInfo) -> Iterator[bytes]:
    if info.compress_type == zipfile.ZIP_STORED:
        for start in range(0, len(packed), _CHUNK):
            yield bytes(packed[start: start + _CHUNK])
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    limit = info.file_size + 1  # one byte past what was declared is enough to know it lied
    try:
        for start in range(0, len(packed), _CHUNK):
            data = inflater.decompress(packed[start: start + _CHUNK], min(_CHUNK, limit))
            yield data
            while inflater.unconsumed_tail:
                data = inflater.decompress(inflater.unconsumed_tail, min(_CHUNK, limit))
                if not data:
                    break
                yield data
        yield inflater.flush()
    except zlib.error as exc:
        raise not_a_workbook("a damaged zip archive") from exc
    if not inflater.eof:
        raise not_a_workbook("a damaged or incomplete zip archive")
