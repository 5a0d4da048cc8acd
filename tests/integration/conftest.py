"""Integration fixtures: the real handlers and state machine on the embedded stack (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from roster.adapters.directory_store import DirectoryStore
from roster.adapters.upload_store import UploadStore
from roster.model.uploads import utc_now
from roster.settings import get_settings
from roster_local.admin.directory_file import load_directory_file, load_into
from roster_local.run.local_run import LocalRun, UploadResult
from roster_local.stack.embedded_stack import EmbeddedStack
from roster_local.stack.lambdas import parse_chaos
from tests.conftest import ADMIN, EXAMPLES

# The cheapest scrypt cost the template allows (hashing is not what these tests are about),
# and the deployed log level, so that every INFO log line runs as it does on AWS.
DEPLOYED_APPROVAL_PARAMETERS = {"PasswordHashCost": "10", "LogLevel": "INFO"}
# The example directory's organisations are small, so that one leaver is over the deployed
# 10%: tests that are not about approval (docs/approval-and-plan.md#approval) run with it off by share; the
# `approval_harness` runs the deployed limits.
# Tests that are not about approval never wait for it: no share limit, and each upload's leavers alone
# (approval_harness keeps the deployed limits and the 24-hour window).
TEST_PARAMETERS = {**DEPLOYED_APPROVAL_PARAMETERS, "LeaverApprovalPercent": "100", "LeaverApprovalWindowHours": "0"}


class Harness:
    """A started stack with the example directory loaded, and helpers to upload files."""

    def __init__(self, stack: EmbeddedStack, tmp_path: Path) -> None:
        self.stack = stack
        self.tmp_path = tmp_path
        self.runs = 0
        settings = get_settings()
        self.directory = DirectoryStore(stack.client("dynamodb"), settings.directory_table)
        self.uploads = UploadStore(stack.client("dynamodb"), settings.jobs_table)
        load_into(self.directory, load_directory_file(EXAMPLES / "directory.json"), utc_now())

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", newline="")
        return path

    def upload(self, *files: Path, admin: str = ADMIN, validate_only: bool = False,
               parallel: bool = False, approve_as: str | None = None) -> list[UploadResult]:
        self.runs += 1
        out = self.tmp_path / f"out{self.runs}"
        return LocalRun(self.stack, admin, out, validate_only=validate_only, report=lambda _: None).run(
            list(files), parallel=parallel, approve_as=approve_as)


def _harness(tmp_path: Path, chaos: str = "", seed: int | None = None,
             parameters: dict[str, str] | None = None) -> Iterator[Harness]:
    with EmbeddedStack(parameters=parameters or TEST_PARAMETERS, chaos=parse_chaos(chaos), seed=seed) as stack:
        yield Harness(stack, tmp_path)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    yield from _harness(tmp_path)


@pytest.fixture
def approval_harness(tmp_path: Path) -> Iterator[Harness]:
    """The harness with the deployed approval limits (25 leavers or 10% of an organisation)."""
    yield from _harness(tmp_path, parameters=DEPLOYED_APPROVAL_PARAMETERS)


@pytest.fixture
def chaos_harness(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Harness]:
    spec, seed = request.param
    yield from _harness(tmp_path, spec, seed)
