"""apply: a validated upload the API set going -> validated again against the directory -> queued or INVALID."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from roster import wiring
from roster.model.requests import ApplyRequest

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring.register_lambda_context(context)
    request = parse(event=event, model=ApplyRequest)
    logger.append_keys(upload_id=request.upload_id)
    upload = wiring.validate_step().apply(request.upload_id)
    return {"job_id": upload.upload_id, "state": upload.state.value}
