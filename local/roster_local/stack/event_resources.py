"""The events section of template.yaml on the embedded stack: the EventBridge bus, the Uploads
table's stream and the function reading it (docs/local-run.md).

The bus is created as deployed; moto's EventBridge routes what is put on it to the targets of
its rules. The DynamoDB event of a function is connected by StreamEventSource (Lambda's poller;
moto's own mapping would invoke the function inside every write). `roster local run` and the
tests subscribe as any subscriber would, with a rule on the bus sending every Roster event to a
queue, and read it with `published_events`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from roster_local.stack.stream_source import StreamEventSource

if TYPE_CHECKING:
    from roster_local.stack.embedded_stack import EmbeddedStack

LOG_RULE = "local-event-log"  # the stand-in's own subscriber: every event with source "roster"


class EventResources:
    """Creates the event bus and stream mappings of one EmbeddedStack, and names them for its resolver."""

    def __init__(self, stack: EmbeddedStack, region: str, account_id: str) -> None:
        self.stack = stack
        self.region = region
        self.account_id = account_id
        self.sources: list[StreamEventSource] = []
        self._log_queue_url: str | None = None

    # -- resources -----------------------------------------------------------------------
    def create_buses(self) -> None:
        """Every AWS::Events::EventBus, and the stand-in's log of what is published on it."""
        events = self.stack.client("events")
        for logical, _props in self.stack._resources("AWS::Events::EventBus"):
            events.create_event_bus(Name=self.stack._ref(logical))
            self._subscribe_log(self.stack._ref(logical))

    def stream_specification(self, props: dict[str, Any]) -> dict[str, Any]:
        """CreateTable's StreamSpecification for a table's CloudFormation properties ({} without one)."""
        spec = props.get("StreamSpecification")
        if not spec:
            return {}
        return {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": spec["StreamViewType"]}}

    def connect_event(self, logical: str, event: dict[str, Any]) -> bool:
        """Start the poller of a function's DynamoDB event; False for any other type."""
        if event["Type"] != "DynamoDB":
            return False
        # botocore sends a request naming a stream ARN to the account's endpoint
        # (<account>.streams-ddb.<region>), which moto 5.1.22 does not route; Lambda's poller is
        # the stand-in's own client, so it uses the regional endpoint moto answers.
        streams = boto3.client("dynamodbstreams", region_name=self.region,
                               config=Config(parameter_validation=False, account_id_endpoint_mode="disabled"))
        source = StreamEventSource(self.stack.lambdas, streams, self.stack._ref(logical),
                                   self.stack.resolver.resolve(event["Properties"]), self.region)
        self.sources.append(source)
        source.start()
        return True

    def stop(self) -> None:
        for source in self.sources:
            source.stop()

    # -- reading what was published ----------------------------------------------------------
    def wait_published(self, timeout: float = 60.0) -> bool:
        """Wait until every stream record written so far has been taken by its function."""
        return all(source.wait_caught_up(timeout) for source in self.sources)

    def published_events(self) -> list[dict[str, Any]]:
        """Every event published on the stack's buses since the last call, in the order published
        (after `wait_published`)."""
        if self._log_queue_url is None:
            return []
        sqs = self.stack.client("sqs")
        events: list[dict[str, Any]] = []
        while True:
            messages = sqs.receive_message(QueueUrl=self._log_queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return events
            for message in messages:
                events.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self._log_queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _subscribe_log(self, bus: str) -> None:
        sqs, events = self.stack.client("sqs"), self.stack.client("events")
        self._log_queue_url = sqs.create_queue(QueueName=f"{self.stack.stack_name}-{LOG_RULE}")["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=self._log_queue_url, AttributeNames=["QueueArn"])
        arn = attributes["Attributes"]["QueueArn"]
        events.put_rule(Name=LOG_RULE, EventBusName=bus, EventPattern=json.dumps({"source": ["roster"]}))
        events.put_targets(Rule=LOG_RULE, EventBusName=bus, Targets=[{"Id": "log", "Arn": arn}])

    # -- names -------------------------------------------------------------------------------
    def ref(self, logical: str, kind: str) -> str | None:
        """Ref of an event bus: its name."""
        if kind != "AWS::Events::EventBus":
            return None
        props = self.stack.template["Resources"][logical].get("Properties", {})
        return str(self.stack.resolver.resolve(props.get("Name", f"{self.stack.stack_name}-{logical}")))

    def get_att(self, logical: str, kind: str, attribute: str) -> str | None:
        """An event bus's Arn and Name, a table's StreamArn; None for anything else."""
        if kind == "AWS::Events::EventBus":
            name = self.stack._ref(logical)
            return {"Arn": f"arn:aws:events:{self.region}:{self.account_id}:event-bus/{name}",
                    "Name": name}.get(attribute)
        if kind == "AWS::DynamoDB::Table" and attribute == "StreamArn":
            table = self.stack.client("dynamodb").describe_table(TableName=self.stack._ref(logical))["Table"]
            return str(table["LatestStreamArn"])
        return None
