"""The files the API hands out (its `.csv` routes), inline or through a presigned link
(docs/console.md and docs/deploy.md, "Service limits").

Lambda returns at most 6 MB to API Gateway, and the CSV travels inside the function's JSON
answer, where escaping can make it up to six times longer (a line break is four characters,
a non-ASCII letter six). So a file of at most 1,000,000 bytes is answered inline (200), and a
bigger one with `303 See Other` whose `Location` is a presigned GET of the file that works for
15 minutes, saved under the same name. The command line and the console follow it. A stored
file (a validation report, a plan, results) is linked where it is; a file the API makes (the
organisation report) is stored first, under `downloads/`, which the bucket keeps for a day."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from roster.model.files import DownloadLink

INLINE_BYTES = 1_000_000  # the biggest file answered inline
HEAD_BYTES = 256 * 1024  # enough of a validation report for its first findings
LINK_SECONDS = 900  # a redirect's presigned Location works for 15 minutes
DOWNLOAD_PREFIX = "downloads/"


@dataclass(frozen=True)
class CsvDownload:
    """A CSV file the API hands out, with the name to save it under: its text, or where to get it."""

    file_name: str
    text: str = ""
    location: str | None = None  # a presigned GET, answered as 303 See Other


@dataclass(frozen=True)
class WorkbookDownload:
    """A workbook the API hands out (the results of a workbook upload, the sample), with its name:
    its bytes, or where to get it."""

    file_name: str
    body: bytes = b""
    location: str | None = None  # a presigned GET, answered as 303 See Other


class DownloadFiles(Protocol):
    """What handing out a file needs from the upload bucket (roster.adapters.file_store)."""

    def read(self, key: str, version_id: str | None = None, limit: int | None = None) -> bytes: ...

    def put_text(self, key: str, text: str, content_type: str = "text/csv; charset=utf-8") -> None: ...

    def presigned_download(self, key: str, expires_in: int, file_name: str | None = None) -> DownloadLink: ...


def stored_download(files: DownloadFiles, file_name: str, key: str) -> CsvDownload:
    """A stored file: inline when small, else a link to it (never read whole)."""
    head = files.read(key, limit=INLINE_BYTES)
    if len(head) <= INLINE_BYTES:
        return CsvDownload(file_name, head.decode("utf-8"))
    return CsvDownload(file_name, location=files.presigned_download(key, LINK_SECONDS, file_name).url)


def stored_workbook(files: DownloadFiles, file_name: str, key: str) -> WorkbookDownload:
    """A stored workbook: inline when small (API Gateway sends it base64, a third bigger), else a link."""
    head = files.read(key, limit=INLINE_BYTES)
    if len(head) <= INLINE_BYTES:
        return WorkbookDownload(file_name, head)
    return WorkbookDownload(file_name, location=files.presigned_download(key, LINK_SECONDS, file_name).url)


def made_download(files: DownloadFiles, file_name: str, text: str) -> CsvDownload:
    """A file made for this request: inline when small, else stored under downloads/ and linked."""
    if len(text.encode("utf-8")) <= INLINE_BYTES:
        return CsvDownload(file_name, text)
    key = f"{DOWNLOAD_PREFIX}{uuid.uuid4().hex}/{file_name}"
    files.put_text(key, text)
    return CsvDownload(file_name, location=files.presigned_download(key, LINK_SECONDS, file_name).url)


def report_head(files: DownloadFiles, key: str) -> str:
    """The first whole lines of a stored report, at most HEAD_BYTES of them: an upload's status,
    asked every few seconds while it runs, never reads a report of 100,000 errors whole."""
    head = files.read(key, limit=HEAD_BYTES)
    if len(head) > HEAD_BYTES:
        head = head[:head.rfind(b"\n", 0, HEAD_BYTES) + 1]
    return head.decode("utf-8")
