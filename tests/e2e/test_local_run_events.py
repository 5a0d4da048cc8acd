"""End to end: `roster local run` as `make run` runs it writes events.jsonl, each upload's states in order."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ADMIN, APPROVER, EXAMPLES

pytestmark = pytest.mark.e2e
ROSTER = Path(sys.executable).parent / "roster"


def test_make_runs_events_show_each_uploads_states_in_order(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run([str(ROSTER), "local", "run", str(EXAMPLES / "users.csv"), str(EXAMPLES / "updates.csv"),
                           "--directory", str(EXAMPLES / "directory.json"), "--admin", ADMIN, "--out", str(out),
                           "--approve-as", APPROVER], capture_output=True, text=True, timeout=600, check=False)

    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in (out / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    uploads = [json.loads((out / folder / "job.json").read_text())["job_id"] for folder in ("01-users", "02-updates")]
    states = {upload: [(e["detail"]["previous_state"], e["detail"]["state"]) for e in events
                       if e["detail"]["upload_id"] == upload] for upload in uploads}
    assert states[uploads[0]] == [(None, "RECEIVED"), ("RECEIVED", "VALIDATING"), ("VALIDATING", "QUEUED"),
                                  ("QUEUED", "CREATING"), ("CREATING", "COMPLETED")]
    assert states[uploads[1]] == [(None, "RECEIVED"), ("RECEIVED", "VALIDATING"), ("VALIDATING", "AWAITING_APPROVAL"),
                                  ("AWAITING_APPROVAL", "VALIDATING"), ("VALIDATING", "QUEUED"), ("QUEUED", "CREATING"),
                                  ("CREATING", "COMPLETED")]
    assert all(e["source"] == "roster" and e["detail-type"] == "Upload State Changed" for e in events)
    assert len(events) == 12
