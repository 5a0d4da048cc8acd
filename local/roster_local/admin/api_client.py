"""The HTTP API (docs/api.md#http-api) as the command line calls it, signed in with the session's
ID token; refusals become one-line messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from roster_local.admin.session import TIMEOUT, CommandFailed, Sessions, SignedOut, id_token


class ApiRefused(CommandFailed):
    """The API answered an error; `status` is its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class RosterApi:
    """One stack's API at `url`."""

    def __init__(self, url: str, sessions: Sessions) -> None:
        self.url = url
        self.sessions = sessions

    def get_json(self, path: str, **query: str) -> dict[str, Any]:
        return self._call("GET", path, params={k: v for k, v in query.items() if v is not None}).json()  # type: ignore[no-any-return]

    def post_json(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._call("POST", path, json=body or {}).json()  # type: ignore[no-any-return]

    def delete_json(self, path: str) -> dict[str, Any]:
        return self._call("DELETE", path).json()  # type: ignore[no-any-return]

    def get_csv(self, path: str, **query: str) -> tuple[str, bytes]:
        """(file name the API suggests, the file's bytes). A file too big for the API's answer
        comes as 303 See Other to a presigned link (docs/deploy.md, "Service limits"): it is
        fetched from there, without the session's token."""
        response = self._call("GET", path, params=query, allow_redirects=False)
        if response.status_code == 303:
            return self._follow(response)
        disposition = response.headers.get("Content-Disposition", "")
        name = disposition.split("filename=", 1)[-1].strip('"') if "filename=" in disposition else "roster.csv"
        return name, response.content

    def _follow(self, redirect: requests.Response) -> tuple[str, bytes]:
        location = redirect.headers.get("Location", "")
        try:
            name = str(redirect.json().get("file_name") or "roster.csv")
        except ValueError:
            name = "roster.csv"
        try:
            response = requests.get(location, timeout=300)
        except requests.RequestException as exc:
            raise CommandFailed(f"the download of {name} failed: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise CommandFailed(f"the download of {name} failed: HTTP {response.status_code} "
                                f"{_s3_message(response.text)}; ask for it again (the link works 15 minutes)")
        return name, response.content

    def post_form(self, form: dict[str, Any], path: Path) -> None:
        """Send a file with a presigned upload form, as a browser would (the file goes last)."""
        with path.open("rb") as handle:
            try:
                response = requests.post(form["url"], data=form["fields"],
                                         files={"file": (path.name, handle, _content_type(path))}, timeout=300)
            except requests.RequestException as exc:
                raise CommandFailed(f"the upload of {path.name} failed: {exc.__class__.__name__}") from exc
        if response.status_code >= 300:
            raise CommandFailed(f"the bucket refused the upload of {path.name}: HTTP {response.status_code} "
                                f"{_s3_message(response.text)}")

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {id_token(self.sessions, self.url)}"}
            try:
                response = requests.request(method, self.url + path, headers=headers, timeout=TIMEOUT, **kwargs)
            except requests.RequestException as exc:
                raise CommandFailed(f"cannot reach Roster at {self.url}: {exc.__class__.__name__}") from exc
            if response.status_code == 401 and attempt == 0:
                self._expire_session()  # the token was refused: refresh once, then give up
                continue
            if response.status_code >= 400:
                raise _refusal(response, self.url)
            return response
        raise SignedOut(f"your session at {self.url} has ended: roster login --url {self.url} --email YOUR-EMAIL")

    def _expire_session(self) -> None:
        session = self.sessions.get(self.url)
        if session:
            self.sessions.put(self.url, {**session, "expires_at": 0})


def _refusal(response: requests.Response, url: str) -> CommandFailed:
    try:
        message = str(response.json().get("message") or response.reason)
    except ValueError:
        message = response.reason or f"HTTP {response.status_code}"
    if response.status_code == 401:
        return SignedOut(f"{message} (roster login --url {url} --email YOUR-EMAIL)")
    return ApiRefused(response.status_code, message)


def _s3_message(text: str) -> str:
    start, end = text.find("<Message>"), text.find("</Message>")
    return text[start + 9:end] if 0 <= start < end else text[:200]


def _content_type(path: Path) -> str:
    # Roster tells a workbook by its content; the type only labels the stored object.
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if path.suffix.lower() == ".xlsx" \
        else "text/csv"
