"""The embedded stack's AWS endpoint on a local port: moto's server mode, serving the same
in-process backends as the stack, so that a browser or the CLI can post an upload form to
the embedded S3 and sign in to the embedded Cognito.

One fix (moto 5.1.22): the server picks a service from a request's signature, target header
or body, and a plain GET of /<pool id>/.well-known/jwks.json has none of them, so it never
reaches Cognito. Here that path goes to the Cognito backend, where moto answers it."""

from __future__ import annotations

import re
import threading
from typing import Any

from flask import Flask
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

JWKS_PATH = re.compile(r"/[\w-]+_[0-9A-Za-z]+/\.well-known/jwks\.json")


class _Dispatcher(DomainDispatcherApplication):
    def get_application(self, environ: dict[str, Any]) -> Flask:
        if JWKS_PATH.fullmatch(environ.get("PATH_INFO", "")):
            with self.lock:
                if "cognito-idp" not in self.app_instances:
                    self.app_instances["cognito-idp"] = self.create_app("cognito-idp")
                return self.app_instances["cognito-idp"]
        return super().get_application(environ)


class LocalAwsEndpoint(ThreadedMotoServer):
    """moto's threaded server on 127.0.0.1 (port 0: any free port), with the JWKS fix."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(ip_address="127.0.0.1", port=port, verbose=False)

    def _server_entry(self) -> None:
        self._server = make_server(self._ip_address, self._port, _Dispatcher(create_backend_app), threaded=True)
        self._server_ready_event.set()
        self._server.serve_forever()

    @property
    def url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"


def started_endpoint(port: int = 0) -> LocalAwsEndpoint:
    """A started endpoint (its thread is a daemon: it never keeps the process alive)."""
    endpoint = LocalAwsEndpoint(port)
    endpoint.start()
    assert isinstance(endpoint._thread, threading.Thread)
    return endpoint
