"""The service limits AWS enforces and the embedded stack enforces with it (docs/deploy.md,
"Service limits"): a request the deployed stack would have refused is refused here too, with
the error AWS gives, so that a file too big for AWS fails the suite, not a deployment.

Lambda's two payload limits live here (InProcessLambda runs the functions); SES's, DynamoDB's
and Step Functions' are moto patches (roster_local.moto_patches.ses_limits, transact_write,
execution_input), which take their numbers from here."""

from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import JsonRESTError

LAMBDA_SYNC_RESPONSE_BYTES = 6 * 1024 * 1024  # a RequestResponse invocation's response (6 MB)
LAMBDA_ASYNC_EVENT_BYTES = 256 * 1024  # an Event invocation's payload (256 KB)
SES_RAW_MESSAGE_BYTES = 10 * 1024 * 1024  # one raw message, attachments encoded (10 MB)
SES_RECIPIENTS = 50  # distinct recipients of one message: Destinations and To/Cc/Bcc together
STATES_PAYLOAD_BYTES = 256 * 1024  # an execution's input, a state's input or output (UTF-8)
DYNAMODB_TRANSACTION_ITEMS = 100  # actions in one TransactWriteItems
DYNAMODB_TRANSACTION_BYTES = 4 * 1024 * 1024  # the items of one transaction together (4 MB)


class RequestTooLarge(JsonRESTError):
    """Lambda's answer to an Invoke whose payload is over the limit (HTTP 413)."""

    code = 413

    def __init__(self, size: int, limit: int) -> None:
        super().__init__("RequestTooLargeException",
                         f"Request must be smaller than {limit} bytes for the Invoke operation ({size} bytes)")


def payload_size(value: Any) -> int:
    """The bytes of a payload as Lambda and Step Functions measure it: its JSON, UTF-8."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return len(text.encode("utf-8"))


def check_async_event(event: Any) -> None:
    """Refuse an asynchronous invocation whose event Lambda would not queue."""
    size = payload_size(event)
    if size > LAMBDA_ASYNC_EVENT_BYTES:
        raise RequestTooLarge(size, LAMBDA_ASYNC_EVENT_BYTES)


def oversized_response(response: Any) -> dict[str, Any] | None:
    """The function error Lambda answers instead of a synchronous response over 6 MB (None: it fits).
    Behind an HTTP API the caller gets 500: a file route must redirect to the file instead."""
    size = payload_size(response)
    if size <= LAMBDA_SYNC_RESPONSE_BYTES:
        return None
    return {"errorType": "Function.ResponseSizeTooLarge",
            "errorMessage": f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
                            f"({LAMBDA_SYNC_RESPONSE_BYTES} bytes)."}
