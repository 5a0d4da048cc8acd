"""Benchmark: undo of a 10,000-row create upload (docs/approval-and-plan.md#undo).

Each run is one child process with its own embedded stack: the 10,000 new users are uploaded and
applied (`roster local run`'s LocalRun: from the upload to COMPLETED, its validate, create and
notify phases), then their undo is asked for as `POST /uploads/{id}/undo` asks (the api function's
own desk, roster.wiring.front_door), its validation waited for, applied as `POST .../apply` does,
and waited for until COMPLETED. The targets: the undo, from the request to COMPLETED, within 2x
of applying the original in the same run, and under 60 s. Medians of --repeat runs.

The undo's 10,000 leavers are over the approval limits: this benchmark raises them
(LeaverApprovalThreshold=100000, LeaverApprovalPercent=100) so that it measures the undo, not how
soon a second administrator answers. Not a test: `.venv/bin/python bench/undo.py [--rows N] [--repeat K]`."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script, the benchmark's own folder is first on the path: its sibling modules import by name.
from end_to_end import OUT, ROOT, write_upload

ADMIN = "admin@example.nhs.net"
PARAMETERS = {"PasswordHashCost": "10", "LeaverApprovalThreshold": "100000", "LeaverApprovalPercent": "100",
              "MaxRows": "100000"}


def _wait(uploads: Any, upload_id: str, states: set[str], timeout: float = 1800) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        upload = uploads.get(upload_id)
        if upload.state.value in states:
            return upload
        time.sleep(0.1)
    raise RuntimeError(f"upload {upload_id} is still {uploads.get(upload_id).state.value}")


def child(rows: int, out_dir: Path) -> dict[str, Any]:
    """One run: the original applied, then its undo, timed in this process."""
    from roster import wiring
    from roster.api.access import Caller
    from roster.model.uploads import utc_now
    from roster_local.admin.directory_file import load_directory_file, load_into
    from roster_local.run.local_run import LocalRun
    from roster_local.stack.embedded_stack import EmbeddedStack

    upload = out_dir / "undo-bench.csv"
    write_upload(upload, rows)
    with EmbeddedStack(parameters=PARAMETERS) as stack:
        run = LocalRun(stack, ADMIN, out_dir / "run", report=lambda _: None)
        load_into(run.directory, load_directory_file(ROOT / "examples" / "directory.json"), utc_now())
        started = time.perf_counter()
        (original,) = run.run([upload])
        original_seconds = sum(run.phases.seconds[p] for p in ("validate", "create", "notify"))
        run_seconds = time.perf_counter() - started
        front = wiring.front_door()
        caller = Caller(ADMIN, run.directory.administered(ADMIN))
        began = time.perf_counter()
        undo, _ = front.undo.undo(caller, original.upload.upload_id)  # type: ignore[union-attr]
        validated = _wait(run.uploads, undo.upload_id, {"VALIDATED", "INVALID"})
        validated_at = time.perf_counter()
        front.uploads.apply(caller, undo.upload_id)
        done = _wait(run.uploads, undo.upload_id, {"COMPLETED", "FAILED", "AWAITING_APPROVAL"})
        undo_seconds = time.perf_counter() - began
    return {"rows": rows, "original_state": original.upload.state.value, "original_seconds": original_seconds,
            "original_run_seconds": run_seconds, "undo_state": done.state.value, "undo_leavers": done.counts["leavers"],
            "undo_validated_state": validated.state.value, "undo_validate_seconds": validated_at - began,
            "undo_seconds": undo_seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = OUT / "undo"
    if args.child:
        out.mkdir(parents=True, exist_ok=True)
        print(json.dumps(child(args.rows, out)))
        return 0
    runs = []
    for n in range(args.repeat):
        done = subprocess.run([sys.executable, __file__, "--child", "--rows", str(args.rows)], capture_output=True,
                              text=True, check=False, cwd=ROOT)
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            return 1
        result = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append(result)
        print(f"run {n + 1}: original {result['original_seconds']:.1f} s ({result['original_state']}), undo "
              f"{result['undo_seconds']:.1f} s ({result['undo_state']}, {result['undo_leavers']:,} leavers; "
              f"validated in {result['undo_validate_seconds']:.1f} s), ratio "
              f"{result['undo_seconds'] / result['original_seconds']:.2f}", flush=True)
    original = statistics.median(r["original_seconds"] for r in runs)
    undo = statistics.median(r["undo_seconds"] for r in runs)
    ratio = statistics.median(r["undo_seconds"] / r["original_seconds"] for r in runs)
    print(f"medians of {len(runs)}: original {original:.1f} s, undo {undo:.1f} s, ratio {ratio:.2f} "
          f"(targets: at most 2.00 and under 60 s: {'met' if ratio <= 2 and undo < 60 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
