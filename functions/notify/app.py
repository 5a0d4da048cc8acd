"""notify: results file, final upload state and counts, the results email, next queued upload."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from roster import wiring
from roster.metrics import finish_measured, publish
from roster.model.requests import NotifyRequest

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring.register_lambda_context(context)
    request = parse(event=event, model=NotifyRequest)
    logger.append_keys(upload_id=request.upload_id)
    upload, measures = finish_measured(wiring.notify_step(), request.upload_id, request.failure)
    publish(metrics, measures)
    return {"job_id": upload.upload_id, "state": upload.state.value, "counts": upload.counts}
