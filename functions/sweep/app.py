"""sweep: on a schedule, start queued uploads whose holds expired and end uploads stuck past
their deadline (FAILED, holds released, one email each)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from roster import wiring
from roster.metrics import publish, sweep_measures

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring.register_lambda_context(context)
    report = wiring.sweeper().sweep()
    publish(metrics, sweep_measures(report))
    report.raise_if_unfinished()  # after the metrics: a partial sweep still reports what it did
    return report.summary()
