"""Benchmark: a 10,000-row current-format upload through `roster local run`.

Reports wall time, peak memory (the run's max RSS), and the time spent inside each
function's handlers. Not a test: run it with `make bench` or
`.venv/bin/python bench/end_to_end.py [--rows N] [--chaos SPEC] [--parameter NAME=VALUE]`."""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
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
    return "".join(chr(ord("a") + (n // 26**i) % 26) for i in range(3)).capitalize()


def write_upload(path: Path, rows: int, seed: int = 7) -> None:
    """A realistic current-format file: unique people, UK phones, units, some mailbox sizes."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            ods = "RX1" if n % 3 else "RY2"
            first = f"{rng.choice(FIRST)}"
            # unique people (a letters-only tag: names hold no digits): this measures creation,
            # not the duplicate-person check
            last = f"{rng.choice(LAST)}-{_letters(n)}"
            writer.writerow([rng.choice(["Dr", "Mr", "Mrs", "Ms", "Mx", ""]), first, last, "", rng.choice(JOBS),
                             ods, rng.choice(UNITS[ods]), f"020 7946 {n % 10000:04d}",
                             f"07912 {n % 1000000:06d}", rng.choice(["", "", "4", "4GB"]), "", "", ""])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--chaos", default="")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parameter", action="append", default=[])
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    upload = OUT / f"bench-{args.rows}.csv"
    write_upload(upload, args.rows)
    out_dir = OUT / "run"
    command = [str(ROOT / ".venv" / "bin" / "roster"), "local", "run", str(upload),
               "--directory", str(ROOT / "examples" / "directory.json"), "--admin", "admin@example.nhs.net",
               "--out", str(out_dir)]
    if args.chaos:
        command += ["--chaos", args.chaos, "--seed", str(args.seed)]
    for parameter in args.parameter:
        command += ["--parameter", parameter]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if completed.returncode != 0:
        print(completed.stdout, completed.stderr, file=sys.stderr)
        return completed.returncode
    job = json.loads(next(out_dir.glob("01-*/job.json")).read_text())
    with next(out_dir.glob("01-*/results.csv")).open(encoding="utf-8", newline="") as handle:
        results = list(csv.DictReader(handle))
    with (out_dir / "mailbox-report.csv").open(encoding="utf-8", newline="") as handle:
        accounts = list(csv.DictReader(handle))
    created_addresses = [r["Assigned Email"] for r in results if r["Result"] == "Created"]
    handlers = re.search(r"^handlers: (.*)$", completed.stdout, re.M)
    chaos = re.search(r"^chaos: (.*)$", completed.stdout, re.M)
    print(f"rows: {args.rows}  state: {job['state']}  counts: {job['counts']}")
    print(f"wall time: {wall:.1f} s   peak memory (max RSS): {peak_mb:.0f} MB")
    print(f"time inside handlers (summed over parallel batches): {handlers.group(1) if handlers else '?'}")
    if chaos:
        print(chaos.group(1))
    new_accounts = [a for a in accounts if a["Email Address"] in set(created_addresses)]
    print(f"duplicates: {len(created_addresses) - len(set(created_addresses))} repeated addresses; "
          f"{len(new_accounts)} new accounts for {args.rows} valid rows "
          f"({len(accounts)} accounts in the directory in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
