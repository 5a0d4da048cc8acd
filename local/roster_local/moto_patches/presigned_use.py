"""A presigned URL or form is checked, when it is used, against the rights of whoever signed it.

AWS evaluates a presigned request with its signer's credentials: a results link signed by the
notify function works only if notify's role may read the object and decrypt it, an upload form
signed by the api function only if api's role may put the object and generate its data key.
moto accepts every presigned request. While a checker is set (`check_with`, done by the embedded
stack's IAM guard, roster_local.stack.iam_guard), a presigned GET of an object
(`S3Response._key_response`) and a POST of a form (`S3Response._bucket_response_post`) are
first given to it with their signature; a refusal answers 403 AccessDenied, as S3 does."""

from __future__ import annotations

from html import escape
from typing import Any, Protocol
from urllib.parse import parse_qs, urlparse

from moto.s3.responses import S3Response

MOTO_KEY_RESPONSE = S3Response._key_response
MOTO_BUCKET_POST = S3Response._bucket_response_post


class PresignedChecker(Protocol):
    def check_presigned_use(self, signature: str, operation: str, bucket: str, key: str,
                            version: str | None) -> str | None: ...


_checker: PresignedChecker | None = None


def check_with(checker: PresignedChecker | None) -> None:
    global _checker
    _checker = checker


def apply() -> None:
    """Install the two checks (idempotent)."""
    S3Response._key_response = _key_response  # type: ignore[method-assign]
    S3Response._bucket_response_post = _bucket_response_post  # type: ignore[method-assign]


def _refusal(message: str) -> tuple[int, dict[str, str], str]:
    return 403, {"Content-Type": "application/xml"}, (
        f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
        f"<Message>{escape(message)}</Message></Error>")


def _key_response(self: S3Response, request: Any, full_url: str) -> Any:
    checker = _checker
    if checker is not None and request.method in ("GET", "HEAD"):
        query = parse_qs(urlparse(full_url).query)
        signature = query.get("X-Amz-Signature", [""])[0]
        if signature:
            refusal = checker.check_presigned_use(
                signature, "GetObject", self.parse_bucket_name_from_url(request, full_url), self.parse_key_name(),
                query.get("versionId", [None])[0])
            if refusal:
                return _refusal(refusal)
    return MOTO_KEY_RESPONSE(self, request, full_url)


def _bucket_response_post(self: S3Response, request: Any, bucket_name: str) -> Any:
    checker = _checker
    if checker is not None:
        # moto has read the form into querystring (its fields, the file aside) by now.
        signature = (self.querystring.get("x-amz-signature") or [""])[0]
        key = (self.querystring.get("key") or [""])[0]
        if signature and key:
            refusal = checker.check_presigned_use(signature, "PutObject", bucket_name, key, None)
            if refusal:
                return _refusal(refusal)
    return MOTO_BUCKET_POST(self, request, bucket_name)
