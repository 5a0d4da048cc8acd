"""`roster undo UPLOAD_ID [--wait]` (docs/api.md#command-line, docs/approval-and-plan.md#undo):
asks for the undo of an applied upload and prints the undo upload's id and what its plan would
do; nothing changes until an administrator applies it (`roster apply`)."""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections import Counter
from typing import Any

from rich.console import Console

from roster_local.admin.api_client import RosterApi
from roster_local.admin.progress import wait_for

EXIT_BY_STATE = {"VALIDATED": 0, "INVALID": 3, "FAILED": 4, "COMPLETED": 0}


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                common: argparse.ArgumentParser) -> None:
    undo = commands.add_parser("undo", parents=[common], help="a new upload that reverses an applied one, shown "
                                                              "before anything changes")
    undo.add_argument("upload_id", metavar="UPLOAD_ID")
    undo.add_argument("--wait", action="store_true", help="wait until the undo upload is validated, then show its "
                                                          "plan")
    undo.add_argument("--timeout", type=float, default=600, help="seconds --wait waits at most")


def run(args: argparse.Namespace, api: RosterApi) -> int:
    answer = api.post_json(f"/uploads/{args.upload_id}/undo")
    undo_id = answer["upload_id"]
    upload = api.get_json(f"/uploads/{undo_id}")
    if args.wait:
        upload = wait_for(api, undo_id, args.timeout, Console(stderr=True), show=False)
    summary = _plan_summary(api, undo_id) if upload["state"] == "VALIDATED" else {}
    document: dict[str, Any] = {"upload_id": undo_id, "undo_of": args.upload_id, "state": upload["state"],
                                "plan": summary}
    if args.json:
        print(json.dumps(document, indent=1))
    else:
        print(f"Undo of upload {args.upload_id}: upload {undo_id} ({upload['state']}).")
        if summary:
            print("  plan: " + ", ".join(f"{action} {count:,}" for action, count in summary.items()))
            print(f"  nothing has changed yet: see it with roster plan {undo_id}; apply it with roster apply {undo_id}")
        else:
            print(f"  its plan: roster plan {undo_id} once it is VALIDATED (roster status {undo_id})")
    return EXIT_BY_STATE.get(upload["state"], 0)


def _plan_summary(api: RosterApi, upload_id: str) -> dict[str, int]:
    """How many rows of each action the plan has (a row with several lines counted once)."""
    _, data = api.get_csv(f"/uploads/{upload_id}/plan.csv")
    rows = {(row["Line"], row["Action"]) for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))}
    return dict(sorted(Counter(action for _, action in rows).items()))
