"""The HTTP server of `roster local serve`: 127.0.0.1 only, one thread per request.

It is bound before the embedded stack is built, so that the stack knows the console's origin
(its bucket's CORS rules name it); the API it answers with is set once the stack is up."""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from roster_local.serve.api_gateway import HttpRequest
from roster_local.serve.http_api import LocalHttpApi

logger = logging.getLogger(__name__)


class LocalServer(ThreadingHTTPServer):
    """Hands every request to `api`; serve only once it is set."""

    api: LocalHttpApi | None = None

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`: where the console is, and the CORS origin the stack must allow."""
        return f"http://127.0.0.1:{self.server_address[1]}"


def local_server(port: int) -> LocalServer:
    """A server bound to 127.0.0.1:port (0: any free port); set its `api` before serving."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "roster-local"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = HttpRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                  self.rfile.read(length) if length else b"")
            assert isinstance(self.server, LocalServer) and self.server.api is not None, "serve once api is set"
            try:
                response = self.server.api.answer(request)
            except Exception:  # the server must outlive any one request
                logger.exception("request failed")
                self.send_error(500)
                return
            self.send_response(response.status)
            for name, value in response.headers:
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = do_HEAD = _handle

        def log_message(self, format: str, *args: object) -> None:
            logger.debug("%s " + format, self.address_string(), *args)

    server = LocalServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server
