"""The Distributed Map's MaxConcurrency is the template parameter MapMaxConcurrency: the
Configure state turns the substituted text into a number and the map reads it through
MaxConcurrencyPath (a JSON number cannot be substituted into the definition as text)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from roster.adapters.directory_store import DirectoryStore
from roster.model.uploads import utc_now
from roster.settings import get_settings
from roster_local.admin.directory_file import load_directory_file, load_into
from roster_local.run.local_run import LocalRun
from roster_local.stack.embedded_stack import EmbeddedStack
from roster_local.stack.lambdas import InProcessLambda
from tests.conftest import ADMIN, EXAMPLES

pytestmark = pytest.mark.integration


def test_given_map_max_concurrency_2_then_no_more_than_2_batches_run_at_once(tmp_path: Path, monkeypatch):
    running, most = 0, 0
    lock = threading.Lock()
    real = InProcessLambda._run_handler

    def counting(self: InProcessLambda, spec: Any, event: Any) -> Any:
        nonlocal running, most
        if spec.kind != "create":
            return real(self, spec, event)
        with lock:
            running += 1
            most = max(most, running)
        try:
            return real(self, spec, event)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(InProcessLambda, "_run_handler", counting)
    parameters = {"MapMaxConcurrency": "2", "BatchSize": "2", "PasswordHashCost": "10"}
    with EmbeddedStack(parameters=parameters) as stack:
        load_into(DirectoryStore(stack.client("dynamodb"), get_settings().directory_table),
                  load_directory_file(EXAMPLES / "directory.json"), utc_now())
        (result,) = LocalRun(stack, ADMIN, tmp_path / "out", report=lambda _: None).run([EXAMPLES / "users.csv"])

    assert result.upload.state.value == "COMPLETED"
    assert result.upload.counts["created"] == 20  # ten batches of two
    assert most == 2
