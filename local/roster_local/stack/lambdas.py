"""InProcessLambda: lets moto's Lambda run the project's real handlers in this process.

moto (without Docker) answers a Lambda invocation by echoing its payload. This adapter
replaces that answer (installed by moto_patches.lambda_invoke) with a call of the function's
handler, loaded from the CodeUri and Handler that template.yaml gives it, with a Lambda-like
context. It covers:

- synchronous invocations (Step Functions' lambda:invoke), answered like Lambda answers:
  a handler exception becomes FunctionError "Unhandled" with errorType = exception class;
- asynchronous invocations (the S3 event notification), queued and retried on failure as
  the function's event invoke configuration says (twice by default), the way Lambda retries
  asynchronous events (delays shortened for one machine); an event that fails every attempt
  goes, as an invocation record, to the configured on-failure destination (an SQS queue,
  whose consumer moto then invokes, or a function);
- fault injection (--chaos): an invocation fails before its handler runs (a Lambda service
  error) or after it ran, its side effects done but its response lost (a timeout).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import random
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from moto.core.exceptions import JsonRESTError

from roster_local.moto_patches import lambda_invoke
from roster_local.stack.iam_guard import acting_as
from roster_local.stack.limits import check_async_event, oversized_response

logger = logging.getLogger(__name__)
ASYNC_RETRY_DELAYS = (0.2, 0.4)  # Lambda waits about 1 and 2 minutes; one machine need not.
WHENS = ("before", "after")
CHAOS_FUNCTIONS = ("validate", "create", "notify", "events")  # events: the Jobs stream's consumer


class LambdaServiceException(JsonRESTError):
    """What the Invoke API answers when Lambda itself fails (Step Functions: Lambda.ServiceException)."""

    code = 500

    def __init__(self, message: str) -> None:
        super().__init__("ServiceException", message)


class InvocationTimedOut(Exception):
    """The handler ran but its response never arrived (errorType Sandbox.Timedout, as Lambda says)."""


@dataclass(frozen=True)
class ChaosRule:
    function: str  # one of CHAOS_FUNCTIONS
    when: str  # before or after
    rate: float


def parse_chaos(spec: str) -> list[ChaosRule]:
    """`create:after:0.2,validate:before:0.5` -> rules; a bad part raises ValueError naming it."""
    rules = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        pieces = part.split(":")
        if len(pieces) != 3:
            raise ValueError(f"chaos rule '{part}' must be FUNCTION:WHEN:RATE, e.g. create:after:0.2")
        function, when, rate_text = pieces
        if function not in CHAOS_FUNCTIONS:
            raise ValueError(f"chaos rule '{part}': FUNCTION must be one of {', '.join(CHAOS_FUNCTIONS)}")
        if when not in WHENS:
            raise ValueError(f"chaos rule '{part}': WHEN must be before or after")
        try:
            rate = float(rate_text)
        except ValueError as exc:
            raise ValueError(f"chaos rule '{part}': RATE must be a number from 0 to 1") from exc
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"chaos rule '{part}': RATE must be from 0 to 1")
        rules.append(ChaosRule(function, when, rate))
    return rules


@dataclass
class FunctionSpec:
    """One function of the template, as the adapter runs it."""

    name: str  # physical name
    kind: str  # validate, create or notify (the chaos name)
    code_dir: Path
    handler: str  # module.function
    timeout_seconds: int
    memory_mb: int
    arn: str


@dataclass
class LambdaContext:
    """The attributes and method of the Lambda Python runtime's context object."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    deadline: float
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.time()) * 1000))


@dataclass
class InvocationStats:
    invocations: dict[str, int] = field(default_factory=dict)
    injected: dict[str, int] = field(default_factory=dict)  # "create:after" -> count
    handler_errors: dict[str, int] = field(default_factory=dict)
    async_retries: dict[str, int] = field(default_factory=dict)
    handler_seconds: dict[str, float] = field(default_factory=dict)  # wall time inside handlers, by kind
    dropped_events: list[str] = field(default_factory=list)  # async events that failed every attempt
    dead_letters: list[dict[str, Any]] = field(default_factory=list)  # their records, sent to a destination


class InProcessLambda:
    """Runs registered functions' handlers in-process for moto's Lambda."""

    def __init__(self, chaos: list[ChaosRule] | None = None, seed: int | None = None) -> None:
        self.functions: dict[str, FunctionSpec] = {}
        self.chaos = chaos or []
        # One generator per function: the faults each function sees do not depend on how the
        # threads of other functions interleave, so a seed repeats a run.
        self.randoms = {kind: random.Random(f"{seed}:{kind}") for kind in CHAOS_FUNCTIONS}
        self.stats = InvocationStats()
        self._modules: dict[str, ModuleType] = {}
        self._lock = threading.Lock()
        self._in_flight = 0
        self._warm: set[str] = set()  # functions whose first invocation has ended
        self._first_invocation: dict[str, threading.Lock] = {}
        self._idle = threading.Condition(self._lock)

    def register(self, spec: FunctionSpec) -> None:
        self.functions[spec.name] = spec

    # -- installing into moto ---------------------------------------------------------
    def install(self) -> None:
        """Route moto's Lambda invocations (sync and S3-async) to this adapter (moto_patches.lambda_invoke)."""
        lambda_invoke.apply()
        lambda_invoke.route_to(self)

    def uninstall(self) -> None:
        lambda_invoke.route_to(None)

    # -- invoking --------------------------------------------------------------------
    def invoke(self, function: str, event: Any) -> tuple[Any, bool]:
        """A synchronous invocation: (payload, is_function_error), as Lambda's Invoke answers."""
        spec = self._spec(function)
        self._count(self.stats.invocations, spec.kind)
        if self._injects(spec, "before"):
            raise LambdaServiceException(f"Injected fault: {spec.kind} failed before its handler ran")
        started = time.perf_counter()
        try:
            result = self._run_first_alone(spec, event)
        except Exception as exc:  # the runtime reports every handler exception as a function error
            self._count(self.stats.handler_errors, f"{spec.kind}:{type(exc).__name__}")
            logger.warning("%s handler raised %s", spec.kind, type(exc).__name__, exc_info=exc)
            return _error_payload(exc), True
        finally:
            with self._lock:
                seconds = self.stats.handler_seconds
                seconds[spec.kind] = seconds.get(spec.kind, 0.0) + time.perf_counter() - started
        too_large = oversized_response(result)  # Lambda's 6 MB (roster_local.stack.limits)
        if too_large is not None:
            self._count(self.stats.handler_errors, f"{spec.kind}:{too_large['errorType']}")
            return too_large, True
        if self._injects(spec, "after"):
            return _error_payload(InvocationTimedOut(
                f"Task timed out after {spec.timeout_seconds}.00 seconds (injected: the response was lost)"),
                error_type="Sandbox.Timedout"), True
        return result, False

    def invoke_async(self, function: str, event: Any) -> None:
        """An asynchronous invocation (S3 event): queued, retried twice if it fails; an event
        over Lambda's 256 KB is refused (RequestTooLarge), as the Invoke API refuses it."""
        spec = self._spec(function)
        check_async_event(event)
        with self._lock:
            self._in_flight += 1
        threading.Thread(target=self._run_async, args=(spec, event), daemon=True,
                         name=f"async-{spec.kind}").start()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no asynchronous invocation is queued or running."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def _run_async(self, spec: FunctionSpec, event: Any) -> None:
        try:
            retries, on_failure = self._async_configuration(spec)
            delays = (0.0, *ASYNC_RETRY_DELAYS[:retries])
            response: dict[str, Any] = {}
            for attempt, delay in enumerate(delays, start=1):
                time.sleep(delay)
                try:
                    payload, failed = self.invoke(spec.name, event)
                except LambdaServiceException as exc:
                    payload, failed = {"errorMessage": exc.message, "errorType": "ServiceException"}, True
                if not failed:
                    return
                response = payload if isinstance(payload, dict) else {"errorMessage": str(payload)}
                if attempt < len(delays):
                    self._count(self.stats.async_retries, spec.kind)
            # Every attempt failed: Lambda sends the invocation record to the on-failure destination.
            record = _invocation_record(spec, event, len(delays), response)
            if on_failure:
                with self._lock:  # before delivering: the destination's consumer runs within the delivery
                    self.stats.dead_letters.append(record)
                self._deliver(on_failure, record, spec.name)
            with self._lock:
                # Whole, not cut short: a caller finds its upload's key in it.
                self.stats.dropped_events.append(f"{spec.kind}: {json.dumps(event)}")
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _async_configuration(self, spec: FunctionSpec) -> tuple[int, str | None]:
        """(retries, on-failure destination ARN) from the function's event invoke configuration."""
        lambda_client = boto3.client("lambda", region_name=spec.arn.split(":")[3])
        try:
            config = lambda_client.get_function_event_invoke_config(FunctionName=spec.name)
        except lambda_client.exceptions.ResourceNotFoundException:
            return len(ASYNC_RETRY_DELAYS), None
        retries = min(int(config.get("MaximumRetryAttempts", len(ASYNC_RETRY_DELAYS))), len(ASYNC_RETRY_DELAYS))
        return retries, config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination") or None

    def _deliver(self, destination: str, record: dict[str, Any], principal: str) -> bool:
        """Send an invocation record to an SQS queue or a function, as Lambda does; False if it could not."""
        service, region, name = destination.split(":")[2], destination.split(":")[3], destination.split(":")[-1]
        try:
            if service == "sqs":
                sqs = boto3.client("sqs", region_name=region)
                url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
                with acting_as(principal):  # Lambda sends it with the function's execution role
                    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))
                return True
            if service == "lambda":
                self.invoke_async(destination, record)
                return True
        except Exception:  # Lambda counts these as DestinationDeliveryFailures and drops the record
            logger.exception("could not deliver a failed event to %s", destination)
            return False
        logger.warning("the embedded stack does not deliver to %s destinations (%s)", service, destination)
        return False

    def _run_first_alone(self, spec: FunctionSpec, event: Any) -> Any:
        """A function's first invocation runs alone. On Lambda each execution environment runs
        one invocation at a time; here concurrent invocations are threads sharing one module,
        and libraries initialise lazily on first use without a lock (Powertools idempotency
        configures its persistence layer on the first call: a second thread can see it half
        configured and fail with IdempotencyPersistenceLayerError)."""
        with self._lock:
            first = None if spec.name in self._warm else self._first_invocation.setdefault(spec.name, threading.Lock())
        if first is not None:
            with first:
                if spec.name not in self._warm:
                    try:
                        return self._run_handler(spec, event)
                    finally:
                        with self._lock:
                            self._warm.add(spec.name)
        return self._run_handler(spec, event)

    def _run_handler(self, spec: FunctionSpec, event: Any) -> Any:
        module_name, function_name = spec.handler.rsplit(".", 1)
        handler: Callable[[Any, Any], Any] = getattr(self._module(spec, module_name), function_name)
        context = LambdaContext(function_name=spec.name, invoked_function_arn=spec.arn,
                                memory_limit_in_mb=spec.memory_mb, deadline=time.time() + spec.timeout_seconds,
                                log_group_name=f"/aws/lambda/{spec.name}")
        # Round-trip through JSON, as Lambda does: handlers get plain data, and return it. Its AWS
        # calls are checked against the function's role (roster_local.stack.iam_guard).
        with acting_as(spec.name):
            return json.loads(json.dumps(handler(json.loads(json.dumps(event)), context)))

    def _module(self, spec: FunctionSpec, module_name: str) -> ModuleType:
        key = f"{spec.name}:{module_name}"
        with self._lock:
            if key not in self._modules:
                path = spec.code_dir / f"{module_name}.py"
                module_spec = importlib.util.spec_from_file_location(f"roster_function_{spec.kind}", path)
                if module_spec is None or module_spec.loader is None:
                    raise RuntimeError(f"cannot load handler module {path}")
                module = importlib.util.module_from_spec(module_spec)
                sys.modules[module_spec.name] = module  # as an import would: pydantic resolves names through it
                _register_siblings(spec.code_dir, module_name)
                module_spec.loader.exec_module(module)
                self._modules[key] = module
            return self._modules[key]

    def _spec(self, function: str) -> FunctionSpec:
        name = function.split(":")[6] if function.startswith("arn:") else function
        try:
            return self.functions[name]
        except KeyError:
            raise LambdaServiceException(f"Function not found: {function}") from None

    def _injects(self, spec: FunctionSpec, when: str) -> bool:
        for rule in self.chaos:
            if rule.function == spec.kind and rule.when == when:
                with self._lock:
                    hit = self.randoms[spec.kind].random() < rule.rate
                if hit:
                    self._count(self.stats.injected, f"{spec.kind}:{when}")
                    return True
        return False

    def _count(self, counter: dict[str, int], key: str) -> None:
        with self._lock:
            counter[key] = counter.get(key, 0) + 1


def _invocation_record(spec: FunctionSpec, event: Any, attempts: int, response: dict[str, Any]) -> dict[str, Any]:
    """The invocation record Lambda sends to an on-failure destination (its documented shape)."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": f"{spec.arn}:$LATEST",
                           "condition": "RetriesExhausted", "approximateInvokeCount": attempts},
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {key: response[key] for key in ("errorMessage", "errorType") if key in response},
    }


def _register_siblings(code_dir: Path, handler_module: str) -> None:
    """The modules beside a handler, importable by their names, as in Lambda.

    Lambda runs a handler with its code folder first on the import path (/var/task), so a
    handler imports the modules beside it by name (the api function's console_routes). Here
    every function shares one process and one import path: each such module is registered
    by file under its name instead, loaded lazily (on first use, so their order is free)."""
    for path in sorted(code_dir.glob("*.py")):
        if path.stem == handler_module or path.stem in sys.modules:
            continue
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        if module_spec is None or module_spec.loader is None:
            raise RuntimeError(f"cannot load module {path}")
        module_spec.loader = importlib.util.LazyLoader(module_spec.loader)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[path.stem] = module
        module_spec.loader.exec_module(module)


def _error_payload(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": str(uuid.uuid4()),
        "stackTrace": traceback.format_exception(type(exc), exc, exc.__traceback__)[-5:],
    }
