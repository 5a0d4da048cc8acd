"""A model of one upload of N new users on AWS: its critical path and its cost.

Reads the deployment's parameters from template.yaml (BatchSize, MapMaxConcurrency,
PasswordHashCost, the functions' MemorySize) and combines them with AWS's published limits
and prices, each cited below with its source, and with a few timings measured on this
project's machine (marked "measured"). It is a model, not a measurement: it says which limit
binds and what each phase costs, so that a parameter change can be weighed before deploying.

Assumptions, beyond the cited figures:
- Row outcome items are spread over partition keys: an upload's outcomes go to 16 keys by line
  (adapters/upload_store.py, OUTCOME_PARTITIONS), 16,000 WRU/s together, so at 2 WRU an outcome
  10,000 rows need at least 1.25 s of them, well inside the create wave. Under one key
  (JOB#<id>, before that change) its 1,000 WRU/s would bind: 10,000 rows, 20 s;
  `--outcomes-on-one-key` prints that figure.
- The tables are warm: able to take the write rate the map produces (a table that already
  served such a peak, or one pre-warmed). A new on-demand table takes 4,000 WRU/s at first;
  `--cold-table` models that instead.
- A Lambda vCPU hashes as fast as one core of this machine (measured below), and each
  execution environment is cold once per upload (init time below).
- Network round trips inside a region take the latencies listed below (typical, not
  published figures).

Run: .venv/bin/python bench/aws_model.py [--rows N] [--parameter NAME=VALUE] [--cold-table]
prints seconds=X cost_usd=Y and the breakdown."""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roster.adapters.upload_store import MERGE_PAGE_SIZE, OUTCOME_PARTITIONS
from roster_local.stack.template import load_template

ROOT = Path(__file__).resolve().parents[1]

# -- AWS limits (published) -------------------------------------------------------------------
# "At 1,769 MB, a function has the equivalent of one vCPU (one vCPU-second of credits per second)."
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
LAMBDA_MB_PER_VCPU = 1769
# "for each function, your concurrency scaling rate is 1,000 execution environment instances
# every 10 seconds" https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html
LAMBDA_SCALING_PER_10_SECONDS = 1000
# Default concurrency quota of an account in a Region: 1,000.
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
LAMBDA_ACCOUNT_CONCURRENCY = 1000
# A Distributed Map runs up to 10,000 child workflow executions in parallel.
# https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
MAP_MAX_CHILDREN = 10_000
# Each partition serves up to 1,000 WRU/s (and 3,000 RRU/s); new on-demand tables take up to
# 4,000 WRU/s at first, then up to double their previous peak.
# https://repost.aws/knowledge-center/on-demand-table-throttling-dynamodb
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html
DYNAMODB_PARTITION_WRU_PER_SECOND = 1000
DYNAMODB_NEW_TABLE_WRU_PER_SECOND = 4000
# The default table-level throughput quota: 40,000 write request units per second.
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
DYNAMODB_TABLE_WRU_PER_SECOND = 40_000
# A transactional write of an item up to 1 KB costs 2 WRU; each GSI the item is in, 1 WRU more.
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html
TRANSACTIONAL_WRU_PER_ITEM = 2
GSI_WRU_PER_ITEM = 1

# -- AWS prices (published, us-east-1, USD) ----------------------------------------------------
# Lambda, Arm: $0.0000133334 per GB-second, $0.20 per million requests.
# https://aws.amazon.com/lambda/pricing/
LAMBDA_ARM_USD_PER_GB_SECOND = 0.0000133334
LAMBDA_USD_PER_REQUEST = 0.20 / 1e6
# Step Functions Standard workflows: $0.025 per 1,000 state transitions (a Distributed Map's
# child executions are Standard workflows here: ExecutionType STANDARD).
# https://aws.amazon.com/step-functions/pricing/
STEP_FUNCTIONS_USD_PER_TRANSITION = 0.025 / 1000
# DynamoDB on-demand: $0.625 per million write request units, $0.125 per million read request units.
# https://aws.amazon.com/dynamodb/pricing/on-demand/
DYNAMODB_USD_PER_WRU = 0.625 / 1e6
DYNAMODB_USD_PER_RRU = 0.125 / 1e6
# SES: $0.10 per 1,000 emails, $0.12 per GB of attachments.
# https://aws.amazon.com/ses/pricing/
SES_USD_PER_EMAIL = 0.10 / 1000
SES_USD_PER_ATTACHMENT_GB = 0.12
# S3 Standard: $0.005 per 1,000 PUT, $0.0004 per 1,000 GET.
# https://aws.amazon.com/s3/pricing/
S3_USD_PER_PUT = 0.005 / 1000
S3_USD_PER_GET = 0.0004 / 1000
# KMS: $0.03 per 10,000 requests.
# https://aws.amazon.com/kms/pricing/
KMS_USD_PER_REQUEST = 0.03 / 10_000

# -- measured on this project's machine (one core), or typical --------------------------------
HASH_SECONDS_AT_COST_10 = 0.0026  # measured: hash_password at PasswordHashCost 10, one core
VALIDATE_SECONDS_PER_ROW = 0.00005  # measured: bench/validation.py, about 20,000 rows/s
NOTIFY_SECONDS_PER_ROW = 0.0002  # measured share of notify per row on the embedded stack: unseal, CSV
PLAN_SECONDS_PER_ROW = 0.0004  # measured: planning a new user besides its hash (generate, seal, items)
COLD_START_SECONDS = 1.5  # typical Python 3.13 init with Powertools, pydantic and boto3
S3_EVENT_SECONDS = 1.0  # typical S3 event notification to an asynchronous Lambda invocation
ROUND_TRIP_SECONDS = 0.02  # typical in-Region request (S3 PUT/GET, DynamoDB, KMS)
CHILD_START_SECONDS = 0.5  # typical time for a Distributed Map to start a child execution
TRANSITIONS_PARENT = 5  # Configure, CreateBatches, Notify, start and end
TRANSITIONS_PER_CHILD = 3  # start, CreateBatch, end
ITEMS_PER_NEW_USER = 4  # account, address reservation, identity record, row outcome
GSI_ITEMS_PER_NEW_USER = 2  # the account and the reservation are in gsi1
ROWS_PER_TRANSACTION = 25
OUTCOME_BYTES = 300  # a row outcome item (sealed password, message)
RESULT_BYTES_PER_ROW = 160  # a results file row
ATTACHMENT_LIMIT_DEFAULT = 7_000_000


@dataclass
class Phase:
    name: str
    seconds: float
    note: str


def parameters(overrides: dict[str, str]) -> dict[str, Any]:
    """template.yaml's parameter defaults, function memory and the overrides given."""
    template = load_template(ROOT / "template.yaml")
    values = {name: spec.get("Default") for name, spec in template["Parameters"].items()}
    values.update({name: int(value) if value.isdigit() else value for name, value in overrides.items()})
    globals_memory = template["Globals"]["Function"].get("MemorySize", 128)
    for logical in ("ValidateFunction", "CreateFunction", "NotifyFunction"):
        values[f"{logical}Memory"] = template["Resources"][logical]["Properties"].get("MemorySize", globals_memory)
    return values


def model(rows: int, p: dict[str, Any], cold_table: bool,
          outcomes_on_one_key: bool) -> tuple[list[Phase], dict[str, float]]:
    """The phases of the critical path and the cost of each service."""
    batch_size, concurrency = int(p["BatchSize"]), int(p["MapMaxConcurrency"])
    batches = math.ceil(rows / batch_size)
    hash_seconds = HASH_SECONDS_AT_COST_10 * 2 ** (int(p["PasswordHashCost"]) - 10)
    vcpu = {name: min(1.0, p[f"{name}Memory"] / LAMBDA_MB_PER_VCPU) for name in ("ValidateFunction", "CreateFunction",
                                                                                  "NotifyFunction")}

    validate = (COLD_START_SECONDS + rows * VALIDATE_SECONDS_PER_ROW / vcpu["ValidateFunction"]
                + (batches + 6) * ROUND_TRIP_SECONDS)  # one PUT per batch file, then upload, KMS, start
    batch = (COLD_START_SECONDS + batch_size * (hash_seconds + PLAN_SECONDS_PER_ROW) / vcpu["CreateFunction"]
             + (6 + math.ceil(batch_size / ROWS_PER_TRANSACTION)) * ROUND_TRIP_SECONDS)
    running = min(concurrency, batches, MAP_MAX_CHILDREN, LAMBDA_ACCOUNT_CONCURRENCY)
    waves = math.ceil(batches / running)
    # Lambda adds at most 1,000 environments per 10 s: a wider first wave waits for them.
    ramp = 10.0 * max(0, math.ceil(running / LAMBDA_SCALING_PER_10_SECONDS) - 1)
    compute = CHILD_START_SECONDS + ramp + waves * batch
    wru_per_row = ITEMS_PER_NEW_USER * TRANSACTIONAL_WRU_PER_ITEM + GSI_ITEMS_PER_NEW_USER * GSI_WRU_PER_ITEM
    writes = rows * wru_per_row
    table_rate = DYNAMODB_NEW_TABLE_WRU_PER_SECOND if cold_table else DYNAMODB_TABLE_WRU_PER_SECOND
    throughput = writes / table_rate
    one_key = rows * TRANSACTIONAL_WRU_PER_ITEM / DYNAMODB_PARTITION_WRU_PER_SECOND if outcomes_on_one_key else 0.0
    create = max(compute, throughput, one_key)
    binds = max((compute, "compute (hashing)"), (throughput, "table write throughput"),
                (one_key, "one partition key for outcomes"))[1]
    results_bytes = rows * RESULT_BYTES_PER_ROW
    notify = (COLD_START_SECONDS + rows * NOTIFY_SECONDS_PER_ROW / vcpu["NotifyFunction"]
              # the batch files, then the outcome pages one after another as the merge takes them
              + (batches + math.ceil(rows / MERGE_PAGE_SIZE) + OUTCOME_PARTITIONS + 6) * ROUND_TRIP_SECONDS)
    phases = [
        Phase("upload event", S3_EVENT_SECONDS, "S3 notification to the validate Lambda"),
        Phase("validate", validate, f"{rows:,} rows, {batches} batch files written one by one"),
        Phase("create", create, f"{batches} batches of {batch_size}, {running} at once, {waves} wave(s) of "
              f"{batch:.1f} s (hash {hash_seconds * 1000:.0f} ms/row); {writes:,.0f} WRU; bound by {binds}"),
        Phase("notify", notify, f"reads {rows:,} outcomes ({MERGE_PAGE_SIZE} a page) and {batches} batch files, "
              "writes and emails the results"),
    ]

    gb = {name: p[f"{name}Memory"] / 1024 for name in vcpu}
    lambda_usd = ((validate * gb["ValidateFunction"] + batches * batch * gb["CreateFunction"]
                   + notify * gb["NotifyFunction"]) * LAMBDA_ARM_USD_PER_GB_SECOND
                  + (batches + 2) * LAMBDA_USD_PER_REQUEST)
    reads = batches * (3 * batch_size * 0.5 + 2) + rows * OUTCOME_BYTES / 4096  # prefetch, then notify's query
    attachment = results_bytes if results_bytes <= int(p.get("AttachmentLimitBytes") or ATTACHMENT_LIMIT_DEFAULT) else 0
    cost = {
        "lambda": lambda_usd,
        "step_functions": (TRANSITIONS_PARENT + batches * TRANSITIONS_PER_CHILD) * STEP_FUNCTIONS_USD_PER_TRANSITION,
        "dynamodb_writes": (writes + batches * 6) * DYNAMODB_USD_PER_WRU,
        "dynamodb_reads": reads * DYNAMODB_USD_PER_RRU,
        "s3": (batches + 4) * S3_USD_PER_PUT + (2 * batches + 4) * S3_USD_PER_GET,
        "kms": (batches + 4) * KMS_USD_PER_REQUEST,
        "ses": SES_USD_PER_EMAIL + attachment / 1e9 * SES_USD_PER_ATTACHMENT_GB,
    }
    return phases, cost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--cold-table", action="store_true", help="tables at a new on-demand table's 4,000 WRU/s")
    parser.add_argument("--outcomes-on-one-key", action="store_true", help="today's outcome keys: one partition")
    args = parser.parse_args()
    p = parameters(dict(item.split("=", 1) for item in args.parameter))
    phases, cost = model(args.rows, p, args.cold_table, args.outcomes_on_one_key)
    seconds, usd = sum(phase.seconds for phase in phases), sum(cost.values())
    print(f"seconds={seconds:.1f} cost_usd={usd:.4f}")
    print(f"rows {args.rows:,}; BatchSize {p['BatchSize']}, MapMaxConcurrency {p['MapMaxConcurrency']}, "
          f"PasswordHashCost {p['PasswordHashCost']}, create MemorySize {p['CreateFunctionMemory']} MB")
    for phase in phases:
        print(f"  {phase.name:13s} {phase.seconds:6.1f} s  {phase.note}")
    for name, value in cost.items():
        print(f"  {name:15s} ${value:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
