"""The embedded stack's AWS endpoint on a local port: moto's server mode, serving the same
in-process backends as the stack, so that a browser or the CLI can post an upload form to
the embedded S3 and sign in to the embedded Cognito.

Two fixes (moto 5.1.22), for what a browser and the CLI ask of it:

1. The server picks a service from a request's signature, target header or body, and a plain
   GET of /<pool id>/.well-known/jwks.json has none of them, so it never reaches Cognito. Here
   that path goes to the Cognito backend, where moto answers it.
2. moto has no RevokeToken, which the console calls on sign-out: the server failed it with a
   500 and no CORS headers. Here it revokes the refresh token as GlobalSignOut does (a refresh
   with it is refused), for the app client that was given it.

CORS: moto's server answers every service through flask-cors (requirements-dev.txt pins it),
which allows any origin. A browser's preflight before Cognito's JSON API carries no signature,
target or body, so the server hands it to its S3 app, whose flask-cors answers it. S3 answers
preflights itself from the bucket's CORS rules (the template's, with ConsoleOrigin), refusing an
origin they do not name; the form's POST needs no preflight, and flask-cors lets the page read
its answer."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from moto.cognitoidp.models import RegionAgnosticBackend
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from roster_local.serve.aws_gate import JWKS_PATH, AwsGate, StackCredentials


class _Dispatcher(DomainDispatcherApplication):
    def get_application(self, environ: dict[str, Any]) -> Flask:
        if JWKS_PATH.fullmatch(environ.get("PATH_INFO", "")):
            with self.lock:
                if "cognito-idp" not in self.app_instances:
                    self.app_instances["cognito-idp"] = self.create_app("cognito-idp")
                return self.app_instances["cognito-idp"]
        return super().get_application(environ)


def _revoke_token(self: CognitoIdpResponse) -> ActionResult:
    client_id, token = self._get_param("ClientId"), self._get_param("Token")
    backend = RegionAgnosticBackend(self.current_account, self.region)._find_backend_for_clientid(client_id)
    for pool in backend.user_pools.values():
        held = pool.refresh_tokens.get(token)
        if held is not None and held[0] == client_id:
            pool.refresh_tokens[token] = None  # what GlobalSignOut leaves: "Refresh Token has been revoked"
    return EmptyResult()


def install_revoke_token() -> None:
    """Give moto's Cognito the RevokeToken action (idempotent)."""
    CognitoIdpResponse.revoke_token = _revoke_token  # type: ignore[attr-defined]


class LocalAwsEndpoint(ThreadedMotoServer):
    """moto's threaded server on 127.0.0.1 (port 0: any free port), with the JWKS fix, behind the
    gate that answers only what AWS would (roster_local.serve.aws_gate)."""

    def __init__(self, credentials: StackCredentials, port: int = 0) -> None:
        super().__init__(ip_address="127.0.0.1", port=port, verbose=False)
        self.credentials = credentials

    def _server_entry(self) -> None:
        gate = AwsGate(_Dispatcher(create_backend_app), self.credentials)
        self._server = make_server(self._ip_address, self._port, gate, threaded=True)
        self._server_ready_event.set()
        self._server.serve_forever()

    @property
    def url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"


def started_endpoint(credentials: StackCredentials, port: int = 0) -> LocalAwsEndpoint:
    """A started endpoint that takes calls signed with `credentials` (its thread is a daemon: it
    never keeps the process alive)."""
    install_revoke_token()
    endpoint = LocalAwsEndpoint(credentials, port)
    endpoint.start()
    assert isinstance(endpoint._thread, threading.Thread)
    return endpoint
