"""IAM checked call by call on the embedded stack: each AWS call a function (or the state
machine) makes is evaluated against that principal's role, from the SAM-expanded template.

A botocore event hook (`before-parameter-build`, emitted for every API call and every presign)
sees the call before it is sent. The principal is the function whose handler is running
(`acting_as`, set by the Lambda stand-in around each handler) or the state machine (its
interpreter's clients, marked by moto_patches.state_machine_clients). A call the role does not
allow raises an AccessDenied ClientError to the caller, as AWS answers, and is recorded: the
stack's stop() then fails the run, naming the function, the action and the resource. A presigned
URL or form is checked when it is used, with its signer's rights (moto_patches.presigned_use).
The stand-in's own clients (loading the directory, reading results) act as no role and are not
checked. docs/deploy.md, "What is verified offline"."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

import boto3
from botocore import handlers, signers
from botocore.exceptions import ClientError

from roster_local.stack.iam_actions import Account, iam_prefix, requests_for, s3_object_requests
from roster_local.stack.iam_policy import Decision, Request, action_matches, evaluate

_acting: ContextVar[str | None] = ContextVar("roster_iam_principal", default=None)
_HOOK_ID = "roster-iam-guard"
_DECISIONS_KEPT = 50_000
STATE_MACHINE_CONTEXT = "roster_state_machine"  # set in a call's context by the state machine's clients
# A file: every request checked is appended to it, refusals let through and marked (audit, never in tests).
AUDIT_VARIABLE = "ROSTER_IAM_AUDIT"


@dataclass(frozen=True)
class Role:
    """A principal's role: its name and every statement of its policies."""

    principal: str  # the function's name, or the state machine's
    role_name: str
    statements: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Denial:
    principal: str
    request: Request
    decision: Decision

    def __str__(self) -> str:
        return f"{self.principal} may not {self.request.action} on {self.request.resource} ({self.decision.value})"


class AccessDeniedInRun(RuntimeError):
    """The run made calls its roles would not allow on AWS."""


@contextmanager
def acting_as(principal: str) -> Iterator[None]:
    """AWS calls made inside are the principal's (a function's handler, or its destination delivery)."""
    token = _acting.set(principal)
    try:
        yield
    finally:
        _acting.reset(token)


class IamGuard:
    """The roles of one embedded stack, checked against every call while installed."""

    active: IamGuard | None = None

    def __init__(self, roles: Mapping[str, Role], account: Account, state_machine: str | None) -> None:
        self.roles = dict(roles)
        self.account = account
        self.state_machine = state_machine
        self.denials: list[Denial] = []
        self.checked = 0
        self.used: set[tuple[str, str, str]] = set()  # (principal, action, resource) of every request checked
        # False: record denials but let the calls through, to list them all at once (AUDIT_VARIABLE).
        self.enforce = not os.environ.get(AUDIT_VARIABLE)
        self._signers: dict[str, str] = {}  # presigned signature -> the principal that signed it
        self._decisions: dict[tuple[str, str, str, tuple[tuple[str, str | tuple[str, ...]], ...]], Decision] = {}
        # (principal, action) -> the condition keys its statements for that action test: a request's other
        # keys cannot change the decision, so they are left out of it and of the cache key (most calls then
        # repeat a decision already made).
        self._tested: dict[tuple[str, str], frozenset[str]] = {}
        self._lock = threading.Lock()

    # -- installing ------------------------------------------------------------------------
    def install(self) -> None:
        _install_hooks()
        IamGuard.active = self

    def uninstall(self) -> None:
        if IamGuard.active is self:
            IamGuard.active = None
        audit = os.environ.get(AUDIT_VARIABLE)
        if audit:  # what every role used and was refused, one JSON line per request, for docs/deploy.md's table
            with self._lock, open(audit, "a", encoding="utf-8") as out:
                refused = {(d.principal, d.request.action, d.request.resource) for d in self.denials}
                for principal, action, resource in sorted(self.used):
                    out.write(json.dumps({"principal": principal, "action": action, "resource": resource,
                                          "refused": (principal, action, resource) in refused}) + "\n")

    def take_denials(self) -> list[Denial]:
        """The denials so far, forgotten (a test that provokes one takes it)."""
        with self._lock:
            taken, self.denials = self.denials, []
        return taken

    def raise_if_denied(self) -> None:
        if self.denials:
            listed = "\n".join(f"  {denial}" for denial in self.denials)
            raise AccessDeniedInRun(f"{len(self.denials)} AWS call(s) the deployed roles would refuse:\n{listed}")

    # -- checking ----------------------------------------------------------------------------
    def check(self, principal: str, requests: list[Request], operation: str) -> None:
        """Raise AccessDenied (and record it) unless the principal's role allows every request."""
        role = self.roles.get(principal)
        for request in requests:
            decision = self._decide(principal, role, request)
            with self._lock:
                self.checked += 1
                self.used.add((principal, request.action, request.resource))
            if decision is Decision.ALLOWED:
                continue
            denial = Denial(principal, request, decision)
            with self._lock:
                self.denials.append(denial)
            if not self.enforce:
                continue
            role_name = role.role_name if role else "(no role)"
            code = "AccessDenied" if request.action.startswith("s3:") else "AccessDeniedException"
            message = (f"User: arn:aws:sts::{self.account.account_id}:assumed-role/{role_name}/{principal} "
                       f"is not authorized to perform: {request.action} on resource: {request.resource} "
                       f"because no identity-based policy allows the {request.action} action"
                       if decision is Decision.NOT_ALLOWED else
                       f"User: {role_name} is not authorized to perform: {request.action} on resource: "
                       f"{request.resource} with an explicit deny in an identity-based policy")
            raise ClientError({"Error": {"Code": code, "Message": message}}, operation)

    def _decide(self, principal: str, role: Role | None, request: Request) -> Decision:
        # Roles never change once the stack runs: a decision is reused (most calls repeat the same
        # action on the same table), which keeps the check cheap for 100,000-row runs.
        tested = self._tested.get((principal, request.action))
        if tested is None:
            tested = _condition_keys(role.statements, request.action) if role else frozenset()
            self._tested[(principal, request.action)] = tested
        context = {name: value for name, value in request.context.items() if name.lower() in tested}
        key = (principal, request.action, request.resource, tuple(sorted(context.items())))
        decision = self._decisions.get(key)
        if decision is None:
            decision = evaluate(role.statements, replace(request, context=context)) if role else Decision.NOT_ALLOWED
            with self._lock:
                if len(self._decisions) >= _DECISIONS_KEPT:
                    self._decisions.clear()
                self._decisions[key] = decision
        return decision

    def remember_signer(self, signature: str) -> None:
        principal = _acting.get()
        if principal is not None:
            with self._lock:
                self._signers[signature] = principal

    def check_presigned_use(self, signature: str, operation: str, bucket: str, key: str,
                            version: str | None) -> str | None:
        """A presigned URL or form being used: None if its signer may, else the refusal's message."""
        with self._lock:
            principal = self._signers.get(signature)
        if principal is None:
            return None  # signed by the stand-in itself (its own test clients), not by a function
        try:
            self.check(principal, s3_object_requests(operation, bucket, key, version, self.account), operation)
        except ClientError as error:
            return str(error.response["Error"]["Message"])
        return None

    def on_call(self, params: Mapping[str, Any], model: Any, context: dict[str, Any]) -> None:
        if context.get("is_presign_request"):
            return  # a presign sends nothing: its use is checked (check_presigned_use)
        principal = self.state_machine if context.get(STATE_MACHINE_CONTEXT) else _acting.get()
        if principal is None:
            return
        service = iam_prefix(model.service_model.signing_name)
        self.check(principal, requests_for(service, model.name, params, self.account), model.name)


def _condition_keys(statements: tuple[Mapping[str, Any], ...], action: str) -> frozenset[str]:
    """Every condition key tested by the statements that name this action, lower case (IAM's keys are
    case-insensitive)."""
    return frozenset(key.lower() for statement in statements if action_matches(statement, action)
                     for pairs in statement.get("Condition", {}).values() for key in pairs)


def _before_parameter_build(params: Mapping[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    guard = IamGuard.active
    if guard is not None:
        guard.on_call(params, model, context)


_installed = False


def _install_hooks() -> None:
    """Once per process: the hook on every botocore session made from now on, and on boto3's default one;
    presigning wrapped so that each signature's signer is remembered."""
    global _installed
    if _installed:
        return
    # The default session first (made now if need be), then every later session through botocore's
    # built-in handlers: each session gets the hook exactly once.
    boto3._get_default_session().events.register("before-parameter-build", _before_parameter_build,
                                                  unique_id=_HOOK_ID)
    handlers.BUILTIN_HANDLERS.append(("before-parameter-build", _before_parameter_build))
    _wrap_presigners()
    _installed = True


def _wrap_presigners() -> None:
    presign_url = signers.RequestSigner.generate_presigned_url
    presign_post = signers.S3PostPresigner.generate_presigned_post

    def generate_presigned_url(self: Any, *args: Any, **kwargs: Any) -> str:
        url: str = presign_url(self, *args, **kwargs)
        if IamGuard.active is not None and "X-Amz-Signature=" in url:
            IamGuard.active.remember_signer(url.split("X-Amz-Signature=", 1)[1].split("&", 1)[0])
        return url

    def generate_presigned_post(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        post: dict[str, Any] = presign_post(self, *args, **kwargs)
        signature = post.get("fields", {}).get("x-amz-signature")
        if IamGuard.active is not None and signature:
            IamGuard.active.remember_signer(signature)
        return post

    signers.RequestSigner.generate_presigned_url = generate_presigned_url
    signers.S3PostPresigner.generate_presigned_post = generate_presigned_post
