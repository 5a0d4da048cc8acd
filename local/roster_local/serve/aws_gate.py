"""What the embedded AWS endpoint of `roster local serve` answers (docs/security.md): only what a
browser gets from AWS, and what an AWS account's own keys may do.

- a CORS preflight, and the user pool's published keys (a JWT authorizer reads them);
- Cognito's public sign-in calls (unsigned, as a public app client makes them);
- a presigned S3 URL or POST form, checked as S3 checks them (roster_local.serve.sigv4);
- any call signed with the stack's credentials: the ones `local serve` gives its functions and
  writes, for the engineer, to a file readable by its user alone (`engineer_profile`).

Everything else is refused with 403 before moto sees it: no reading `results/` with made-up keys,
no `AdminSetUserPassword`, no form re-posted under another administrator's key."""

from __future__ import annotations

import io
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from werkzeug.formparser import parse_form_data

from roster_local.serve.sigv4 import Arrived, header_signed_refusal, post_form_refusal, presigned_url_refusal

JWKS_PATH = re.compile(r"/[\w-]+_[0-9A-Za-z]+/\.well-known/jwks\.json")
COGNITO_TARGET = "AWSCognitoIdentityProviderService."
# What a public app client (the console, the CLI) calls without AWS credentials: signing in, its
# challenges (new password, MFA), renewing and revoking its tokens. Not UpdateUserAttributes: the
# app client may write no attribute that names an administrator (template.yaml WriteAttributes).
PUBLIC_COGNITO_ACTIONS = frozenset({
    "InitiateAuth", "RespondToAuthChallenge", "AssociateSoftwareToken", "VerifySoftwareToken",
    "GetTokensFromRefreshToken", "RevokeToken", "GlobalSignOut", "ChangePassword", "GetUser",
    "SetUserMFAPreference", "ForgotPassword", "ConfirmForgotPassword",
})
PROFILE = "roster-local"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class StackCredentials:
    """The embedded stack's AWS keys: its functions sign with them, an engineer may use them."""

    access_key_id: str
    secret_access_key: str

    @classmethod
    def generate(cls) -> StackCredentials:
        return cls("AKIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30))


def engineer_profile(path: Path, credentials: StackCredentials, region: str, endpoint_url: str) -> Path:
    """Write an AWS config file with one profile (keys, region, endpoint) readable by its user
    alone (0600), for `AWS_CONFIG_FILE=PATH AWS_PROFILE=roster-local aws ...`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (f"[profile {PROFILE}]\naws_access_key_id = {credentials.access_key_id}\n"
            f"aws_secret_access_key = {credentials.secret_access_key}\nregion = {region}\n"
            f"endpoint_url = {endpoint_url}\n")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a file that existed keeps its mode through O_CREAT
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    return path


class AwsGate:
    """WSGI middleware in front of moto's server: refuses what AWS would not answer this caller."""

    def __init__(self, app: WsgiApp, credentials: StackCredentials,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.app = app
        self.secrets = {credentials.access_key_id: credentials.secret_access_key}
        self.clock = clock

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = _body(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        refusal = self.refusal(environ, body)
        if refusal is None:
            environ["wsgi.input"] = io.BytesIO(body)
            return self.app(environ, start_response)
        message = (f"Refused by roster local serve's AWS endpoint: {refusal}. It answers only what a browser gets "
                   "from AWS (presigned requests, Cognito sign-in) and calls signed with the stack's credentials "
                   "(the AWS profile local serve wrote; see its standard error).")
        start_response("403 Forbidden", [("Content-Type", "application/json"),
                                         ("Access-Control-Allow-Origin", environ.get("HTTP_ORIGIN", "*"))])
        return [json.dumps({"__type": "AccessDeniedException", "message": message}).encode()]

    def refusal(self, environ: dict[str, Any], body: bytes) -> str | None:
        """None when AWS would answer this request from this caller, else why not."""
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        headers = _headers(environ)
        if method == "OPTIONS" or (method == "GET" and JWKS_PATH.fullmatch(path)):
            return None
        request = Arrived(method, _url(environ), headers, body)
        now = self.clock()
        if "authorization" in headers:
            return header_signed_refusal(request, self.secrets, now)
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        if "X-Amz-Signature" in query:
            return presigned_url_refusal(request, query, self.secrets, now)
        target = headers.get("x-amz-target", "")
        if target.startswith(COGNITO_TARGET) and method == "POST" and path == "/":
            action = target[len(COGNITO_TARGET):]
            return None if action in PUBLIC_COGNITO_ACTIONS else f"{action} is not one of Cognito's public calls"
        if method == "POST" and headers.get("content-type", "").startswith("multipart/form-data"):
            return self._form_refusal(environ, body, path, now)
        return "it is neither signed nor presigned"

    def _form_refusal(self, environ: dict[str, Any], body: bytes, path: str, now: datetime) -> str | None:
        copy = {**environ, "wsgi.input": io.BytesIO(body)}
        _, form, files = parse_form_data(copy)
        upload = files.get("file")
        size = None if upload is None else len(upload.read())
        bucket = path.strip("/").split("/", 1)[0]
        return post_form_refusal(bucket, {name: form[name] for name in form}, size, self.secrets, now)


def _body(environ: dict[str, Any]) -> bytes:
    length = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    if length.isdigit():
        return bytes(stream.read(int(length)))
    return bytes(stream.read()) if environ.get("wsgi.input_terminated") else b""


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items()
               if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    return headers


def _url(environ: Mapping[str, Any]) -> str:
    """The URL as the client wrote it: its path encoded as sent (what it signed)."""
    raw = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "")
    if not raw:
        raw = quote(str(environ.get("PATH_INFO", "")), safe="/~") + (
            f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
    return f"http://{environ.get('HTTP_HOST', 'localhost')}{raw}"
