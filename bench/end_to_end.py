"""Benchmark: a 10,000-row current-format upload through `roster local run`, beside its floor.

Each run measures, one after the other in this one invocation (so on the same machine load),
the floor (bench/floor.py: only the DynamoDB writes the created rows make, on the same
embedded stack), the floor with hashing (the same writes, each batch first hashing its rows'
passwords at the run's PasswordHashCost) and the end to end run, and prints their ratios: the
pipeline (from the upload to the mailbox report written, as `roster local run` reports it)
over each floor, and the whole command (process start and stack creation included) over the
floor. It also prints
the phase split (validate, create, notify, report), peak memory (the run's own max RSS),
how the results were sent, and checks no address was given twice. Speed targets live here,
never in timed tests. Not a test: `make bench`, or
`.venv/bin/python bench/end_to_end.py [--rows N] [--repeat K] [--chaos SPEC] [--parameter NAME=VALUE]`."""

from __future__ import annotations

import argparse
import csv
import email
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Where runs write (ROSTER_BENCH_OUT: elsewhere, as the benchmarks' smoke test does: tests/e2e/test_benchmarks.py).
OUT = Path(os.environ.get("ROSTER_BENCH_OUT") or ROOT / "bench" / "out")
HEADER = ["Title", "First Name", "Last Name", "Display Name", "Job Title", "Organisation ODSCode",
          "Organisational Unit", "Business Phone", "Mobile Phone", "Mailbox Size", "Password", "Email Address",
          "Status"]
FIRST = ["Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Mia", "Jack", "Grace", "Leo", "Freya",
         "Arthur", "Lily", "Muhammad", "Sophia", "Oscar", "Emily", "Charlie", "Ivy", "José", "Zoë", "Łukasz",
         "Siobhán", "Priya", "Chidi", "Mei", "Aleksander", "Fatima", "Ciarán"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
        "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
        "O'Connor", "Núñez", "Kowalski", "Okafor", "Nguyen", "Hussain", "Smith-Jones", "McDonald", "Ødegård",
        "Clarke"]
JOBS = ["Staff Nurse", "Healthcare Assistant", "Consultant", "Pharmacist", "Porter", "Receptionist",
        "Physiotherapist", "Radiographer", "Ward Clerk", "Paramedic"]
UNITS = {"RX1": ["Cardiology", "Pharmacy", "Emergency Department", "Radiology", ""],
         "RY2": ["District Nursing", "Podiatry", "Health Visiting", ""]}


def _letters(n: int) -> str:
    # four letters: unique up to 456,976 people
    return "".join(chr(ord("a") + (n // 26**i) % 26) for i in range(4)).capitalize()


def people(rows: int, seed: int = 7) -> Iterator[list[str]]:
    """Realistic current-format rows (HEADER's cells): unique people, UK phones, units, some mailbox sizes."""
    rng = random.Random(seed)
    for n in range(rows):
        ods = "RX1" if n % 3 else "RY2"
        first = f"{rng.choice(FIRST)}"
        # unique people (a letters-only tag: names hold no digits): this measures creation,
        # not the duplicate-person check
        last = f"{rng.choice(LAST)}-{_letters(n)}"
        yield [rng.choice(["Dr", "Mr", "Mrs", "Ms", "Mx", ""]), first, last, "", rng.choice(JOBS),
               ods, rng.choice(UNITS[ods]), f"020 7946 {n % 10000:04d}",
               f"07912 {n % 1000000:06d}", rng.choice(["", "", "4", "4GB"]), "", "", ""]


def write_upload(path: Path, rows: int, seed: int = 7) -> None:
    """The file the benchmark uploads: HEADER and `people`."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(people(rows, seed))


def _run(command: list[str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """The command's result, wall seconds and peak memory (its own max RSS, in MiB, from wait4)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(command, process.returncode, out.read(), err.read()), wall, \
            usage.ru_maxrss / 1024


def _results_sent(eml: Path) -> str:
    message = email.message_from_bytes(eml.read_bytes())
    attached = any((part.get_filename() or "").endswith(".csv") for part in message.walk())
    return "attached" if attached else "as a link"


def floor_seconds(rows: int, parameters: list[str], hashing: bool = False) -> float:
    """bench/floor.py in its own process: the DynamoDB writes of `rows` created rows alone
    (with `hashing`, each batch hashing its passwords first)."""
    command = [sys.executable, str(ROOT / "bench" / "floor.py"), "--rows", str(rows)]
    if hashing:
        command.append("--hashing")
    for parameter in parameters:
        command += ["--parameter", parameter]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    found = re.search(r"^floor_seconds=([0-9.]+)$", done.stdout, re.M)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"bench/floor.py failed:\n{done.stdout}\n{done.stderr}")
    return float(found.group(1))


def end_to_end(rows: int, csv_file: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One `roster local run` of the upload: times, phases, memory, and the checks on what it made."""
    out_dir = OUT / "run"
    shutil.rmtree(out_dir, ignore_errors=True)
    command = [str(ROOT / ".venv" / "bin" / "roster"), "local", "run", str(csv_file),
               "--directory", str(ROOT / "examples" / "directory.json"), "--admin", "admin@example.nhs.net",
               "--out", str(out_dir)]
    if args.chaos:
        command += ["--chaos", args.chaos, "--seed", str(args.seed)]
    for parameter in args.parameter:
        command += ["--parameter", parameter]
    completed, wall, peak_mib = _run(command)
    if completed.returncode != 0:
        raise RuntimeError(f"roster local run failed:\n{completed.stdout}\n{completed.stderr}")
    upload = json.loads(next(out_dir.glob("01-*/job.json")).read_text())
    with next(out_dir.glob("01-*/results.csv")).open(encoding="utf-8-sig", newline="") as handle:
        results = list(csv.DictReader(handle))
    with (out_dir / "mailbox-report.csv").open(encoding="utf-8-sig", newline="") as handle:
        accounts = list(csv.DictReader(handle))
    created = [r["Assigned Email"] for r in results if r["Result"] == "Created"]
    new_accounts = {a["Email Address"] for a in accounts} & set(created)
    phases = re.search(r"^phases: (.*); pipeline ([0-9.]+) s$", completed.stdout, re.M)
    handlers = re.search(r"^handlers: (.*)$", completed.stdout, re.M)
    chaos = re.search(r"^chaos: (.*)$", completed.stdout, re.M)
    return {
        "state": upload["state"], "counts": upload["counts"], "wall": wall, "peak_mib": peak_mib,
        "pipeline": float(phases.group(2)) if phases else float("nan"),
        "phases": phases.group(1) if phases else "?", "handlers": handlers.group(1) if handlers else "?",
        "chaos": chaos.group(1) if chaos else "", "repeated": len(created) - len(set(created)),
        "new_accounts": len(new_accounts), "accounts": len(accounts),
        "results_sent": _results_sent(sorted(out_dir.glob("01-*/emails/*.eml"))[-1]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of (floor, end to end), side by side")
    parser.add_argument("--no-floor", action="store_true", help="only the end-to-end run")
    parser.add_argument("--chaos", default="")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parameter", action="append", default=[])
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    upload = OUT / f"bench-{args.rows}.csv"
    write_upload(upload, args.rows)
    runs = []
    for number in range(1, args.repeat + 1):
        floor = None if args.no_floor else floor_seconds(args.rows, args.parameter)
        hashed = None if args.no_floor else floor_seconds(args.rows, args.parameter, hashing=True)
        run = end_to_end(args.rows, upload, args)
        run["floor"], run["floor_hashing"] = floor, hashed
        runs.append(run)
        print(f"run {number}: command {run['wall']:.1f} s, pipeline {run['pipeline']:.1f} s, peak "
              f"{run['peak_mib']:.0f} MiB", end="")
        if floor and hashed:
            print(f", floor {floor:.1f} s (with hashing {hashed:.1f} s)   ratio {run['pipeline'] / floor:.2f}x "
                  f"the floor (pipeline), {run['wall'] / floor:.2f}x (command), {run['pipeline'] / hashed:.2f}x the "
                  "floor with hashing (pipeline)", end="")
        print(flush=True)
        print(f"  phases: {run['phases']}", flush=True)

    last = runs[-1]
    print(f"rows: {args.rows}  state: {last['state']}  counts: {last['counts']}")
    print(f"time inside handlers (summed over parallel batches): {last['handlers']}")
    if last["chaos"]:
        print(last["chaos"])
    peak = max(r["peak_mib"] for r in runs)
    print(f"peak memory (max RSS of roster local run): {peak:.0f} MiB ({peak * 2**20 / 1e9:.2f} GB); "
          f"results sent {last['results_sent']}")
    print(f"duplicates: {last['repeated']} repeated addresses; {last['new_accounts']} new accounts for "
          f"{args.rows} valid rows ({last['accounts']} accounts in the directory in all)")
    print(f"median of {len(runs)}: command {statistics.median(r['wall'] for r in runs):.1f} s, "
          f"pipeline {statistics.median(r['pipeline'] for r in runs):.1f} s", end="")
    if not args.no_floor:
        print(f", floor {statistics.median(r['floor'] for r in runs):.1f} s, ratio "
              f"{statistics.median(r['pipeline'] / r['floor'] for r in runs):.2f}x (pipeline) "
              f"{statistics.median(r['wall'] / r['floor'] for r in runs):.2f}x (command); floor with hashing "
              f"{statistics.median(r['floor_hashing'] for r in runs):.1f} s, ratio "
              f"{statistics.median(r['pipeline'] / r['floor_hashing'] for r in runs):.2f}x (pipeline)", end="")
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
