"""The template's HTTP API on one machine: its routes (the HttpApi events of its functions),
the JWT authorizer of each, and a request handed to the function as API Gateway would."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from roster_local.serve.api_gateway import HttpRequest, HttpResponse, api_gateway_event, http_response
from roster_local.serve.mailroom import MAIL_PREFIX, Mailroom
from roster_local.serve.token_check import JwtAuthorizer, TokenRefused

if TYPE_CHECKING:
    from roster_local.stack.embedded_stack import EmbeddedStack


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as the template writes it: /uploads/{upload_id}
    pattern: re.Pattern[str]
    function: str  # physical name
    authorizer: str | None  # None: no sign-in

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def specificity(self) -> tuple[int, int]:
        # API Gateway prefers literal paths to parameters, and a greedy {proxy+} last.
        return (self.path.count("+}"), self.path.count("{"))


def _pattern(path: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", re.escape(path))
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", regex)
    return re.compile(regex)


def _message(status: int, message: str) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")], json.dumps({"message": message}).encode())


class LocalHttpApi:
    """Every HttpApi route of the template, answered by the stack's in-process functions."""

    def __init__(self, stack: EmbeddedStack, aws_endpoint: str) -> None:
        self.stack = stack
        self.routes: list[Route] = []
        self._function_locks: dict[str, threading.Lock] = {}
        self.authorizers: dict[str, JwtAuthorizer] = {}
        for logical, api in stack._resources("AWS::Serverless::HttpApi"):
            self._add_api(logical, api, aws_endpoint)

    def _add_api(self, api_logical: str, api: dict[str, Any], aws_endpoint: str) -> None:
        auth = api.get("Auth", {})
        for name, spec in auth.get("Authorizers", {}).items():
            jwt_config = self.stack.resolver.resolve(spec["JwtConfiguration"])
            pool_id = jwt_config["issuer"].rstrip("/").rsplit("/", 1)[-1]
            self.authorizers[name] = JwtAuthorizer(jwt_config["issuer"], list(jwt_config["audience"]),
                                                   f"{aws_endpoint}/{pool_id}/.well-known/jwks.json")
        default = auth.get("DefaultAuthorizer")
        for function, props in self.stack._resources("AWS::Serverless::Function"):
            for event in props.get("Events", {}).values():
                properties = event["Properties"]
                if event["Type"] != "HttpApi" or properties.get("ApiId", {}).get("Ref") != api_logical:
                    continue
                chosen = properties.get("Auth", {}).get("Authorizer", default)
                self.routes.append(Route(properties["Method"].upper(), properties["Path"],
                                         _pattern(properties["Path"]), self.stack._ref(function),
                                         None if chosen == "NONE" else chosen))
        self.routes.sort(key=lambda r: r.specificity)

    mailroom: Mailroom | None = None  # local serve's sent emails (serve/mailroom.py): local mode only

    def answer(self, request: HttpRequest) -> HttpResponse:
        """What API Gateway would answer: 404 for no route, 401 for a token its authorizer refuses."""
        path = request.target.split("?", 1)[0]
        if self.mailroom is not None and request.method == "GET" and path.startswith(MAIL_PREFIX):
            return self._local_mail(path, request)
        route = next((r for r in self.routes if r.method in (request.method, "ANY") and r.pattern.fullmatch(path)),
                     None)
        if route is None:
            return _message(404, "Not Found")
        claims = None
        if route.authorizer is not None:
            try:
                claims = self.authorizers[route.authorizer].claims(request.headers.get("authorization"))
            except TokenRefused:
                return _message(401, "Unauthorized")
        event = api_gateway_event(request, route.key, claims)
        # One event at a time per function, as one Lambda execution environment takes them:
        # Powertools' resolvers keep the current event in class attributes, so two requests
        # handled at once in this one process would be answered with each other's event
        # (tests/e2e/test_scim.py, concurrent requests).
        with self._function_locks.setdefault(route.function, threading.Lock()):
            payload, failed = self.stack.lambdas.invoke(route.function, event)
        if failed or not isinstance(payload, dict):
            return _message(500, "Internal Server Error")
        response = http_response(payload)
        if self.mailroom is not None and route.key == "GET /config" and response.status == 200:
            # The console shows its Mailbox page only when /config says the mail is kept here.
            response.body = json.dumps({**json.loads(response.body), "local_mailbox": MAIL_PREFIX[1:]}).encode()
        return response

    def _local_mail(self, path: str, request: HttpRequest) -> HttpResponse:
        """The signed-in administrator's emails (an ID token, checked as the API's authorizer checks it)."""
        assert self.mailroom is not None
        try:
            claims = next(iter(self.authorizers.values())).claims(request.headers.get("authorization"))
        except (TokenRefused, StopIteration):
            return _message(401, "Unauthorized")
        if "@" not in str(claims.get("email", "")):
            return _message(401, "Unauthorized")
        return self.mailroom.answer(path, str(claims["email"]))
