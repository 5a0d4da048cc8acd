"""`roster local run --approve-as`: an approval sent to the api function, as `roster approve` sends it.

The deployed stack approves through its HTTP API: the api function records the approval and,
when it is the last one needed, hands the re-validation to the apply function (an asynchronous
invocation), with each function's own role. Here the same: the request is the payload-2.0 event
API Gateway would pass for `POST /uploads/{upload_id}/approve`, with the claims its JWT authorizer
would have verified for the approver, given to the api function of the embedded stack. No step of
the approval runs in the stand-in's own process (docs/deploy.md, "What is verified offline")."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from roster_local.serve.api_gateway import HttpRequest, api_gateway_event

if TYPE_CHECKING:
    from roster_local.stack.embedded_stack import EmbeddedStack

API_FUNCTION = "ApiFunction"
ROUTE = "POST /uploads/{upload_id}/approve"


@dataclass(frozen=True)
class ApprovalAnswer:
    status: int  # the HTTP status the API answered: 200 approved, 403 refused, 409 not waiting
    message: str  # the API's message when it refused

    @property
    def approved(self) -> bool:
        return self.status == 200


def approve_through_api(stack: EmbeddedStack, upload_id: str, approver: str) -> ApprovalAnswer:
    """Approve `upload_id` as `approver` through the deployed api function; its answer."""
    request = HttpRequest("POST", f"/uploads/{upload_id}/approve",
                          {"content-type": "application/json", "host": "127.0.0.1"}, b"{}")
    claims = {"email": approver, "email_verified": True, "token_use": "id", "sub": signed_in_sub(stack, approver)}
    payload, failed = stack.lambdas.invoke(stack._ref(API_FUNCTION),
                                           api_gateway_event(request, ROUTE, claims))
    if failed:
        raise RuntimeError(f"the api function failed approving {upload_id}: {payload.get('errorMessage')}")
    status = int(payload.get("statusCode", 500))
    body = payload.get("body") or "{}"
    try:
        message = str(json.loads(body).get("message", ""))
    except (ValueError, AttributeError):
        message = str(body)
    return ApprovalAnswer(status, message)


def signed_in_sub(stack: EmbeddedStack, approver: str) -> str:
    """The sub of the approver's Cognito user, bound as `roster directory load` binds it when it
    creates the user (docs/security.md): the API acts as the administrator its token's sub names."""
    from roster.adapters.directory_store import DirectoryStore
    from roster.settings import get_settings

    directory = DirectoryStore(stack.client("dynamodb"), get_settings().directory_table)
    sub = directory.bound_sub(approver)
    if sub is None:
        sub = f"local-run-{approver.lower()}"
        directory.bind_sub(approver, sub)
    return sub
