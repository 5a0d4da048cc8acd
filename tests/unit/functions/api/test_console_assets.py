"""The console's files and headers as the API handler serves them."""

from __future__ import annotations

import re

import pytest

from functions.api.console_assets import SECURITY_HEADERS, asset, asset_paths, origin_of, security_headers

COGNITO = "https://cognito-idp.eu-west-2.amazonaws.com"
BUCKET_FORM = "https://roster-uploads-123.s3.eu-west-2.amazonaws.com/"


def test_the_page_is_served_at_the_root_with_its_modules_beside_it() -> None:
    page = asset("/")
    assert page is not None
    body, content_type = page
    assert content_type == "text/html; charset=utf-8"
    assert b'<script type="module" src="console.js"></script>' in body
    assert asset("/console.js") is not None and asset("/console.js")[1] == "text/javascript; charset=utf-8"  # type: ignore[index]
    assert asset("/console.css") is not None and asset("/console.css")[1] == "text/css; charset=utf-8"  # type: ignore[index]
    assert {"/", "/console.js", "/console.css", "/cognito.js", "/favicon.svg"} <= asset_paths()


@pytest.mark.parametrize("path", ["/index.html", "/../console_assets.py", "/console_assets.py", "/config", "",
                                  "/console.js/", "/CONSOLE.JS", "/LICENCE"])
def test_nothing_else_is_served(path: str) -> None:
    assert asset(path) is None


def test_every_module_the_page_imports_is_served() -> None:
    for path in asset_paths() - {"/"}:
        if path.endswith(".js"):
            body = asset(path)[0].decode()  # type: ignore[index]
            for imported in re.findall(r"from '\./([\w-]+\.js)'", body):
                assert f"/{imported}" in asset_paths(), (path, imported)


def test_the_page_preloads_every_module_it_imports() -> None:
    page = asset("/")[0].decode()  # type: ignore[index]
    preloaded = {f"/{name}" for name in re.findall(r'<link rel="modulepreload" href="([\w-]+\.js)">', page)}
    assert preloaded == {path for path in asset_paths() if path.endswith(".js")} - {"/console.js"}


def test_the_csp_lets_the_page_call_its_api_cognito_and_the_bucket_and_nothing_else() -> None:
    headers = security_headers([COGNITO, BUCKET_FORM])
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))

    assert policy["connect-src"] == f"'self' {COGNITO} https://roster-uploads-123.s3.eu-west-2.amazonaws.com"
    assert policy["default-src"] == policy["script-src"] == policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == policy["object-src"] == "'none'"
    assert "unsafe" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert SECURITY_HEADERS.items() <= headers.items()


@pytest.mark.parametrize("url", ["https://evil.example; script-src *", "javascript:alert(1)", "//no-scheme.example",
                                 "https://user:pw@host.example", "https://exa mple.com", "*", "'unsafe-inline'"])
def test_an_origin_that_could_widen_the_policy_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        origin_of(url)


def test_origins_keep_their_port_and_lose_their_path() -> None:
    assert origin_of("http://127.0.0.1:5000") == "http://127.0.0.1:5000"
    assert origin_of("https://bucket.s3.amazonaws.com/roster-uploads?x=1") == "https://bucket.s3.amazonaws.com"
