"""The SCIM service over HTTP (docs/scim.md): routes under /scim/v2 on Powertools' resolver,
`application/scim+json` in and out, errors as SCIM Error messages.

Authentication is checked here, in the function, not by an API Gateway authorizer: the JWT
authorizer cannot check Roster's own tokens, and a Lambda authorizer would add an invocation to
every request and, with its cache, let a revoked token in until the cache expires. Here each
request reads the token's digest (one consistent GetItem): a revoked token is refused at once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from roster.scim import discovery
from roster.scim.errors import ScimError
from roster.scim.resources import RosterUser, response_body, response_parameters
from roster.scim.service import ScimUsers

logger = Logger(child=True)
SCIM_JSON = "application/scim+json"
PREFIX = "/scim/v2"
UNAUTHORISED = ("Send Authorization: Bearer with a SCIM token an administrator of this organisation issued "
                "(roster scim token); this one is missing, unknown or revoked.")

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated
UsersFor = Callable[[str | None, str], ScimUsers]
"""The Users endpoint for a request's Authorization header and base URL; ScimError 401 when refused."""


def _users() -> ScimUsers:
    users_for: UsersFor = router.context["users_for"]
    return users_for(router.current_event.headers.get("authorization"), _base_url())


def _base_url() -> str:
    event = router.current_event
    host = event.headers.get("host") or event.request_context.domain_name
    loopback = host.split(":")[0] in ("127.0.0.1", "localhost")  # roster local serve speaks plain HTTP
    scheme = event.headers.get("x-forwarded-proto") or ("http" if loopback else "https")
    return f"{scheme}://{host}{PREFIX}"


def _scim(status: int, body: Any) -> Response[str]:
    return Response(status_code=status, content_type=SCIM_JSON, body=json.dumps(body))


def _user(status: int, user: RosterUser, **headers: str) -> Response[str]:
    """A User in a response, with the request's attributes or excludedAttributes applied."""
    body = response_body(user, response_parameters(router.current_event.query_string_parameters or {}))
    return Response(status_code=status, content_type=SCIM_JSON, body=json.dumps(body), headers=headers)


def _body() -> Any:
    try:
        return router.current_event.json_body
    except ValueError:
        raise ScimError(400, "The body is not JSON.", "invalidSyntax") from None


@router.get(f"{PREFIX}/ServiceProviderConfig")
def provider_config() -> Response[str]:
    _users()
    return _scim(200, discovery.service_provider_config(_base_url()))


@router.get(f"{PREFIX}/ResourceTypes")
def resource_types() -> Response[str]:
    _users()
    return _scim(200, discovery.resource_types(_base_url()))


@router.get(f"{PREFIX}/ResourceTypes/<name>")
def resource_type(name: str) -> Response[str]:
    _users()
    return _scim(200, discovery.resource_type(_base_url(), name))


@router.get(f"{PREFIX}/Schemas")
def schemas() -> Response[str]:
    _users()
    return _scim(200, discovery.schemas(_base_url()))


@router.get(f"{PREFIX}/Schemas/<schema_id>")
def schema(schema_id: str) -> Response[str]:
    _users()
    return _scim(200, discovery.schema(_base_url(), schema_id))


@router.get(f"{PREFIX}/Users")
def list_users() -> Response[str]:
    query = router.current_event.query_string_parameters or {}
    return _scim(200, _users().search(query))


@router.post(f"{PREFIX}/Users")
def create_user() -> Response[str]:
    user = _users().create(_body())
    return _user(201, user, Location=str(user.meta.location) if user.meta else "")


@router.get(f"{PREFIX}/Users/<user_id>")
def get_user(user_id: str) -> Response[str]:
    return _user(200, _users().get(user_id))


@router.put(f"{PREFIX}/Users/<user_id>")
def replace_user(user_id: str) -> Response[str]:
    return _user(200, _users().replace(user_id, _body()))


@router.patch(f"{PREFIX}/Users/<user_id>")
def patch_user(user_id: str) -> Response[str]:
    return _user(200, _users().patch(user_id, _body()))


@router.delete(f"{PREFIX}/Users/<user_id>")
def delete_user(user_id: str) -> Response[str]:
    _users().delete(user_id)
    return Response(status_code=204, body="")


# RFC 7644 3.2: a method an endpoint does not support is 405, not 404.
_NOT_ALLOWED = {
    f"{PREFIX}/ServiceProviderConfig": ["POST", "PUT", "PATCH", "DELETE"],
    f"{PREFIX}/ResourceTypes": ["POST", "PUT", "PATCH", "DELETE"],
    f"{PREFIX}/ResourceTypes/<name>": ["POST", "PUT", "PATCH", "DELETE"],
    f"{PREFIX}/Schemas": ["POST", "PUT", "PATCH", "DELETE"],
    f"{PREFIX}/Schemas/<name>": ["POST", "PUT", "PATCH", "DELETE"],
    f"{PREFIX}/Users": ["PUT", "PATCH", "DELETE"],
    f"{PREFIX}/Users/<name>": ["POST"],
}


def _not_allowed(name: str = "") -> Response[str]:
    event = router.current_event
    raise ScimError(405, f"{event.http_method} is not supported on {event.path}.")


for _rule, _methods in _NOT_ALLOWED.items():
    router.route(_rule, method=_methods)(_not_allowed)


def scim_resolver() -> APIGatewayHttpResolver:
    """The resolver of every SCIM route; errors as SCIM Error messages, never a stack trace."""
    app = APIGatewayHttpResolver()
    app.include_router(router)

    def refused(exc: ScimError) -> Response[str]:
        logger.info("scim request refused", extra={"status": exc.status, "scim_type": exc.scim_type})
        response = _scim(exc.status, exc.body())
        if exc.status == 429:  # the leaver guard: retry once a second administrator has approved
            response.headers["Retry-After"] = "300"
        return response

    @app.not_found
    def no_such_route(exc: Exception) -> Response[str]:
        event = app.current_event
        return _scim(404, ScimError(404, f"There is no {event.http_method} {event.path} in Roster's SCIM "
                                         "service.").body())

    def unexpected(exc: Exception) -> Response[str]:
        logger.exception("scim request failed")
        return _scim(500, ScimError(500, "Roster could not answer this request; retry it.").body())

    app.exception_handler(ScimError)(refused)
    app.exception_handler(Exception)(unexpected)
    return app
