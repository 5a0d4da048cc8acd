"""The embedded stack: Roster's template.yaml stood up on moto, in this process.

Every resource is created from the template itself (table keys and indexes, TTL, point-in-
time recovery, bucket versioning, encryption, lifecycle and notification, the functions'
environment, the state machine definition with its substitutions), so what runs here is
what deploys. Only what moto cannot do differs: IAM is checked by the stand-in itself, each
function's calls against its role in the SAM expansion (stack.iam_guard; moto's own enforcement
is off), bucket-policy statements with a Condition are left out (moto would ignore the condition),
the layer is the installed `roster` package, and the functions run in-process through
InProcessLambda."""

from __future__ import annotations

import io
import json
import os
import warnings
import zipfile
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from moto import mock_aws

from roster_local import moto_patches
from roster_local.moto_patches import presigned_use
from roster_local.stack.cognito import create_sign_in
from roster_local.stack.event_resources import EventResources
from roster_local.stack.iam_guard import IamGuard
from roster_local.stack.lambdas import ChaosRule, FunctionSpec, InProcessLambda
from roster_local.stack.malloc_arenas import limit_malloc_arenas
from roster_local.stack.operations_resources import OperationsResources
from roster_local.stack.roles import iam_guard
from roster_local.stack.template import TemplateResolver, checked_parameter, cors_rule, lifecycle_rule, load_template

ACCOUNT_ID = "123456789012"
REGION = "eu-west-2"
PROJECT_ROOT = Path(__file__).resolve().parents[3]

# Values a one-machine deployment passes as parameter overrides, like `sam deploy` would.
LOCAL_PARAMETERS = {
    "SenderEmail": "roster@roster.example.nhs.net",
    "LogLevel": "WARNING",
    # scrypt at the template's 14 costs about 50 ms a hash: 10,000 new users would be 500
    # CPU-seconds on one machine, where AWS spreads them over one Lambda per batch. 10 is the
    # template's minimum; `roster local run` says so when it starts (README: "Password hashing").
    "PasswordHashCost": "10",
    # AWS runs each create batch on its own Lambda, 100 at once; here every batch shares one
    # process and one GIL, and 10 at a time keep both cores busy without thrashing.
    "MapMaxConcurrency": "10",
}

# The stand-in's own clients (loading the directory, waiting for uploads, the mailbox report)
# skip botocore's parameter validation: their requests are fixed, and validating them is pure
# overhead. The functions' clients are the production ones (roster.adapters.clients), unchanged.
_STANDIN_CLIENT_CONFIG = Config(parameter_validation=False)

# The process environment Lambda gives every function that the template does not.
_RUNTIME_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon on one machine
    "POWERTOOLS_METRICS_DISABLED": "true",  # EMF lines would only flood the terminal
}


class EmbeddedStack:
    """Start with `with EmbeddedStack() as stack:`; everything inside talks to moto."""

    def __init__(self, root: Path = PROJECT_ROOT, parameters: dict[str, Any] | None = None,
                 chaos: list[ChaosRule] | None = None, seed: int | None = None,
                 stack_name: str = "roster-local") -> None:
        self.root = root
        self.stack_name = stack_name
        self.template = load_template(root / "template.yaml")
        self.parameters = self._parameters({**LOCAL_PARAMETERS, **(parameters or {})})
        self.lambdas = InProcessLambda(chaos=chaos, seed=seed)
        self.names: dict[str, str] = {}
        self.arns: dict[str, str] = {}
        self.environment: dict[str, dict[str, str]] = {}  # each function's variables, by logical id
        self._mock: Any = None
        self._saved_environ: dict[str, str] | None = None
        self.resolver = TemplateResolver(
            self.parameters,
            {"AWS::StackName": stack_name, "AWS::AccountId": ACCOUNT_ID, "AWS::Region": REGION,
             "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"},
            self._ref, self._get_att, self.template.get("Conditions", {}),
        )
        self.operations = OperationsResources(self, REGION, ACCOUNT_ID)
        self.iam: IamGuard | None = None  # every function's call checked against its role once started
        self.events = EventResources(self, REGION, ACCOUNT_ID)

    # -- lifecycle --------------------------------------------------------------------
    def __enter__(self) -> EmbeddedStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if exc[0] is None and self.iam is not None:
            self.iam.raise_if_denied()  # a call the deployed roles would refuse fails the run

    def start(self) -> None:
        limit_malloc_arenas()  # before the stack's threads start
        self._saved_environ = dict(os.environ)
        os.environ.update(_RUNTIME_ENVIRONMENT)
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True},
                                      "lambda": {"use_docker": False}})
        self._mock.start()
        # Metrics are off here (no CloudWatch agent): Powertools' warning that a handler published
        # none would only clutter the terminal.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        moto_patches.apply()
        self.lambdas.install()
        self._create_resources()
        # IAM as AWS checks it, from the SAM-expanded template (roster_local.stack.iam_guard).
        self.iam = iam_guard(self, REGION, ACCOUNT_ID)
        self.iam.install()
        presigned_use.check_with(self.iam)

    def stop(self) -> None:
        self.lambdas.wait_idle(timeout=60)
        self.events.stop()
        self.lambdas.uninstall()
        if self.iam is not None:
            self.iam.uninstall()
            presigned_use.check_with(None)
        if self._mock is not None:
            self._mock.stop()
        if self._saved_environ is not None:
            os.environ.clear()
            os.environ.update(self._saved_environ)
        from roster.adapters.clients import client
        from roster.settings import get_settings

        client.cache_clear()  # clients made inside the mock must not outlive it
        get_settings.cache_clear()

    def client(self, service: str) -> Any:
        """A client of the stand-in's own (no parameter validation), talking to moto."""
        return boto3.client(service, region_name=REGION, config=_STANDIN_CLIENT_CONFIG)

    def below_template_default(self, name: str) -> tuple[int, int] | None:
        """(local value, template default) when a numeric parameter runs below its default here."""
        default = self.template["Parameters"][name].get("Default")
        value = self.parameters[name]
        return (int(value), int(default)) if default is not None and int(value) < int(default) else None

    def run_schedule(self, function_logical: str) -> tuple[Any, bool]:
        """Invoke a scheduled function once with its schedule's input, as EventBridge Scheduler
        would (moto never fires a schedule): how `roster local run` and the tests run the sweeper.
        Returns (payload, is_function_error), as InProcessLambda.invoke does."""
        properties = self.operations.schedules[function_logical]
        return self.lambdas.invoke(self._ref(function_logical), json.loads(properties.get("Input", "{}")))

    def output(self, name: str) -> str:
        """A value of the template's Outputs section, resolved locally."""
        return str(self.resolver.resolve(self.template["Outputs"][name]["Value"]))

    # -- resources ---------------------------------------------------------------------
    def _resources(self, resource_type: str) -> list[tuple[str, dict[str, Any]]]:
        return [(name, r.get("Properties", {})) for name, r in self.template["Resources"].items()
                if r["Type"] == resource_type]

    def _create_resources(self) -> None:
        for logical, props in self._resources("AWS::KMS::Key"):
            key = self.client("kms").create_key(Description=props.get("Description", ""),
                                                Policy=json.dumps(self.resolver.resolve(props["KeyPolicy"])))
            self.names[logical], self.arns[logical] = key["KeyMetadata"]["KeyId"], key["KeyMetadata"]["Arn"]
            if props.get("EnableKeyRotation"):
                self.client("kms").enable_key_rotation(KeyId=self.names[logical])
        for _logical, props in self._resources("AWS::KMS::Alias"):
            self.client("kms").create_alias(AliasName=self.resolver.resolve(props["AliasName"]),
                                            TargetKeyId=self.resolver.resolve(props["TargetKeyId"]))
        for logical, props in self._resources("AWS::DynamoDB::Table"):
            self._create_table(logical, props)
        for logical, props in self._resources("AWS::S3::Bucket"):
            self._create_bucket(logical, props)
        for _logical, props in self._resources("AWS::S3::BucketPolicy"):
            self._put_bucket_policy(props)
        for _logical, props in self._resources("AWS::Logs::LogGroup"):
            self.client("logs").create_log_group(logGroupName=self.resolver.resolve(props["LogGroupName"]))
        self.events.create_buses()
        # Before the functions: their environment names the user pool and its client.
        create_sign_in(self)
        self.operations.create_queues()
        functions = self._resources("AWS::Serverless::Function")
        for logical, props in functions:
            self._create_function(logical, props)
            self.operations.configure_async_invocation(logical, props)
        self._export_function_environment([logical for logical, _ in functions])
        for logical, props in self._resources("AWS::Serverless::StateMachine"):
            self._create_state_machine(logical, props)
        for logical, props in functions:
            self._connect_events(logical, props)
        self.operations.create_alarms_and_dashboards()
        self.client("ses").verify_email_identity(EmailAddress=self.parameters["SenderEmail"])

    def _create_table(self, logical: str, props: dict[str, Any]) -> None:
        name = self._ref(logical)
        dynamodb = self.client("dynamodb")
        kwargs: dict[str, Any] = {key: self.resolver.resolve(props[key]) for key in (
            "AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes") if key in props}
        if "SSESpecification" in props:
            sse = self.resolver.resolve(props["SSESpecification"])
            kwargs["SSESpecification"] = {"Enabled": sse["SSEEnabled"], "SSEType": sse.get("SSEType", "KMS"),
                                          **({"KMSMasterKeyId": sse["KMSMasterKeyId"]}
                                             if "KMSMasterKeyId" in sse else {})}
        dynamodb.create_table(TableName=name, **kwargs, **self.events.stream_specification(props))
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "AttributeName": ttl["AttributeName"], "Enabled": ttl["Enabled"]})
        pitr = props.get("PointInTimeRecoverySpecification")
        if pitr:
            dynamodb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": pitr["PointInTimeRecoveryEnabled"]})

    def _create_bucket(self, logical: str, props: dict[str, Any]) -> None:
        s3 = self.client("s3")
        name = self._ref(logical)
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={
                "Status": props["VersioningConfiguration"]["Status"]})
        if "BucketEncryption" in props:
            rules = [{"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                      **({"BucketKeyEnabled": rule["BucketKeyEnabled"]} if "BucketKeyEnabled" in rule else {})}
                     for rule in self.resolver.resolve(props["BucketEncryption"]["ServerSideEncryptionConfiguration"])]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(Bucket=name,
                                       PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
        if "OwnershipControls" in props:
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
        if "LifecycleConfiguration" in props:
            rules = [lifecycle_rule(self.resolver.resolve(rule))
                     for rule in props["LifecycleConfiguration"]["Rules"]]
            s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
        if "CorsConfiguration" in props:
            rules = [cors_rule(rule) for rule in self.resolver.resolve(props["CorsConfiguration"]["CorsRules"])]
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})

    def _put_bucket_policy(self, props: dict[str, Any]) -> None:
        # moto evaluates bucket policies but ignores their Condition blocks (moto.iam.access_control),
        # so the TLS-only Deny (Condition aws:SecureTransport false) would deny every request.
        # Conditional statements are left out here; on AWS they apply as written.
        document = self.resolver.resolve(props["PolicyDocument"])
        statements = [s for s in document["Statement"] if "Condition" not in s]
        if statements:
            self.client("s3").put_bucket_policy(Bucket=self.resolver.resolve(props["Bucket"]),
                                                Policy=json.dumps({**document, "Statement": statements}))

    def _function_properties(self, props: dict[str, Any]) -> dict[str, Any]:
        merged = {**self.template.get("Globals", {}).get("Function", {}), **props}
        variables = {**self.template.get("Globals", {}).get("Function", {}).get("Environment", {})
                     .get("Variables", {}), **props.get("Environment", {}).get("Variables", {})}
        merged["Environment"] = {"Variables": {k: str(v) for k, v in self.resolver.resolve(variables).items()}}
        return merged

    def _create_function(self, logical: str, props: dict[str, Any]) -> None:
        merged = self._function_properties(props)
        name = self._ref(logical)
        role = self.client("iam").create_role(
            RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(_trust("lambda.amazonaws.com")))
        code_dir = (self.root / merged["CodeUri"]).resolve()
        self.client("lambda").create_function(
            FunctionName=name, Runtime=merged["Runtime"], Role=role["Role"]["Arn"], Handler=merged["Handler"],
            Code={"ZipFile": _zip_directory(code_dir)}, Timeout=int(merged.get("Timeout", 3)),
            MemorySize=int(merged.get("MemorySize", 128)), Environment=merged["Environment"],
            Architectures=merged.get("Architectures", ["x86_64"]),
        )
        self.lambdas.register(FunctionSpec(
            name=name, kind=code_dir.name, code_dir=code_dir, handler=merged["Handler"],
            timeout_seconds=int(merged.get("Timeout", 3)), memory_mb=int(merged.get("MemorySize", 128)),
            arn=self._get_att(logical, "Arn"),
        ))
        self.environment[logical] = merged["Environment"]["Variables"]

    def _export_function_environment(self, logicals: list[str]) -> None:
        # The functions share this process, so they share one environment: the template gives
        # them the same variables (Globals); refuse to run if that ever stops being true.
        environments = {json.dumps(self.environment[name], sort_keys=True) for name in logicals}
        if len(environments) != 1:
            raise RuntimeError("the embedded stack runs every function in one process: give them one environment")
        os.environ.update(self.environment[logicals[0]])

    def _create_state_machine(self, logical: str, props: dict[str, Any]) -> None:
        definition = (self.root / props["DefinitionUri"]).read_text(encoding="utf-8")
        for placeholder, value in self.resolver.resolve(props.get("DefinitionSubstitutions", {})).items():
            definition = definition.replace("${" + placeholder + "}", str(value))
        role = self.client("iam").create_role(
            RoleName=f"{self.stack_name}-{logical}-role",
            AssumeRolePolicyDocument=json.dumps(_trust("states.amazonaws.com")))
        response = self.client("stepfunctions").create_state_machine(
            name=self.resolver.resolve(props["Name"]), definition=definition, roleArn=role["Role"]["Arn"],
            type=props.get("Type", "STANDARD"))
        self.arns[logical] = response["stateMachineArn"]

    def _connect_events(self, logical: str, props: dict[str, Any]) -> None:
        configurations = []
        bucket = None
        for event in props.get("Events", {}).values():
            if event["Type"] == "HttpApi":
                continue  # `roster local serve` routes HTTP requests to the function itself
            if event["Type"] != "S3":
                if self.operations.connect_event(logical, event) or self.events.connect_event(logical, event):
                    continue
                raise NotImplementedError(f"the embedded stack does not connect {event['Type']} events yet")
            properties = self.resolver.resolve(event["Properties"])
            bucket = properties["Bucket"]
            events = properties["Events"] if isinstance(properties["Events"], list) else [properties["Events"]]
            rules = properties.get("Filter", {}).get("S3Key", {}).get("Rules", [])
            configurations.append({"LambdaFunctionArn": self._get_att(logical, "Arn"), "Events": events,
                                   **({"Filter": {"Key": {"FilterRules": rules}}} if rules else {})})
        if bucket:
            self.client("s3").put_bucket_notification_configuration(
                Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": configurations})

    # -- names -------------------------------------------------------------------------
    def _ref(self, logical: str) -> str:
        if logical in self.names:
            return self.names[logical]
        resource = self.template["Resources"][logical]
        props = resource.get("Properties", {})
        kind = resource["Type"]
        name: str
        if kind == "AWS::S3::Bucket" and "BucketName" in props:
            name = str(self.resolver.resolve(props["BucketName"]))
        elif kind == "AWS::Logs::LogGroup":
            name = str(self.resolver.resolve(props["LogGroupName"]))
        elif kind == "AWS::Serverless::StateMachine":
            name = self._get_att(logical, "Arn")
        elif kind == "AWS::Serverless::Function" and "FunctionName" in props:
            name = self.resolver.resolve(props["FunctionName"])
        elif (operations_name := self.operations.ref(logical, kind) or self.events.ref(logical, kind)) is not None:
            name = operations_name
        else:
            name = f"{self.stack_name}-{logical}"
        self.names[logical] = name
        return name

    def _get_att(self, logical: str, attribute: str) -> str:
        kind = self.template["Resources"][logical]["Type"]
        operations_value = (self.operations.get_att(logical, kind, attribute)
                            or self.events.get_att(logical, kind, attribute))
        if operations_value is not None:
            return operations_value
        if attribute != "Arn":
            raise NotImplementedError(f"the embedded stack does not resolve {logical}.{attribute}")
        if logical in self.arns:
            return self.arns[logical]
        kind = self.template["Resources"][logical]["Type"]
        props = self.template["Resources"][logical].get("Properties", {})
        prefix = f"arn:aws:{{}}:{REGION}:{ACCOUNT_ID}:"
        if kind == "AWS::Serverless::Function":
            return prefix.format("lambda") + f"function:{self._ref(logical)}"
        if kind == "AWS::DynamoDB::Table":
            return prefix.format("dynamodb") + f"table/{self._ref(logical)}"
        if kind == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{self._ref(logical)}"
        if kind == "AWS::Logs::LogGroup":
            return prefix.format("logs") + f"log-group:{self._ref(logical)}:*"
        if kind == "AWS::Serverless::StateMachine":
            return prefix.format("states") + f"stateMachine:{self.resolver.resolve(props['Name'])}"
        raise NotImplementedError(f"the embedded stack does not know the ARN of {kind}")

    def _parameters(self, overrides: dict[str, Any]) -> dict[str, Any]:
        values = {}
        for name, spec in self.template.get("Parameters", {}).items():
            if name in overrides:
                values[name] = checked_parameter(name, spec, str(overrides[name]))
            elif "Default" in spec:
                values[name] = str(spec["Default"])
            else:
                raise ValueError(f"template parameter {name} has no default: pass a value for it")
        unknown = set(overrides) - set(values)
        if unknown:
            raise ValueError(f"template.yaml has no parameter {', '.join(sorted(unknown))}")
        return values


def _trust(service: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


def _zip_directory(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(path.rglob("*.py")):
            archive.write(file, file.relative_to(path))
    return buffer.getvalue()
