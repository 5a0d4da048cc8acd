"""create: one Distributed Map item (a batch of validated rows) -> accounts and row outcomes."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from roster import wiring
from roster.model.requests import BatchRequest

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring.register_lambda_context(context)
    request = parse(event=event, model=BatchRequest)
    logger.append_keys(upload_id=request.upload_id, batch_no=request.batch_no)
    return wiring.run_batch_once(request.model_dump())
