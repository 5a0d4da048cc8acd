"""The stand-in's floor: only the DynamoDB writes that N created rows make, nothing else.

Each new user is five conditional Puts, as the create step writes them: the account, its
address reservation, the identity record, the row outcome and the record of the change, with
the same attributes and sizes (a password hash and a sealed password of the real lengths),
20 rows (100 items) per TransactWriteItems, rows in batches of the template's BatchSize,
MapMaxConcurrency batches at a time as the Distributed Map runs them, through the functions' own boto3
client, on the same embedded stack (template.yaml on moto with every moto patch). Building the items is not
timed; the writes are.

With --hashing, each batch first hashes its rows' passwords at the stack's PasswordHashCost
(as the create step does, in the batch's own thread), then writes them: the floor of the
create phase once the password work, which no implementation can skip, is counted too.

Run: .venv/bin/python bench/floor.py [--rows N] [--hashing]   prints floor_seconds=X"""

from __future__ import annotations

import argparse
import base64
import os
import queue
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from end_to_end import people

from roster.accounts.addresses import address_base, candidate_address
from roster.adapters.change_log import change_put
from roster.adapters.clients import client
from roster.adapters.directory_store import account_item, identity_record_key, reservation_item
from roster.adapters.dynamodb import to_item
from roster.adapters.upload_store import outcome_item
from roster.audit.records import Provenance, created_record
from roster.create.batches import generated_password_purpose
from roster.model.directory import Account
from roster.model.person_key import identity_key
from roster.model.rows import RowResult, UserFields
from roster.model.uploads import RowOutcome, utc_now
from roster.passwords.generated import generate_password, hash_password
from roster.passwords.sealing import UploadCipher
from roster.settings import get_settings
from roster_local.admin.directory_file import load_directory_file
from roster_local.stack.embedded_stack import EmbeddedStack

ROOT = Path(__file__).resolve().parents[1]
ROWS_PER_TRANSACTION = 20  # the create step's groups: 5 items a row, 100 items a transaction
UPLOAD_ID = "f" * 32


def _phone(text: str) -> str:
    return "+44" + text.replace(" ", "")[1:]


def _row_items(line: int, cells: list[str], organisations: dict[str, Any], cipher: UploadCipher, now: str,
               directory_table: str, jobs_table: str, changes_table: str) -> list[dict[str, Any]]:
    title, first, last, _, job_title, ods, unit, business, mobile, mailbox = cells[:10]
    organisation = organisations[ods]
    fields = UserFields(title=title or None, first_name=first, last_name=last, job_title=job_title, ods=ods,
                        unit=unit or None, business_phone=_phone(business), mobile_phone=_phone(mobile),
                        mailbox_gb=4 if mailbox else None)
    base = address_base(first, last, organisation.domain)
    address = candidate_address(base, 0)
    identity = identity_key(fields)
    # A hash of the real length: scrypt$cost$r$p$<16-byte salt>$<32-byte digest>, base64.
    password_hash = (f"scrypt$10$8$1${base64.b64encode(os.urandom(16)).decode()}$"
                     f"{base64.b64encode(os.urandom(32)).decode()}")
    account = Account(email=address, first_name=first, last_name=last, ods=ods, title=fields.title,
                      job_title=job_title, unit=fields.unit, business_phone=fields.business_phone,
                      mobile_phone=fields.mobile_phone, mailbox_gb=4, created_at=now)
    message = (f"Created in {organisation.name} ({ods}), unit {unit}." if unit else
               f"Created directly under {organisation.name} ({ods}), its parent organisation, because no "
               "Organisational Unit was given; set the unit in the user edit screen if needed.")
    outcome = RowOutcome(line=line, result=RowResult.CREATED, email=address, message=message, done_at=now,
                         sealed_password=cipher.seal(generate_password(), generated_password_purpose(line)))
    expires = int(datetime.fromisoformat(now).replace(tzinfo=UTC).timestamp()) + 90 * 86400
    identity_record = {**identity_record_key(identity), "identity": identity, "email": address, "job_id": UPLOAD_ID,
                       "created_at": now, "expires_at": expires}
    puts = [account_item(account, password_hash=password_hash, must_change_password=True, created_by_upload=UPLOAD_ID),
            reservation_item(address, base, upload_id=UPLOAD_ID, line=line), identity_record]
    return [*({"Put": {"TableName": directory_table, "Item": to_item(item),
                       "ConditionExpression": "attribute_not_exists(pk)"}} for item in puts),
            outcome_item(jobs_table, UPLOAD_ID, outcome),
            change_put(changes_table, created_record(account, Provenance(UPLOAD_ID, "admin@example.nhs.net", 400),
                                                     line=line, at=now))]


def measure(rows: int, parameters: dict[str, str] | None = None, hashing: bool = False) -> float:
    """Seconds the writes of `rows` created rows take on a fresh embedded stack (and, with
    `hashing`, the hashing of their passwords in the same batch threads)."""
    with EmbeddedStack(parameters=parameters) as stack:
        settings = get_settings()
        organisations = {o.ods: o for o in load_directory_file(ROOT / "examples" / "directory.json").organisations}
        cipher, now = UploadCipher(os.urandom(32), UPLOAD_ID), utc_now()
        tables = (settings.directory_table, settings.jobs_table, settings.changes_table)
        row_items = [_row_items(line, cells, organisations, cipher, now, *tables)
                     for line, cells in enumerate(people(rows), start=2)]
        batches: queue.Queue[list[list[dict[str, Any]]]] = queue.Queue()
        for start in range(0, rows, settings.batch_size):
            batches.put(row_items[start:start + settings.batch_size])
        dynamodb = client("dynamodb")
        passwords = [generate_password() for _ in range(settings.batch_size)] if hashing else []
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                while True:
                    try:
                        batch = batches.get_nowait()
                    except queue.Empty:
                        return
                    for password in passwords[:len(batch)]:
                        hash_password(password, settings.password_hash_cost)
                    for start in range(0, len(batch), ROWS_PER_TRANSACTION):
                        group = batch[start:start + ROWS_PER_TRANSACTION]
                        dynamodb.transact_write_items(TransactItems=[item for row in group for item in row])
            except BaseException as exc:  # reported on the main thread
                errors.append(exc)

        concurrency = int(stack.parameters["MapMaxConcurrency"])
        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        if errors:
            raise errors[0]
        written = stack.client("dynamodb").describe_table(TableName=settings.jobs_table)["Table"]["ItemCount"]
        if written != rows:
            raise RuntimeError(f"the floor wrote {written} row outcomes for {rows} rows")
        return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--hashing", action="store_true", help="each batch hashes its passwords before its writes")
    args = parser.parse_args()
    parameters = dict(p.split("=", 1) for p in args.parameter)
    print(f"floor_seconds={measure(args.rows, parameters, args.hashing):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
