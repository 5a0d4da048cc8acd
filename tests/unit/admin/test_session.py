"""The command line's sessions: kept per URL, readable by the user alone, refreshed when they
run out, and a clear message when there is none. No AWS: Cognito's answers are faked."""

from __future__ import annotations

import stat
import time

import pytest

from roster_local.admin import session as session_module
from roster_local.admin.session import Sessions, SignedOut, id_token, stored_session

URL = "https://api.example.com"
CONFIG = {"region": "eu-west-2", "client_id": "client", "cognito_endpoint": "https://cognito.example.com"}


class _Answer:
    def __init__(self, status: int, body: dict) -> None:
        self.status_code, self._body, self.content = status, body, b"x"

    def json(self) -> dict:
        return self._body


def test_a_session_is_kept_per_url_readable_by_the_user_alone(tmp_path):
    sessions = Sessions(tmp_path / "roster" / "sessions.json")

    sessions.put(URL, stored_session("a@example.nhs.net", CONFIG, {"IdToken": "id-1", "RefreshToken": "r"}))

    assert stat.S_IMODE(sessions.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(sessions.path.parent.stat().st_mode) == 0o700
    assert sessions.last_url() == URL and id_token(sessions, URL) == "id-1"


def test_a_token_about_to_run_out_is_refreshed(tmp_path, monkeypatch):
    sessions = Sessions(tmp_path / "sessions.json")
    sessions.put(URL, {**stored_session("a@example.nhs.net", CONFIG, {"IdToken": "old", "RefreshToken": "r"}),
                       "expires_at": int(time.time()) + 10})
    sent = []

    def post(url, data, headers, timeout):
        sent.append((url, headers["X-Amz-Target"], data))
        return _Answer(200, {"AuthenticationResult": {"IdToken": "new", "ExpiresIn": 3600}})

    monkeypatch.setattr(session_module.requests, "post", post)

    assert id_token(sessions, URL) == "new"
    assert sent[0][0] == "https://cognito.example.com/" and sent[0][1].endswith("InitiateAuth")
    assert '"REFRESH_TOKEN_AUTH"' in sent[0][2]
    assert sessions.get(URL)["refresh_token"] == "r"  # kept: a refresh gives no new one


def test_no_session_or_a_refused_refresh_says_how_to_sign_in(tmp_path, monkeypatch):
    sessions = Sessions(tmp_path / "sessions.json")
    with pytest.raises(SignedOut, match=f"not signed in to {URL}: roster login --url {URL}"):
        id_token(sessions, URL)

    sessions.put(URL, {**stored_session("a@example.nhs.net", CONFIG, {"IdToken": "old", "RefreshToken": "r"}),
                       "expires_at": 0})
    monkeypatch.setattr(session_module.requests, "post",
                        lambda *a, **k: _Answer(400, {"__type": "NotAuthorizedException",
                                                      "message": "Refresh Token has expired"}))
    with pytest.raises(SignedOut, match="session at .* has ended: roster login"):
        id_token(sessions, URL)
