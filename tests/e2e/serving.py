"""One `roster local serve` per test module, and the administrators' `roster` commands against it.

Every end-to-end module that needs a server starts it with `serve` (its own server, since the tests
change accounts), naming only what differs: who signs in and which deployment parameters. The
server's output goes to files in its folder, never to an unread pipe that could fill and stall it,
and a server that fails to start or stop shows its standard error."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ADMIN, EXAMPLES

ROSTER = Path(sys.executable).parent / "roster"
PASSWORD = "Local-Serve-Passw0rd!"
PRACTICE = "practice.manager@example.nhs.net"  # administers Y0301 only
COMMUNITY_LEAD = "community.lead@example.nhs.net"  # RY2's second administrator
STARTED = "Roster is serving on http://127.0.0.1:"
START_SECONDS = 180


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    home: Path

    def roster(self, *args: str, config: str = "admin", timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """A `roster` command with its own config folder per administrator (their sessions)."""
        env = {**os.environ, "ROSTER_CONFIG_DIR": str(self.home / config), "ROSTER_PASSWORD": PASSWORD}
        env.pop("ROSTER_URL", None)
        return subprocess.run([str(ROSTER), *args], capture_output=True, text=True, timeout=timeout, check=False,
                              env=env, cwd=self.home)

    def token(self, config: str = "admin") -> str:
        """The ID token of an administrator signed in with `roster login`."""
        sessions = json.loads((self.home / config / "sessions.json").read_text())
        return str(sessions["sessions"][self.url]["id_token"])

    def errors(self) -> str:
        """What the server wrote to standard error so far (the IAM check's refusals among it)."""
        return (self.home / "serve.err").read_text(encoding="utf-8", errors="replace")


def serve(factory: pytest.TempPathFactory, name: str, *parameters: str,
          logins: tuple[tuple[str, str], ...] = ((ADMIN, "admin"), (PRACTICE, "practice"))) -> Iterator[Served]:
    """Start a server with these `Name=Value` parameters, sign each (email, config folder) in, yield
    it; then stop it and require a clean exit. The engineer's AWS profile goes to the server's own folder."""
    home = factory.mktemp(name)
    out, err = home / "serve.out", home / "serve.err"
    command = [str(ROSTER), "local", "serve", "--directory", str(EXAMPLES / "directory.json"), "--port", "0",
               "--admin-password", PASSWORD, "--parameter", "PasswordHashCost=10"]
    for parameter in parameters:
        command += ["--parameter", parameter]
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, text=True,
                                   env={**os.environ, "ROSTER_CONFIG_DIR": str(home / "engineer")})
    served = Served(_wait_for_url(process, out, err), process, home)
    for email, config in logins:
        done = served.roster("login", "--url", served.url, "--email", email, config=config)
        assert done.returncode == 0, done.stderr
    yield served
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0, served.errors()
    assert "Roster stopped." in out.read_text(), served.errors()


def _wait_for_url(process: subprocess.Popen[str], out: Path, err: Path) -> str:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        first = out.read_text().split("\n", 1)
        if len(first) == 2:
            assert first[0].startswith(STARTED), first[0] + err.read_text()
            return first[0].rsplit(" ", 1)[-1]
        if process.poll() is not None:
            pytest.fail(f"roster local serve exited ({process.returncode}): {err.read_text()}")
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"roster local serve did not start within {START_SECONDS} s: {err.read_text()}")
