"""Signature Version 4 checked as AWS checks it, for the embedded AWS endpoint of `roster local serve`
(docs/security.md): a request signed in its Authorization header, a presigned URL (the signature in
its query) and a presigned POST form (the signature over its policy, whose conditions the form must
meet). The canonical request and the signature are botocore's own (the code that signs them), fed
the request as it arrived; only the comparison is here.

Each check answers None when the request passes, else why it does not."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
AMZ_DATE = "%Y%m%dT%H%M%SZ"
MAX_SKEW = timedelta(minutes=15)  # S3 and the other services: RequestTimeTooSkewed beyond it
MAX_PRESIGNED_SECONDS = 7 * 86400
_AUTHORIZATION = re.compile(r"AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*"
                            r"Signature=([0-9a-f]{64})\s*")
# Form fields S3 does not require a policy condition for.
_UNCONDITIONED_FIELDS = ("policy", "x-amz-signature", "file")


@dataclass(frozen=True)
class Scope:
    """The credential of a signature: KEY/DATE/REGION/SERVICE/aws4_request."""

    key_id: str
    date: str
    region: str
    service: str

    @classmethod
    def parse(cls, credential: str) -> Scope | None:
        parts = credential.split("/")
        if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts[:4]):
            return None
        return cls(*parts[:4])


@dataclass(frozen=True)
class Arrived:
    """A request as it arrived: method, URL as the client wrote it (path encoded as sent), headers
    (lower-case names), body."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes = b""


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def _moment(amz_date: str) -> datetime | None:
    try:
        return datetime.strptime(amz_date, AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        return None


def header_signed_refusal(request: Arrived, secrets: Mapping[str, str], now: datetime) -> str | None:
    """A request signed in its Authorization header by one of `secrets` (key id -> secret key)."""
    match = _AUTHORIZATION.fullmatch(request.headers.get("authorization", ""))
    scope = Scope.parse(match.group(1)) if match else None
    if match is None or scope is None:
        return "its Authorization header is not a Signature Version 4 signature"
    if scope.key_id not in secrets:
        return f"it is signed with the access key {scope.key_id}, which this endpoint does not know"
    amz_date = request.headers.get("x-amz-date", "")
    signed_at = _moment(amz_date)
    if signed_at is None or abs(now - signed_at) > MAX_SKEW or amz_date[:8] != scope.date:
        return "it was signed more than 15 minutes from now (or its X-Amz-Date does not match its credential)"
    names = match.group(2).split(";")
    if "host" not in names or any(n not in request.headers for n in names):
        return "a header it says it signed is missing"
    signed = AWSRequest(method=request.method, url=request.url, data=request.body,
                        headers={n: request.headers[n] for n in names})
    signed.context["timestamp"] = amz_date
    signer = (S3SigV4Auth if scope.service == "s3" else SigV4Auth)(
        Credentials(scope.key_id, secrets[scope.key_id]), scope.service, scope.region)
    if not _same(signer.signature(signer.string_to_sign(signed, signer.canonical_request(signed)), signed),
                 match.group(3)):
        return "its signature does not match (SignatureDoesNotMatch)"
    return _body_refusal(request)


def _body_refusal(request: Arrived) -> str | None:
    """The body is the one signed, when the signature covers its SHA-256 (not a streaming upload)."""
    declared = request.headers.get("x-amz-content-sha256", "")
    if re.fullmatch(r"[0-9a-f]{64}", declared) and not _same(declared, hashlib.sha256(request.body).hexdigest()):
        return "its body is not the one signed (XAmzContentSHA256Mismatch)"
    return None


def presigned_url_refusal(request: Arrived, query: Mapping[str, str], secrets: Mapping[str, str],
                          now: datetime) -> str | None:
    """A presigned S3 URL (X-Amz-Signature in the query), as S3 checks it: signature and expiry."""
    scope = Scope.parse(query.get("X-Amz-Credential", ""))
    if query.get("X-Amz-Algorithm") != ALGORITHM or scope is None or scope.service != "s3":
        return "it is not a Signature Version 4 presigned S3 request"
    if scope.key_id not in secrets:
        return f"it is signed with the access key {scope.key_id}, which this endpoint does not know"
    amz_date, expires = query.get("X-Amz-Date", ""), query.get("X-Amz-Expires", "")
    signed_at = _moment(amz_date)
    if signed_at is None or amz_date[:8] != scope.date or not expires.isdigit() \
            or not 1 <= int(expires) <= MAX_PRESIGNED_SECONDS:
        return "its X-Amz-Date or X-Amz-Expires is not valid"
    if now > signed_at + timedelta(seconds=int(expires)) or signed_at > now + MAX_SKEW:
        return "it has expired (Request has expired)"
    names = query.get("X-Amz-SignedHeaders", "").split(";")
    if "host" not in names or any(n not in request.headers for n in names):
        return "a header it says it signed is missing"
    base, _, raw_query = request.url.partition("?")
    unsigned = "&".join(p for p in raw_query.split("&") if not p.startswith("X-Amz-Signature="))
    signed = AWSRequest(method=request.method, url=f"{base}?{unsigned}", headers={n: request.headers[n] for n in names})
    signed.context["timestamp"] = amz_date
    signer = S3SigV4QueryAuth(Credentials(scope.key_id, secrets[scope.key_id]), "s3", scope.region, int(expires))
    expected = signer.signature(signer.string_to_sign(signed, signer.canonical_request(signed)), signed)
    if not _same(expected, query.get("X-Amz-Signature", "")):
        return "its signature does not match (SignatureDoesNotMatch)"
    return None


def post_form_refusal(bucket: str, fields: Mapping[str, str], file_size: int | None,
                      secrets: Mapping[str, str], now: datetime) -> str | None:
    """A browser's POST of a presigned form to `bucket`, as S3 checks it: the policy's signature and
    expiration, and every condition met by the form (field names compared without regard to case)."""
    form = {name.lower(): value for name, value in fields.items()}
    scope = Scope.parse(form.get("x-amz-credential", ""))
    if form.get("x-amz-algorithm") != ALGORITHM or scope is None or scope.service != "s3" or "policy" not in form:
        return "it is not a Signature Version 4 presigned POST form"
    if scope.key_id not in secrets:
        return f"it is signed with the access key {scope.key_id}, which this endpoint does not know"
    if file_size is None:
        return "it carries no file field"
    signer = SigV4Auth(Credentials(scope.key_id, secrets[scope.key_id]), "s3", scope.region)
    signed = AWSRequest(method="POST", url="http://form/")
    signed.context["timestamp"] = f"{scope.date}T000000Z"  # the key derives from the date alone
    if not _same(signer.signature(form["policy"], signed), form.get("x-amz-signature", "")):
        return "its policy's signature does not match (SignatureDoesNotMatch)"
    try:
        policy = json.loads(base64.b64decode(form["policy"], validate=True))
        expiration = datetime.fromisoformat(str(policy["expiration"]).replace("Z", "+00:00"))
    except (binascii.Error, ValueError, KeyError, TypeError):
        return "its policy is not a valid POST policy"
    if now >= expiration:
        return "its policy has expired (Invalid according to Policy: Policy expired)"
    return _conditions_refusal(policy.get("conditions", []), {**form, "bucket": bucket}, file_size)


def _conditions_refusal(conditions: list[Any], form: dict[str, str], file_size: int) -> str | None:
    """Every condition met, and every field of the form named by a condition (S3's rule)."""
    named: set[str] = set()
    for condition in conditions:
        if isinstance(condition, dict) and len(condition) == 1:
            [(name, value)] = condition.items()
            operator, field, wanted = "eq", str(name).lower(), value
        elif isinstance(condition, list) and len(condition) == 3 and condition[0] == "content-length-range":
            if not int(condition[1]) <= file_size <= int(condition[2]):
                return f"its file of {file_size} bytes is outside the policy's content-length-range"
            continue
        elif isinstance(condition, list) and len(condition) == 3 and str(condition[1]).startswith("$"):
            operator, field, wanted = str(condition[0]).lower(), str(condition[1])[1:].lower(), condition[2]
        else:
            return "its policy holds a condition S3 does not know"
        named.add(field)
        given = form.get(field, "")
        if (operator == "eq" and given != wanted) or (operator == "starts-with" and not given.startswith(wanted)) \
                or operator not in ("eq", "starts-with"):
            return f"its field {field} does not meet the policy (Invalid according to Policy: {field})"
    extra = sorted(f for f in form if f not in named and f not in _UNCONDITIONED_FIELDS
                   and not f.startswith("x-ignore-") and f != "bucket")
    # The signature's own fields are named by conditions in boto3's forms; S3 requires it of every field.
    if extra:
        return f"its field {extra[0]} is not named by the policy (Extra input fields: {extra[0]})"
    return None
