"""Lambda invocations go to the embedded stack's InProcessLambda.

moto without Docker answers a Lambda Invoke by echoing its payload
(`LambdaSimpleBackend.invoke`), and delivers an S3 event notification to Lambda through
`moto.s3.notifications._invoke_awslambda`, which swallows every error. While a route is set
(`route_to(adapter)`, done by InProcessLambda.install), both go to it: Invoke runs the
function's real handler and answers as Lambda does, the S3 event is queued as an asynchronous
invocation. With no route set, moto behaves as it does unpatched."""

from __future__ import annotations

import json
from typing import Any, Protocol

import moto.s3.notifications as s3_notifications
from moto.awslambda_simple.models import LambdaSimpleBackend

MOTO_INVOKE = LambdaSimpleBackend.invoke
MOTO_S3_TO_LAMBDA = s3_notifications._invoke_awslambda


class LambdaRoute(Protocol):
    """What runs the invocations (InProcessLambda)."""

    def invoke(self, function: str, event: Any) -> tuple[Any, bool]: ...

    def invoke_async(self, function: str, event: Any) -> None: ...


_route: LambdaRoute | None = None


def route_to(route: LambdaRoute | None) -> None:
    """Send invocations to `route` from now on (None: back to moto's own answers)."""
    global _route
    _route = route


def apply() -> None:
    """Install the two routing functions (idempotent)."""
    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]
    s3_notifications._invoke_awslambda = s3_event_to_lambda


def invoke(self: LambdaSimpleBackend, function_name: str, qualifier: str | None, body: Any, headers: Any,
           response_headers: Any) -> str | bytes | None:
    """Invoke: RequestResponse gets the handler's answer (a handler error sets X-Amz-Function-Error);
    Event is queued as an asynchronous invocation, with Lambda's retries."""
    route = _route
    if route is None:
        return MOTO_INVOKE(self, function_name, qualifier, body, headers, response_headers)
    if headers.get("X-Amz-Invocation-Type") == "Event":  # asynchronous, as the API asks an upload applied
        route.invoke_async(function_name, json.loads(body or "{}"))
        return b""
    payload, error = route.invoke(function_name, json.loads(body or "{}"))
    if error:
        response_headers["x-amz-function-error"] = "Unhandled"
    return json.dumps(payload).encode("utf-8")


def s3_event_to_lambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    """An S3 event notification, delivered as Lambda delivers them: asynchronously."""
    route = _route
    if route is None:
        MOTO_S3_TO_LAMBDA(account_id, event_body, fn_arn, region_name)
        return
    route.invoke_async(fn_arn, event_body)
