"""api: the administrators' HTTP API (docs/api.md#http-api) -> the front door -> JSON or CSV; and the
console's page and files at `/` (console_routes)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from console_routes import console_router

from roster import wiring
from roster.api.http import api_resolver
from roster.settings import get_settings

logger = Logger()
tracer = Tracer()


@lru_cache(maxsize=1)
def _resolver() -> APIGatewayHttpResolver:
    app = api_resolver(console_origin=get_settings().console_origin)  # settings on first use, not at import
    app.include_router(console_router())
    return app


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring.register_lambda_context(context)
    app = _resolver()
    app.append_context(front_door=wiring.front_door(),  # type: ignore[no-untyped-call]  # Powertools: no types
                       scim_desk=wiring.scim_desk())
    return app.resolve(event, context)
