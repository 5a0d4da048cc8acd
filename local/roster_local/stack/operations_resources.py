"""The operations section of template.yaml on the embedded stack: queues, the validate
function's on-failure destination, the SQS and schedule event sources, alarms, dashboard.

What moto implements is created from the template as it is: the SQS queues (encryption,
retention, redrive policy), each function's event invoke configuration (which the Lambda
stand-in reads to deliver a failed asynchronous event, lambda_adapter), the SQS event source
mapping (moto then invokes the consumer when a message arrives), the EventBridge Scheduler
schedule, the CloudWatch alarms and the dashboard. What moto does not do is left out: the
scheduler never fires a schedule, so `roster local run` and the tests run the sweeper
themselves (EmbeddedStack.run_schedule); alarms never change state (no metrics are published:
POWERTOOLS_METRICS_DISABLED)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from roster_local.stack.embedded_stack import EmbeddedStack

# CloudFormation's AWS::SQS::Queue properties that are SQS queue attributes of the same name.
_QUEUE_ATTRIBUTES = ("DelaySeconds", "KmsDataKeyReusePeriodSeconds", "KmsMasterKeyId", "MaximumMessageSize",
                     "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout")
# AWS::CloudWatch::Alarm properties that PutMetricAlarm takes under the same name.
_ALARM_PARAMETERS = ("AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions",
                     "InsufficientDataActions", "MetricName", "Namespace", "Statistic", "ExtendedStatistic",
                     "Dimensions", "Period", "Unit", "EvaluationPeriods", "DatapointsToAlarm", "Threshold",
                     "ComparisonOperator", "TreatMissingData", "Metrics")


class OperationsResources:
    """Creates the operations resources of one EmbeddedStack, and names them for its resolver."""

    def __init__(self, stack: EmbeddedStack, region: str, account_id: str) -> None:
        self.stack = stack
        self.region = region
        self.account_id = account_id
        self.queue_urls: dict[str, str] = {}
        self.schedules: dict[str, dict[str, Any]] = {}  # function logical id -> resolved ScheduleV2 properties

    # -- before the functions ----------------------------------------------------------
    def create_queues(self) -> None:
        """Every AWS::SQS::Queue; a redrive target before the queue that names it."""
        queues = sorted(self.stack._resources("AWS::SQS::Queue"), key=lambda r: "RedrivePolicy" in r[1])
        sqs = self.stack.client("sqs")
        for logical, props in queues:
            resolved = self.stack.resolver.resolve(props)
            attributes = {name: str(resolved[name]) for name in _QUEUE_ATTRIBUTES if name in resolved}
            if "RedrivePolicy" in resolved:
                attributes["RedrivePolicy"] = json.dumps(resolved["RedrivePolicy"])
            self.queue_urls[logical] = sqs.create_queue(QueueName=self.queue_name(logical),
                                                        Attributes=attributes)["QueueUrl"]

    # -- with each function --------------------------------------------------------------
    def configure_async_invocation(self, logical: str, props: dict[str, Any]) -> None:
        """A function's EventInvokeConfig (retries, event age, on-failure destination), as SAM deploys it."""
        config = self.stack.resolver.resolve(props.get("EventInvokeConfig"))
        if not config:
            return
        kwargs: dict[str, Any] = {name: int(config[name]) for name in ("MaximumRetryAttempts",
                                                                       "MaximumEventAgeInSeconds") if name in config}
        destinations = {when: {"Destination": target["Destination"]}
                        for when, target in config.get("DestinationConfig", {}).items() if "Destination" in target}
        if destinations:
            kwargs["DestinationConfig"] = destinations
        self.stack.client("lambda").put_function_event_invoke_config(FunctionName=self.stack._ref(logical), **kwargs)

    def connect_event(self, logical: str, event: dict[str, Any]) -> bool:
        """Connect an SQS or ScheduleV2 event of a function; False for a type this module does not know."""
        if event["Type"] == "SQS":
            properties = self.stack.resolver.resolve(event["Properties"])
            self.stack.client("lambda").create_event_source_mapping(
                EventSourceArn=properties["Queue"], FunctionName=self.stack._ref(logical),
                BatchSize=int(properties.get("BatchSize", 10)),
                FunctionResponseTypes=properties.get("FunctionResponseTypes", []))
            return True
        if event["Type"] == "ScheduleV2":
            self._create_schedule(logical, self.stack.resolver.resolve(event["Properties"]))
            return True
        return False

    def _create_schedule(self, logical: str, properties: dict[str, Any]) -> None:
        # Created so that the schedule exists as deployed; moto's scheduler never fires it.
        role = self.stack.client("iam").create_role(
            RoleName=f"{self.stack._ref(logical)}-schedule-role",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
        target = {"Arn": self.stack._get_att(logical, "Arn"), "RoleArn": role["Role"]["Arn"],
                  **({"Input": properties["Input"]} if "Input" in properties else {}),
                  **({"RetryPolicy": properties["RetryPolicy"]} if "RetryPolicy" in properties else {})}
        self.stack.client("scheduler").create_schedule(
            Name=properties.get("Name", f"{self.stack._ref(logical)}-schedule"),
            ScheduleExpression=properties["ScheduleExpression"],
            FlexibleTimeWindow=properties.get("FlexibleTimeWindow", {"Mode": "OFF"}), Target=target,
            **({"Description": properties["Description"]} if "Description" in properties else {}))
        self.schedules[logical] = properties

    # -- after everything else -------------------------------------------------------------
    def create_alarms_and_dashboards(self) -> None:
        cloudwatch = self.stack.client("cloudwatch")
        for logical, props in self.stack._resources("AWS::CloudWatch::Alarm"):
            resolved = self.stack.resolver.resolve(props)
            resolved.setdefault("AlarmName", f"{self.stack.stack_name}-{logical}")
            cloudwatch.put_metric_alarm(**{name: resolved[name] for name in _ALARM_PARAMETERS if name in resolved})
        for logical, props in self.stack._resources("AWS::CloudWatch::Dashboard"):
            body = self.stack.resolver.resolve(props["DashboardBody"])
            json.loads(body)  # CloudWatch refuses a body that is not JSON; so does the embedded stack
            cloudwatch.put_dashboard(DashboardName=self.stack._ref(logical), DashboardBody=body)

    # -- names -----------------------------------------------------------------------------
    def queue_name(self, logical: str) -> str:
        return f"{self.stack.stack_name}-{logical}"

    def ref(self, logical: str, kind: str) -> str | None:
        """CloudFormation's Ref of the types this module creates (a queue's Ref is its URL)."""
        props = self.stack.template["Resources"][logical].get("Properties", {})
        if kind == "AWS::SQS::Queue":
            return self.queue_urls.get(logical) or self._queue_url(self.queue_name(logical))
        if kind == "AWS::CloudWatch::Dashboard":
            return str(self.stack.resolver.resolve(props.get("DashboardName", f"{self.stack.stack_name}-{logical}")))
        if kind == "AWS::CloudWatch::Alarm":
            return str(self.stack.resolver.resolve(props.get("AlarmName", f"{self.stack.stack_name}-{logical}")))
        return None

    def get_att(self, logical: str, kind: str, attribute: str) -> str | None:
        """Fn::GetAtt of the types this module creates, or None."""
        prefix = f"arn:aws:{{}}:{self.region}:{self.account_id}:"
        if kind == "AWS::SQS::Queue":
            name = self.queue_name(logical)
            return {"Arn": prefix.format("sqs") + name, "QueueName": name,
                    "QueueUrl": self._queue_url(name)}.get(attribute)
        if kind == "AWS::CloudWatch::Alarm" and attribute == "Arn":
            return prefix.format("cloudwatch") + f"alarm:{self.ref(logical, kind)}"
        return None

    def _queue_url(self, name: str) -> str:
        return f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{name}"
