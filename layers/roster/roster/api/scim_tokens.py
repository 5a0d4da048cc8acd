"""The administrators' routes for SCIM tokens (docs/scim.md#tokens), behind the normal sign-in:
POST /scim/tokens {"ods", "name"} (201, the token shown once), GET /scim/tokens?ods=, and
DELETE /scim/tokens/{token_id}."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from roster.api.access import Caller
from roster.api.errors import ApiRefusal, BadRequest
from roster.api.front_door import FrontDoor
from roster.scim.desk import ScimDesk, TokenRefused

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


class _Refused(ApiRefusal):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _caller() -> Caller:
    front_door: FrontDoor = router.context["front_door"]
    return front_door.caller(router.current_event.request_context.authorizer.jwt_claim)


def _desk() -> ScimDesk:
    desk: ScimDesk = router.context["scim_desk"]
    return desk


def _answer(status: int, call: Any) -> Response[str]:
    try:
        body = call()
    except TokenRefused as exc:
        raise _Refused(exc.status, str(exc)) from None
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


@router.post("/scim/tokens")
def issue_token() -> Response[str]:
    caller = _caller()
    try:
        body = router.current_event.json_body
    except ValueError:
        raise BadRequest('Send JSON: {"ods": "ODS code", "name": "what the token is for"}.') from None
    if not isinstance(body, dict):
        raise BadRequest('Send a JSON object: {"ods": "ODS code", "name": "what the token is for"}.')
    return _answer(201, lambda: _desk().issue(caller.administered, caller.email, str(body.get("ods") or ""),
                                              body.get("name")))


@router.get("/scim/tokens")
def list_tokens() -> Response[str]:
    caller = _caller()
    ods = router.current_event.get_query_string_value("ods") or ""
    return _answer(200, lambda: _desk().list(caller.administered, ods))


@router.delete("/scim/tokens/<token_id>")
def revoke_token(token_id: str) -> Response[str]:
    caller = _caller()
    return _answer(200, lambda: _desk().revoke(caller.administered, caller.email, token_id))
