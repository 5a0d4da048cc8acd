"""The event source mapping of a DynamoDB stream, on the embedded stack.

On AWS, Lambda polls a table's stream and invokes the function with batches of records. moto
invokes a mapped function itself, synchronously inside the write that made the record and with
every record the shard ever held; it applies no filter criteria and retries nothing. This class
is what Lambda's poller does instead, through the DynamoDB Streams API moto answers
(DescribeStream, GetShardIterator, GetRecords): one thread per mapping reads the shard from its
starting position, keeps the records the mapping's FilterCriteria match (EventBridge's pattern
syntax, matched by moto's own EventPattern), and invokes the function through InProcessLambda
with up to BatchSize records, in order, in Lambda's record shape. A batch that fails (an error,
an injected fault) is sent again; with ReportBatchItemFailures the poller resumes from the
first sequence number the function reported, as Lambda does. MaximumRetryAttempts -1 retries
until the function takes the batch (the stream's 24 hours are not simulated); a batch past a
finite MaximumRetryAttempts is kept in `given_up` (the on-failure destination is not written)."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from datetime import datetime
from typing import Any

from moto.events.models import EventPattern

from roster_local.stack.lambdas import InProcessLambda, LambdaServiceException

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.25  # Lambda polls a shard four times a second
RETRY_SECONDS = 0.05


class StreamEventSource:
    """One DynamoDB event of a function: a thread that polls the stream and invokes the function."""

    def __init__(self, lambdas: InProcessLambda, streams: Any, function: str, properties: dict[str, Any],
                 region: str) -> None:
        self.lambdas = lambdas
        self.streams = streams
        self.function = function
        self.region = region
        self.stream_arn = str(properties["Stream"])
        self.batch_size = int(properties.get("BatchSize", 100))
        self.retries = int(properties.get("MaximumRetryAttempts", -1))
        self.starting_position = str(properties.get("StartingPosition", "LATEST"))
        self.reports_item_failures = "ReportBatchItemFailures" in properties.get("FunctionResponseTypes", [])
        self.patterns = [EventPattern.load(f["Pattern"]) for f in
                         properties.get("FilterCriteria", {}).get("Filters", [])]
        self.delivered = 0  # records the function took
        self.given_up: list[dict[str, Any]] = []  # batches that failed every attempt
        self._stop = threading.Event()
        self._caught_up = threading.Condition()
        self._last_empty_poll = 0.0  # when a poll that found the shard read to its end started
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"stream-{function}")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def wait_caught_up(self, timeout: float = 60.0) -> bool:
        """Wait until the function has taken every record written before this call."""
        asked = time.monotonic()
        with self._caught_up:
            return self._caught_up.wait_for(lambda: self._last_empty_poll > asked, timeout=timeout)

    # -- the poller ---------------------------------------------------------------------
    def _run(self) -> None:
        try:
            shard = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"][0]
            iterator = self.streams.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard["ShardId"],
                                                       ShardIteratorType=self.starting_position)["ShardIterator"]
            while not self._stop.is_set():
                started = time.monotonic()
                response = self.streams.get_records(ShardIterator=iterator, Limit=1000)
                records = response["Records"]
                if not records:
                    with self._caught_up:
                        self._last_empty_poll = started
                        self._caught_up.notify_all()
                    self._stop.wait(POLL_SECONDS)
                    continue
                iterator = self._resume_after(self._deliver_all(records), records, response["NextShardIterator"],
                                              shard["ShardId"])
        except Exception:  # the poller dying would stop every event: say so loudly
            logger.exception("the stream poller of %s stopped", self.function)
            raise

    def _deliver_all(self, records: list[dict[str, Any]]) -> str | None:
        """Deliver the matching records in batches; the sequence number to resume from, if the
        function reported one and the poller should read from there again (None: all taken)."""
        matching = [self._lambda_record(r) for r in records if self._matches(r)]
        for start in range(0, len(matching), self.batch_size):
            batch = matching[start:start + self.batch_size]
            attempts = 0
            while not self._stop.is_set():
                failed_from = self._invoke(batch)
                attempts += 1
                if failed_from is None:
                    self.delivered += len(batch)
                    break
                if 0 <= self.retries < attempts:  # -1: until the function takes it
                    self.given_up.append({"function": self.function, "records": batch})
                    break
                if self.reports_item_failures and failed_from:
                    return failed_from
                time.sleep(RETRY_SECONDS)
        return None

    def _resume_after(self, failed_from: str | None, records: list[dict[str, Any]], next_iterator: str,
                      shard_id: str) -> str:
        if failed_from is None:
            return next_iterator
        time.sleep(RETRY_SECONDS)
        return str(self.streams.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard_id,
                                                   ShardIteratorType="AT_SEQUENCE_NUMBER",
                                                   SequenceNumber=failed_from)["ShardIterator"])

    def _invoke(self, batch: list[dict[str, Any]]) -> str | None:
        """None when the function took the batch; else the sequence number to resume from ("" : all)."""
        try:
            payload, failed = self.lambdas.invoke(self.function, {"Records": batch})
        except LambdaServiceException:
            return ""
        if failed:
            return ""
        failures = (payload or {}).get("batchItemFailures") or [] if isinstance(payload, dict) else []
        if not failures:
            return None
        return str(min((f["itemIdentifier"] for f in failures), key=int))

    def _matches(self, record: dict[str, Any]) -> bool:
        shaped = _jsonable(record)
        return not self.patterns or any(pattern.matches_event(shaped) for pattern in self.patterns)

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """A GetRecords record as Lambda hands it to the function (epoch seconds, region, source ARN)."""
        shaped = _jsonable(record)
        created = record["dynamodb"].get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            shaped["dynamodb"]["ApproximateCreationDateTime"] = int(created.timestamp())
        return {**shaped, "awsRegion": self.region, "eventSourceARN": self.stream_arn}


def _jsonable(value: Any) -> Any:
    """The record as JSON would carry it: bytes in base64, times as ISO 8601."""
    return json.loads(json.dumps(value, default=lambda v: base64.b64encode(v).decode() if isinstance(v, bytes)
                                 else v.isoformat() if isinstance(v, datetime) else str(v)))
