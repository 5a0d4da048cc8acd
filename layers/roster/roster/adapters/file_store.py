"""The upload bucket: presigned uploads, the uploaded files, reports, batches and results.

Object layout: uploads/<admin>/<upload id>/<file> (starts validate), reports/<upload>/,
batches/<upload>/, results/<upload>/."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.credentials import RefreshableCredentials
from botocore.exceptions import ClientError

from roster.model.files import DownloadLink, UploadedObject

UPLOAD_PREFIX = "uploads/"
META_UPLOADER = "uploader"
META_VALIDATE_ONLY = "validate-only"
META_FILE_NAME = "file-name"


class FileStore:
    """S3 access for one bucket: the UploadFiles port, and presigned uploads for the console."""

    def __init__(self, s3: Any, bucket: str, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.clock = clock

    def presigned_upload(self, uploader: str, file_name: str, validate_only: bool, max_bytes: int,
                         expires_in: int = 900, upload_id: str | None = None) -> dict[str, Any]:
        """A presigned POST whose conditions fix the key (with the upload's id), the uploader, the
        validate-only choice and the size limit."""
        key = f"{UPLOAD_PREFIX}{uploader.lower()}/{upload_id or uuid.uuid4().hex}/{file_name}"
        fields = {
            f"x-amz-meta-{META_UPLOADER}": uploader.lower(),
            f"x-amz-meta-{META_VALIDATE_ONLY}": "true" if validate_only else "false",
            f"x-amz-meta-{META_FILE_NAME}": file_name,
        }
        conditions: list[Any] = [{name: value} for name, value in fields.items()]
        conditions.append(["content-length-range", 1, max_bytes])
        post: dict[str, Any] = self.s3.generate_presigned_post(self.bucket, key, Fields=fields,
                                                               Conditions=conditions, ExpiresIn=expires_in)
        return post

    def form_url(self) -> str:
        """Where this bucket's presigned forms post to, as boto3 builds them (signed here, sent nowhere):
        the console's Content-Security-Policy must allow it."""
        return str(self.s3.generate_presigned_post(self.bucket, UPLOAD_PREFIX)["url"])

    def describe(self, key: str, version_id: str | None) -> UploadedObject:
        """The uploaded object's metadata (who uploaded it, validate-only or not)."""
        kwargs = {"Bucket": self.bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
        head = self.s3.head_object(**kwargs)
        meta = {k.lower(): v for k, v in head.get("Metadata", {}).items()}
        uploader = meta.get(META_UPLOADER) or _uploader_from_key(key)
        return UploadedObject(
            bucket=self.bucket,
            key=key,
            version_id=version_id or head.get("VersionId"),
            uploader=uploader.lower(),
            validate_only=meta.get(META_VALIDATE_ONLY, "false").lower() == "true",
            file_name=meta.get(META_FILE_NAME) or key.rsplit("/", 1)[-1],
            size=int(head.get("ContentLength", 0)),
        )

    def read(self, key: str, version_id: str | None = None, limit: int | None = None) -> bytes:
        """The object's bytes; with `limit`, at most limit + 1 bytes (enough to know it is too big)."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        if limit is not None:
            kwargs["Range"] = f"bytes=0-{limit}"
        try:
            body: bytes = self.s3.get_object(**kwargs)["Body"].read()
        except ClientError as exc:
            # S3 refuses any range of an empty object (416 InvalidRange): its bytes are none.
            if limit is not None and _is_empty_object_range(exc):
                return b""
            raise
        return body

    def put_text(self, key: str, text: str, content_type: str = "text/csv; charset=utf-8") -> None:
        """Store a text object (UTF-8)."""
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type)

    def put_bytes(self, key: str, body: bytes, content_type: str) -> None:
        """Store an object as given (a workbook)."""
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)


    def put_upload(self, key: str, text: str, *, uploader: str, validate_only: bool, file_name: str) -> None:
        """An upload's file, with the metadata a presigned form sets (an undo upload's, roster.api.undo)."""
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=text.encode("utf-8"), ContentType="text/csv",
                           Metadata={META_UPLOADER: uploader.lower(), META_FILE_NAME: file_name,
                                     META_VALIDATE_ONLY: "true" if validate_only else "false"})

    def put_json(self, key: str, value: Any) -> None:
        """Store a value as a JSON object."""
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(value, separators=(",", ":")).encode(),
                           ContentType="application/json")

    def get_json(self, key: str) -> Any:
        """A JSON object's value."""
        return json.loads(self.read(key))

    def presigned_download(self, key: str, expires_in: int, file_name: str | None = None) -> DownloadLink:
        """A link to an object (a file too big to attach or to answer inline); with `file_name`, the
        download is saved under that name, as CSV. A presigned URL dies with the credentials that
        signed it, so it is made to last no longer than they do."""
        now = self.clock().replace(microsecond=0)
        lifetime = link_lifetime(expires_in, signing_credentials_expiry(self.s3), now)
        params = {"Bucket": self.bucket, "Key": key}
        if file_name is not None:
            params |= {"ResponseContentDisposition": f'attachment; filename="{file_name}"',
                       "ResponseContentType": "text/csv; charset=utf-8"}
        url: str = self.s3.generate_presigned_url("get_object", Params=params, ExpiresIn=lifetime)
        return DownloadLink(url, now + timedelta(seconds=lifetime))


def link_lifetime(requested_seconds: int, credentials_expiry: datetime | None, now: datetime) -> int:
    """Seconds a presigned link can work: as requested, but no longer than its signing credentials."""
    if credentials_expiry is None:
        return requested_seconds
    remaining = int((credentials_expiry - now).total_seconds())
    return max(1, min(requested_seconds, remaining))


def signing_credentials_expiry(s3: Any) -> datetime | None:
    """When the credentials that sign this client's requests expire, when botocore knows
    (temporary credentials it refreshes: a role's, an SSO session's); None otherwise."""
    get_credentials = getattr(s3, "_get_credentials", None)  # botocore's own accessor (private)
    credentials = get_credentials() if callable(get_credentials) else None
    if not isinstance(credentials, RefreshableCredentials):
        return None
    credentials.get_frozen_credentials()  # refreshed first if they are about to expire, as signing would
    expiry = getattr(credentials, "_expiry_time", None)
    return expiry if isinstance(expiry, datetime) else None


def _is_empty_object_range(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    return error.get("Code") == "InvalidRange" and str(error.get("ActualObjectSize", "0")) == "0"


def _uploader_from_key(key: str) -> str:
    parts = key.split("/")
    return parts[1] if len(parts) > 2 else ""
