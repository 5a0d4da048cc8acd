"""The upload bucket in memory: the UploadFiles port (roster.ports), as
adapters.file_store.FileStore keeps it on a versioned S3 bucket."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from roster.model.files import DownloadLink, UploadedObject

META_UPLOADER, META_VALIDATE_ONLY, META_FILE_NAME = "uploader", "validate-only", "file-name"


@dataclass
class StoredFile:
    body: bytes
    version_id: str
    metadata: dict[str, str] = field(default_factory=dict)


class FakeFiles:
    """UploadFiles: objects by key, every put a new version (the bucket is versioned);
    `upload` and `add` put a file as the presigned upload form would."""

    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # when links are signed

    def __init__(self, bucket: str = "roster-test-bucket") -> None:
        self.bucket = bucket
        self.objects: dict[str, StoredFile] = {}  # the latest version of each key
        self.versions: dict[tuple[str, str], StoredFile] = {}
        self.forms: list[dict[str, Any]] = []  # each presigned upload form, with its size limit and lifetime

    # -- test set-up: a file as the presigned form puts it ------------------------------------
    def add(self, key: str, body: bytes = b"Title\r\n", uploader: str = "admin@example.nhs.net",
            validate_only: bool = False, file_name: str | None = None, version_id: str | None = None) -> str:
        """Put an uploaded file with the metadata the form fixes; its version id (given, or the next)."""
        meta = {META_UPLOADER: uploader.lower(), META_VALIDATE_ONLY: str(validate_only).lower(),
                META_FILE_NAME: file_name or key.rsplit("/", 1)[-1]}
        return self._put(key, body, meta, version_id)

    def upload(self, uploader: str, file_name: str, body: bytes, validate_only: bool = False) -> str:
        """Upload a file under a new upload id, as the console does; its key."""
        key = f"uploads/{uploader.lower()}/{len(self.objects):04d}/{file_name}"
        self.add(key, body, uploader, validate_only, file_name)
        return key

    def put_bytes(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        """An object of these bytes (a report or results file written earlier)."""
        self._put(key, body)

    def text(self, key: str) -> str:
        return self.objects[key].body.decode("utf-8")

    # -- UploadFiles ---------------------------------------------------------------------------------
    def presigned_upload(self, uploader: str, file_name: str, validate_only: bool, max_bytes: int,
                         expires_in: int = 900, upload_id: str | None = None) -> dict[str, Any]:
        fields = {"key": f"uploads/{uploader.lower()}/{upload_id or len(self.forms)}/{file_name}",
                  f"x-amz-meta-{META_UPLOADER}": uploader.lower(),
                  f"x-amz-meta-{META_VALIDATE_ONLY}": str(validate_only).lower(),
                  f"x-amz-meta-{META_FILE_NAME}": file_name, "policy": "p", "x-amz-signature": "s"}
        form = {"url": f"https://{self.bucket}.s3.amazonaws.com/", "fields": fields}
        self.forms.append({**form, "max_bytes": max_bytes, "expires_in": expires_in})
        return form

    def describe(self, key: str, version_id: str | None) -> UploadedObject:
        stored = self._stored(key, version_id)
        meta = stored.metadata
        uploader = meta.get(META_UPLOADER) or (key.split("/")[1] if key.count("/") > 1 else "")
        return UploadedObject(bucket=self.bucket, key=key, version_id=version_id or stored.version_id,
                              uploader=uploader.lower(), validate_only=meta.get(META_VALIDATE_ONLY) == "true",
                              file_name=meta.get(META_FILE_NAME) or key.rsplit("/", 1)[-1], size=len(stored.body))

    def read(self, key: str, version_id: str | None = None, limit: int | None = None) -> bytes:
        body = self._stored(key, version_id).body
        return body if limit is None else body[: limit + 1]

    def put_text(self, key: str, text: str, content_type: str = "text/csv; charset=utf-8") -> None:
        self._put(key, text.encode("utf-8"))

    def put_json(self, key: str, value: Any) -> None:
        self._put(key, json.dumps(value, separators=(",", ":")).encode())

    def get_json(self, key: str) -> Any:
        return json.loads(self.read(key))

    def presigned_download(self, key: str, expires_in: int, file_name: str | None = None) -> DownloadLink:
        saved_as = f"&name={file_name}" if file_name else ""
        return DownloadLink(f"https://{self.bucket}.example/{key}?expires-in={expires_in}{saved_as}",
                            self.now + timedelta(seconds=expires_in))

    def _put(self, key: str, body: bytes, metadata: dict[str, str] | None = None,
             version_id: str | None = None) -> str:
        version_id = version_id or f"v{sum(1 for k, _ in self.versions if k == key) + 1}"
        stored = StoredFile(body, version_id, metadata or {})
        self.objects[key] = self.versions[(key, version_id)] = stored
        return version_id

    def _stored(self, key: str, version_id: str | None) -> StoredFile:
        """The object, or KeyError (S3's NoSuchKey / NoSuchVersion)."""
        return self.versions[(key, version_id)] if version_id else self.objects[key]
