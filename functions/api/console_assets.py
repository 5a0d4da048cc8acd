"""The administrators' console: its static files and the headers it must be served with.

The API handler serves the page at `/` and its modules beside it with one call:

    found = asset(path)
    if found is not None:
        body, content_type = found
        headers = security_headers([cognito_endpoint, upload_form_url])
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

CONSOLE_DIR = Path(__file__).resolve().with_name("console")

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}

# Headers that do not depend on where the deployment lives; the API's JSON and CSV answers may carry them too.
SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


@cache
def _assets() -> dict[str, tuple[bytes, str]]:
    """Every file of the console folder by the URL path it is served at; read once per process."""
    served: dict[str, tuple[bytes, str]] = {}
    for file in sorted(CONSOLE_DIR.iterdir()):
        content_type = _CONTENT_TYPES.get(file.suffix)
        if content_type is None or not file.is_file():
            continue  # LICENCE notes and anything else in the folder are not served
        served["/" + file.name] = (file.read_bytes(), content_type)
    served["/"] = served.pop("/index.html")
    return served


def asset_paths() -> frozenset[str]:
    """The URL paths `asset` answers: `/` and one per file (`/console.js`, `/console.css`, ...)."""
    return frozenset(_assets())


def asset(path: str) -> tuple[bytes, str] | None:
    """The bytes and content type served at this URL path, or None when the console has no such file."""
    return _assets().get(path)


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of an absolute http(s) URL; ValueError for anything a CSP source list must not hold."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    if parts.username or parts.password:
        raise ValueError("a URL with credentials cannot be a CSP source")
    host = parts.hostname
    if not all(ch.isalnum() or ch in ".-" for ch in host):
        raise ValueError(f"unexpected characters in host {host!r}")
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{host}{port}"


def security_headers(connect_origins: list[str]) -> dict[str, str]:
    """Headers for the console's responses: a strict CSP that lets the page call its own API and these origins.

    `connect_origins` are the Cognito endpoint and the upload form's URL (the bucket), known only at run
    time; any URL is reduced to its origin.
    """
    origins = sorted({origin_of(url) for url in connect_origins})
    connect = " ".join(["'self'", *origins])
    policy = "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "font-src 'self'",
            f"connect-src {connect}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "require-trusted-types-for 'script'",
            "trusted-types 'none'",
        )
    )
    return {"Content-Security-Policy": policy, **SECURITY_HEADERS}
