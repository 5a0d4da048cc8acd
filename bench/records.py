"""Benchmark: what the record of changes costs (docs/approval-and-plan.md#change-records).

1. The 10,000-user end-to-end run (`roster local run`, as bench/end_to_end.py runs it) with
   records and without, alternately, --repeat times each, on the same machine load: the
   pipeline's medians side by side and their ratio (the target: at most 1.10). "Without" is
   the same code with the record left out of each row's transaction (a patch of this
   benchmark's own child process, never of Roster).
2. changes.csv of that 10,000-row upload served by the api function on the embedded stack
   (`GET /uploads/{id}/changes.csv` as API Gateway would invoke it): the median of a few
   requests (the target: under 5 s).

Speed targets live here, never in timed tests. Not a test:
`.venv/bin/python bench/records.py [--rows N] [--repeat K] [--requests R]`."""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Run as a script, the benchmark's own folder is first on the path: its sibling modules import by name.
from end_to_end import OUT, ROOT, write_upload

ADMIN = "admin@example.nhs.net"
PARAMETERS = ("PasswordHashCost=10",)


def _without_records() -> None:
    """This child process only: every row's transaction without its ChangeRecord."""
    from roster.adapters import transactions
    from roster.model.changes import ChangeRecord

    commit = transactions.DynamoDBTransactions.commit

    def without(self: Any, writes: Mapping[str, Any]) -> Any:
        return commit(self, {name: w for name, w in writes.items() if not isinstance(w, ChangeRecord)})

    transactions.DynamoDBTransactions.commit = without  # type: ignore[method-assign]


def child(mode: str, upload: Path, out_dir: Path) -> int:
    """`roster local run` in this process, with or without records."""
    if mode == "without":
        _without_records()
    from roster_local.cli import main as roster

    arguments = ["local", "run", str(upload), "--directory", str(ROOT / "examples" / "directory.json"),
                 "--admin", ADMIN, "--out", str(out_dir)]
    for parameter in PARAMETERS:
        arguments += ["--parameter", parameter]
    return roster(arguments)


def one_run(mode: str, upload: Path) -> float:
    """The pipeline seconds of one run, as `roster local run` reports them; checks the records."""
    out_dir = OUT / f"records-{mode}"
    shutil.rmtree(out_dir, ignore_errors=True)
    done = subprocess.run([sys.executable, __file__, "--child", mode, "--upload", str(upload),
                           "--out", str(out_dir)], capture_output=True, text=True, check=False)
    found = re.search(r"^phases: .*; pipeline ([0-9.]+) s$", done.stdout, re.M)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"roster local run ({mode}) failed:\n{done.stdout}\n{done.stderr}")
    changes = next(out_dir.glob("01-*/changes.csv")).read_bytes().decode("utf-8-sig").count("\r\n") - 1
    expected = sum(1 for _ in upload.open(encoding="utf-8")) - 1 if mode == "with" else 0
    if changes != expected:
        raise RuntimeError(f"{mode} records: changes.csv has {changes} lines, expected {expected}")
    return float(found.group(1))


def serve_changes(upload: Path, requests: int) -> tuple[list[float], int, int]:
    """Seconds of each GET /uploads/{id}/changes.csv of the upload, its lines and bytes."""
    from roster.adapters.directory_store import DirectoryStore
    from roster.model.uploads import utc_now
    from roster.settings import get_settings
    from roster_local.admin.directory_file import load_directory_file, load_into
    from roster_local.run.approve_via_api import signed_in_sub
    from roster_local.run.local_run import LocalRun
    from roster_local.serve.api_gateway import HttpRequest, api_gateway_event
    from roster_local.stack.embedded_stack import EmbeddedStack

    parameters = dict(p.split("=", 1) for p in PARAMETERS) | {"LogLevel": "WARNING"}
    with EmbeddedStack(parameters=parameters) as stack:
        directory = DirectoryStore(stack.client("dynamodb"), get_settings().directory_table)
        load_into(directory, load_directory_file(ROOT / "examples" / "directory.json"), utc_now())
        out_dir = OUT / "records-serve"
        shutil.rmtree(out_dir, ignore_errors=True)
        (result,) = LocalRun(stack, ADMIN, out_dir, report=lambda _: None).run([upload])
        path = f"/uploads/{result.upload.upload_id}/changes.csv"
        # The administrator's token as the API trusts it: a verified email and the sub bound to them.
        claims = {"email": ADMIN, "email_verified": True, "token_use": "id", "sub": signed_in_sub(stack, ADMIN)}
        seconds, body = [], ""
        for _ in range(requests):
            event = api_gateway_event(HttpRequest("GET", path, {}, b""), "GET /uploads/{upload_id}/changes.csv",
                                      claims)
            started = time.perf_counter()
            payload, failed = stack.lambdas.invoke(stack._ref("ApiFunction"), event)
            seconds.append(time.perf_counter() - started)
            if failed or payload.get("statusCode") != 200:
                raise RuntimeError(f"changes.csv failed: {str(payload)[:500]}")
            body = payload["body"]
    return seconds, body.count("\r\n") - 1, len(body.encode())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs with and without records, alternately")
    parser.add_argument("--requests", type=int, default=5, help="changes.csv requests timed")
    parser.add_argument("--child", choices=("with", "without"), help=argparse.SUPPRESS)
    parser.add_argument("--upload", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.upload, args.out)

    OUT.mkdir(parents=True, exist_ok=True)
    upload = OUT / f"bench-{args.rows}.csv"
    write_upload(upload, args.rows)
    runs: dict[str, list[float]] = {"with": [], "without": []}
    for number in range(1, args.repeat + 1):
        for mode in ("without", "with") if number % 2 else ("with", "without"):
            runs[mode].append(one_run(mode, upload))
        print(f"run {number}: pipeline with records {runs['with'][-1]:.1f} s, without {runs['without'][-1]:.1f} s",
              flush=True)
    with_records, without = statistics.median(runs["with"]), statistics.median(runs["without"])
    print(f"median of {args.repeat}: pipeline with records {with_records:.1f} s, without {without:.1f} s, "
          f"ratio {with_records / without:.3f} (target at most 1.10)")
    seconds, lines, size = serve_changes(upload, args.requests)
    print(f"changes.csv of {args.rows} rows: {lines} lines, {size / 1e6:.2f} MB; served in "
          f"{', '.join(f'{s:.2f}' for s in seconds)} s; median {statistics.median(seconds):.2f} s (target under 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
