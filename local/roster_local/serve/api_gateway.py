"""An HTTP request as API Gateway (HTTP API, payload 2.0) hands it to a function, and the
function's answer as API Gateway sends it back: what `roster local serve` does between a
browser or the CLI and the api function."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# Text bodies are passed as they are; anything else is base64, as API Gateway does.
_TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded")


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # path and query, as on the request line
    headers: dict[str, str]  # names in lower case
    body: bytes = b""


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def api_gateway_event(request: HttpRequest, route_key: str, claims: dict[str, Any] | None) -> dict[str, Any]:
    """The payload-2.0 event of a request; `claims` are what the JWT authorizer verified (None: a public route)."""
    url = urlsplit(request.target)
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    text = request.headers.get("content-type", "").startswith(_TEXT_TYPES)
    now = time.time()
    context: dict[str, Any] = {
        "accountId": "123456789012", "apiId": "local", "domainName": request.headers.get("host", "127.0.0.1"),
        "domainPrefix": "local", "requestId": str(uuid.uuid4()), "routeKey": route_key, "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
        "http": {"method": request.method, "path": url.path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                 "userAgent": request.headers.get("user-agent", "")},
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": {k: _claim(v) for k, v in claims.items()}, "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": route_key, "rawPath": url.path, "rawQueryString": url.query,
        "headers": dict(request.headers), "requestContext": context, "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if request.body:
        event["body"] = request.body.decode("utf-8") if text else base64.b64encode(request.body).decode()
        event["isBase64Encoded"] = not text
    return event


def http_response(result: dict[str, Any]) -> HttpResponse:
    """A function's payload-2.0 answer as an HTTP response."""
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    headers = [(name, str(value)) for name, value in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(v)) for v in values)
    headers.extend(("Set-Cookie", cookie) for cookie in result.get("cookies") or [])
    return HttpResponse(int(result.get("statusCode", 200)), headers, raw)


def _claim(value: Any) -> str:
    # The JWT authorizer passes every claim as a string (lists as "[a b]").
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
