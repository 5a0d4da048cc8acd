"""events: the Jobs table's stream -> one Upload State Changed event per state change (docs/api.md#events).

Records are taken in stream order, and the first that fails ends the batch: it and every record
after it are reported failed, so the event source mapping sends them again from there and an
upload's events never overtake each other. A record published before is not published again
(roster.wiring: idempotency by change)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent, event_source
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from roster import wiring
from roster.events.step import StreamRecordImages

logger = Logger()
tracer = Tracer()


def _images(record: DynamoDBRecord) -> StreamRecordImages:
    stream = record.dynamodb
    if stream is None or stream.sequence_number is None:
        raise ValueError("a stream record without its dynamodb part")
    seconds = stream.approximate_creation_date_time
    when = datetime.fromtimestamp(seconds, UTC).replace(microsecond=0).isoformat() if seconds else ""
    return StreamRecordImages(old_image=stream.old_image or None, new_image=stream.new_image or None,
                              sequence_number=stream.sequence_number, approximate_time=when)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_source(data_class=DynamoDBStreamEvent)
def lambda_handler(event: DynamoDBStreamEvent, context: LambdaContext) -> dict[str, Any]:
    wiring.register_lambda_context(context)
    step = wiring.state_change_events()
    records = list(event.records)
    for position, record in enumerate(records):
        try:
            change = step.record(_images(record))
        except Exception:
            logger.exception("state change not published; the batch resumes here",
                             extra={"sequence_number": record.dynamodb.sequence_number if record.dynamodb else None})
            return {"batchItemFailures": [{"itemIdentifier": r.dynamodb.sequence_number if r.dynamodb else ""}
                                          for r in records[position:]]}
        if change is not None:
            logger.info("state change published", extra={"upload_id": change.upload_id, "state": change.state,
                                                          "previous_state": change.previous_state})
    return {"batchItemFailures": []}
