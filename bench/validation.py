"""Validation throughput on a realistic 10,000-row upload (docs/csv-format.md#files to #validation-report).

Builds an in-memory directory (20 organisations, 3,000 accounts) and a current-format file:
mostly new users with units and phones, plus updates, leavers and joiners against that
directory. Prints rows/s, CPU seconds, the ratio to a bare csv.reader pass over the same
bytes, and a cProfile top 10.

Run: .venv/bin/python bench/validation.py [ROWS]"""

from __future__ import annotations

import cProfile
import csv
import io
import pstats
import random
import statistics
import sys
import time

import phonenumbers

from roster.contract.columns import CURRENT_COLUMNS
from roster.model.directory import Account, AccountStatus, DirectorySnapshot, IdentityRecord, Organisation, name_key
from roster.rules.phones import uk_number
from roster.validate.upload import UploadLimits, validate_upload

FIRST_NAMES = ["Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Muhammad", "Thomas", "Oscar", "William", "James", "Amelia", "Olivia", "Isla", "Emily", "Poppy", "Ava", "Isabella", "Jessica", "Lily", "Sophie", "Grace", "Sophia", "Mia", "Aoife", "Siobhan", "Zoë", "Chloé", "José", "Ngozi", "Priya", "Wojciech"]
LAST_NAMES = ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "O'Brien", "Nowak", "Okafor", "Müller", "Kowalski", "Smith-Jones"] + ["Ó Súilleabháin", "van der Berg"]
JOB_TITLES = ("Staff Nurse", "Consultant", "Healthcare Assistant", "Receptionist", "Pharmacist", "Porter",
              "Physiotherapist", "Ward Manager", "Junior Doctor", "Midwife", "Administrator", "")
TITLES = ("Mr", "Mrs", "Ms", "Miss", "Dr", "Dr.", "prof", "")
UNITS = ("Cardiology", "Radiology", "Oncology", "Maternity", "Emergency", "Pharmacy", "Estates", "Finance",
         "Paediatrics", "Outpatients")
ADMIN = "admin@nhs.net"
RUNS = 5


class InMemoryDirectory:
    """A DirectoryReader over a prebuilt snapshot (the fetch is not what is measured)."""

    def __init__(self, snapshot: DirectorySnapshot) -> None:
        self._snapshot = snapshot

    def snapshot(self, admin_email: str, ods_codes: set[str], emails: set[str]) -> DirectorySnapshot:
        return self._snapshot

    def identities(self, keys: set[str]) -> dict[str, IdentityRecord]:
        return {}  # nobody was created by an earlier upload


def _mobile(rng: random.Random) -> str:
    while True:
        number = f"07{rng.randint(100, 999)} {rng.randint(0, 999999):06d}"
        if phonenumbers.number_type(phonenumbers.parse(number, "GB")) == phonenumbers.PhoneNumberType.MOBILE:
            return number


def build(rows: int, seed: int = 7) -> tuple[bytes, InMemoryDirectory]:
    """A realistic upload of `rows` data rows and the directory it is checked against."""
    rng = random.Random(seed)
    organisations = {
        f"R{n:02d}": Organisation(ods=f"R{n:02d}", name=f"Example NHS Trust {n}", domain="nhs.net",
                                  mailbox_max_gb=rng.choice((4, 4, 10, 50)), units=UNITS)
        for n in range(20)
    }
    switchboards = {ods: [f"0113 496 {rng.randint(0, 9999):04d}" for _ in range(5)] for ods in organisations}
    accounts: dict[str, Account] = {}
    for n in range(3000):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"existing.user{n}@nhs.net"
        accounts[email] = Account(email=email, first_name=first, last_name=last, ods=rng.choice(list(organisations)),
                                  status=AccountStatus.LEAVER if n % 10 == 0 else AccountStatus.ACTIVE,
                                  job_title="Staff Nurse")
    active_by_name: dict[tuple[str, str, str], list[str]] = {}
    for account in accounts.values():
        if account.status is AccountStatus.ACTIVE:
            key = name_key(account.ods, account.first_name, account.last_name)
            active_by_name.setdefault(key, []).append(account.email)
    snapshot = DirectorySnapshot(organisations=organisations, administered=frozenset(organisations),
                                 accounts=accounts, active_by_name={k: tuple(v) for k, v in active_by_name.items()})

    active = [a for a in accounts.values() if a.status is AccountStatus.ACTIVE]
    leavers = [a for a in accounts.values() if a.status is AccountStatus.LEAVER]
    rng.shuffle(active)
    people: set[tuple[str, ...]] = set()  # a file with a repeated new user would fail validation
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CURRENT_COLUMNS)
    for n in range(rows):
        kind = rng.random()
        if kind < 0.05 and active:
            account = active.pop()
            writer.writerow(["", "", "", "", "Ward Manager", "", "", "", "", "", "", account.email, ""])
        elif kind < 0.10 and active:
            writer.writerow(["", "", "", "", "", "", "", "", "", "", "", active.pop().email, "leaver"])
        elif kind < 0.12 and leavers:
            account = leavers.pop()
            ods = rng.choice(list(organisations))
            writer.writerow(["", "", "", "", "", ods, "", "", "", "", "", account.email, ""])
        else:
            while True:
                ods = rng.choice(list(organisations))
                person = (ods, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), rng.choice(JOB_TITLES),
                          rng.choice(UNITS + ("",)), rng.choice(switchboards[ods]),
                          _mobile(rng) if rng.random() < 0.8 else "")
                if person not in people:
                    people.add(person)
                    break
            ods, first, last, upload, unit, business, mobile = person
            password = f"Zq{rng.randint(100, 999)}!vK{rng.randint(1000, 9999)}#m" if n % 10 == 0 else ""
            writer.writerow([
                rng.choice(TITLES), first, last, "", upload, ods.lower() if n % 7 == 0 else ods, unit, business, mobile,
                rng.choice(("", "", "4", "4GB", "4096MB")), password, "", "",
            ])
    return out.getvalue().encode("utf-8"), InMemoryDirectory(snapshot)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    raw, directory = build(rows)
    limits = UploadLimits(max_rows=max(rows, 10_000))

    timings = []
    for _ in range(RUNS):
        uk_number.cache_clear()  # every run starts cold, as in a fresh Lambda
        start = time.process_time()
        outcome = validate_upload(raw, ADMIN, directory, limits)
        timings.append(time.process_time() - start)
    bare_timings = []
    for _ in range(RUNS):
        start = time.process_time()
        list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
        bare_timings.append(time.process_time() - start)
    cpu, bare = min(timings), min(bare_timings)

    actions: dict[str, int] = {}
    for row in outcome.rows:
        actions[row.action.value] = actions.get(row.action.value, 0) + 1
    print(f"rows: {outcome.row_count:,}  bytes: {len(raw):,}  errors: {outcome.errors}  warnings: {outcome.warnings}")
    print(f"actions: {actions}")
    print(f"validate_upload CPU, best of {RUNS}: {cpu:.3f} s ({outcome.row_count / cpu:,.0f} rows/s); "
          f"median {statistics.median(timings):.3f} s")
    print(f"bare csv.reader pass, best of {RUNS}: {bare * 1000:.1f} ms "
          f"-> validation takes {cpu / bare:.0f}x a bare parse")

    uk_number.cache_clear()
    profiler = cProfile.Profile()
    profiler.enable()
    validate_upload(raw, ADMIN, directory, limits)
    profiler.disable()
    print("\ncProfile, top 10 by own time (profiling overhead included):")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(10)


if __name__ == "__main__":
    main()
