"""The console's page and files as routes of the api function: `/` and one per file of `console/`.

They need no sign-in (template.yaml gives each route `Auth: NONE`); the page signs in by itself.
Every answer carries the console's security headers, whose Content-Security-Policy lets the page
call its own API, the user pool and the upload bucket and nothing else, and `Cache-Control:
no-cache`, so that a browser checks for a new console on each visit instead of keeping an old one.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from console_assets import asset, asset_paths, security_headers

from roster import wiring


def console_router() -> APIGatewayHttpRouter:
    """A router with a GET route for every path `console_assets.asset_paths()` serves."""
    router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated
    for path in sorted(asset_paths()):
        router.get(path, compress=True)(_console_file(path))  # by call: Powertools' decorators carry no types
    return router


def _console_file(path: str) -> Callable[[], Response[bytes]]:
    found = asset(path)
    assert found is not None, path  # asset_paths() names only files asset() has
    body, content_type = found

    def console_file() -> Response[bytes]:
        headers = {**security_headers(wiring.console_connect_origins()), "Cache-Control": "no-cache",
                   "Vary": "Accept-Encoding"}  # gzip or not, by what the browser accepts
        return Response(status_code=200, content_type=content_type, body=body, headers=headers)

    return console_file
