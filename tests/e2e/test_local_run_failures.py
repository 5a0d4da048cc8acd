"""End to end: `roster local run` when an upload cannot finish by itself (docs/local-run.md#the-command: it says
which upload and why, and exits non-zero, without waiting for a time-out)."""

from __future__ import annotations

import email
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ADMIN, EXAMPLES

pytestmark = pytest.mark.e2e
ROSTER = Path(sys.executable).parent / "roster"


def test_an_upload_event_that_fails_every_attempt_is_reported_and_recorded(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run([str(ROSTER), "local", "run", str(EXAMPLES / "users.csv"),
                           "--directory", str(EXAMPLES / "directory.json"), "--admin", ADMIN, "--out", str(out),
                           "--chaos", "validate:before:1.0", "--seed", "3"],
                          capture_output=True, text=True, timeout=300, check=False)

    assert done.returncode == 1, done.stderr
    assert "the pipeline broke: upload 01 (users.csv): FAILED: Validation never finished" in done.stderr
    assert "failed 3 attempts of the validate function" in done.stderr
    folder = out / "01-users"
    assert json.loads((folder / "job.json").read_text())["state"] == "FAILED"
    (eml,) = (folder / "emails").iterdir()
    assert email.message_from_bytes(eml.read_bytes())["Subject"] == "Upload failed: users.csv"
    assert (out / "mailbox-report.csv").exists()
