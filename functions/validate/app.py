"""validate: an upload to the bucket -> upload, validation report, then email or create phase."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from roster import wiring
from roster.model.files import object_key_from_event

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    wiring.register_lambda_context(context)
    step = wiring.validate_step()
    uploads = []
    for record in event.records:
        s3_object = record.s3.get_object
        upload = step.receive(object_key_from_event(s3_object.key), s3_object.version_id)
        metrics.add_metric(name="RowsValidated", unit=MetricUnit.Count, value=upload.counts["rows"])
        uploads.append({"job_id": upload.upload_id, "state": upload.state.value})
    return {"jobs": uploads}
