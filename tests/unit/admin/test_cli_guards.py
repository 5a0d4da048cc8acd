"""The command line's own guards (issue 18, defects 7 and 8): a password goes in plain http only to
this machine, decided on the URL's parsed host; files holding temporary passwords or the directory's
personal data are written readable by their user alone."""

from __future__ import annotations

import argparse
import stat

import pytest

from roster_local.admin import commands as administrator
from roster_local.admin.session import BadArguments


@pytest.mark.parametrize("url", [
    "http://127.0.0.1@127.0.0.2:8000",  # user info: the host is 127.0.0.2
    "http://localhost@evil.example:8000",
    "http://127.0.0.1.evil.example:8000",
    "http://localhost.evil.example",
    "http://127.0.0.1:8000@evil.example/",
    "http://evil.example/http://127.0.0.1",
    "ftp://127.0.0.1:8000",
])
def test_plain_http_to_anything_but_this_machine_is_refused(url):
    with pytest.raises(BadArguments, match="https"):
        administrator._url(argparse.Namespace(url=url))


@pytest.mark.parametrize("url", ["https://abc.execute-api.eu-west-2.amazonaws.com", "http://127.0.0.1:8000",
                                 "http://localhost:8000/", "http://[::1]:8000"])
def test_https_anywhere_and_plain_http_to_this_machine_are_accepted(url):
    assert administrator._url(argparse.Namespace(url=url)) == url.rstrip("/")


def test_a_results_file_is_written_readable_by_its_user_alone_even_over_a_file_readable_by_all(tmp_path, monkeypatch):
    output = tmp_path / "results.csv"
    output.write_text("old")
    output.chmod(0o644)
    monkeypatch.setattr(administrator, "_api", lambda args: type("Api", (), {
        "get_json": staticmethod(lambda path: {"links": {"results": f"{path}/results.csv"}}),
        "get_csv": staticmethod(lambda path: ("staff-results.csv", b"Temporary Password\r\nSecret1!\r\n"))})())

    assert administrator.results(argparse.Namespace(upload_id="a" * 32, output=output, json=False)) == 0

    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert output.read_bytes().endswith(b"Secret1!\r\n")


def test_logout_revokes_the_session_with_cognito_and_forgets_it(tmp_path, monkeypatch):
    from roster_local.admin import session as session_module

    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(tmp_path))
    config = {"region": "eu-west-2", "client_id": "client", "cognito_endpoint": "https://cognito.example.com"}
    sessions = session_module.Sessions.default()
    sessions.put("https://api.example.com", session_module.stored_session(
        "a@example.nhs.net", config, {"IdToken": "id-1", "RefreshToken": "refresh-1"}))
    calls = []
    monkeypatch.setattr(session_module.CognitoSignIn, "call", lambda self, action, body: calls.append((action, body))
                        or {})

    code = administrator.run_administrator_command(argparse.Namespace(command="logout", url="https://api.example.com",
                                                                      json=False))

    assert code == 0
    assert calls == [("RevokeToken", {"ClientId": "client", "Token": "refresh-1"})]
    assert sessions.get("https://api.example.com") is None
