"""The HTTP API's resolver: the routes, CORS for a console on another origin, and errors as
`{"message": ...}` with the status docs/api.md names, never a stack trace."""

from __future__ import annotations

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response, content_types

from roster.api.errors import ApiRefusal
from roster.api.routes import router
from roster.api.scim_tokens import router as scim_token_router

logger = Logger(child=True)
UNEXPECTED = "Roster could not answer this request. Try again; if it keeps happening, tell your AWS engineer."


def api_resolver(console_origin: str = "") -> APIGatewayHttpResolver:
    """The resolver of every route; `console_origin` (scheme://host) gets CORS, none when empty."""
    cors = CORSConfig(allow_origin=console_origin.rstrip("/"), allow_headers=["Authorization", "Content-Type"],
                      max_age=600) if console_origin else None
    app = APIGatewayHttpResolver(cors=cors)
    app.include_router(router)
    app.include_router(scim_token_router)

    def refused(exc: ApiRefusal) -> Response[str]:
        logger.info("request refused", extra={"status": exc.status, "refusal": type(exc).__name__})
        return _message(exc.status, exc.message)

    @app.not_found
    def no_such_route(exc: Exception) -> Response[str]:
        event = app.current_event
        return _message(404, f"There is no {event.http_method} {event.path} in Roster's API.")

    def unexpected(exc: Exception) -> Response[str]:
        logger.exception("request failed")
        return _message(500, UNEXPECTED)

    # Registered by call, not as decorators: Powertools' decorators carry no types.
    app.exception_handler(ApiRefusal)(refused)
    app.exception_handler(Exception)(unexpected)

    return app


def _message(status: int, message: str) -> Response[str]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps({"message": message}))
