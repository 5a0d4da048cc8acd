"""scim: the SCIM 2.0 service for identity providers (docs/scim.md) -> roster.scim. Its routes
carry no API Gateway authorizer: each request's bearer token is checked here (roster.scim.http
says why)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from roster import wiring
from roster.scim.http import scim_resolver

logger = Logger()
tracer = Tracer()


@lru_cache(maxsize=1)
def _resolver() -> APIGatewayHttpResolver:
    return scim_resolver()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring.register_lambda_context(context)  # the leaver guard's one email per approval (send_once)
    app = _resolver()
    app.append_context(users_for=wiring.scim_desk().users_for)  # type: ignore[no-untyped-call]  # Powertools
    return app.resolve(event, context)
