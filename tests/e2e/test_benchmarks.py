"""The benchmarks still run (bench/): each measures the product as it is, so a change to what they
read (a file's columns, its byte-order mark) must fail here and not first on the day of a
measurement. Tiny runs, nothing timed: the figures themselves are bench/RESULTS.md's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def _bench(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], capture_output=True, text=True,
                          timeout=600, check=False, cwd=ROOT, env={**os.environ, "ROSTER_BENCH_OUT": str(tmp_path)})


def test_the_end_to_end_benchmark_runs_and_checks_what_it_made(tmp_path: Path) -> None:
    done = _bench(tmp_path, "end_to_end.py", "--rows", "20", "--no-floor")

    assert done.returncode == 0, done.stderr[-3000:]
    assert "median of 1: command" in done.stdout and "pipeline" in done.stdout


def test_the_undo_benchmark_runs_an_upload_and_its_undo(tmp_path: Path) -> None:
    done = _bench(tmp_path, "undo.py", "--rows", "20", "--repeat", "1")

    assert done.returncode == 0, done.stderr[-3000:]
    assert "(COMPLETED, 20 leavers;" in done.stdout


def test_the_records_benchmark_runs_with_and_without_records_and_serves_changes_csv(tmp_path: Path) -> None:
    done = _bench(tmp_path, "records.py", "--rows", "20", "--repeat", "1", "--requests", "1")

    assert done.returncode == 0, done.stderr[-3000:]
    assert "ratio" in done.stdout and "changes.csv" in done.stdout
