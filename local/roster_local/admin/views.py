"""What the administrators' commands print (docs/api.md#command-line): an upload's state with
what happened or, validated, what applying WILL do; its findings, plan and validation report as
tables (no byte-order mark, no CSV to read by eye); and always the next step."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from roster.contract.spreadsheet import unescape_formula

# Plan actions (docs/approval-and-plan.md#the-plan) as a sentence says them.
_WILL = {"Create": "create", "Update": "update", "Leaver": "mark as leaver", "Joiner": "take back as joiner",
         "Unchanged": "leave unchanged"}
_DONE = ("created", "updated", "leavers", "joiners", "unchanged", "failed")


def csv_table(title: str, data: bytes, limit: int | None = None) -> Table:
    """A CSV file Roster wrote, as a table: byte-order mark dropped, its ' escapes undone."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    table = Table(title=title, show_lines=False)
    for name in rows[0] if rows else []:
        table.add_column(name, overflow="fold")
    shown = rows[1:] if limit is None else rows[1:limit + 1]
    for row in shown:
        table.add_row(*(Text(unescape_formula(cell)) for cell in row))
    if limit is not None and len(rows) - 1 > limit:
        table.caption = f"the first {limit:,} of {len(rows) - 1:,} lines"
    return table


def planned_counts(plan: bytes) -> Counter[str]:
    """How many rows of a plan take each action (an update has a line per field: one row)."""
    rows = list(csv.DictReader(io.StringIO(plan.decode("utf-8-sig"), newline="")))
    return Counter(action for _, action in {(row["Line"], row["Action"]) for row in rows})


def will_do(planned: Counter[str]) -> str:
    """'29 to create, 1 to update': what applying a validated upload will do."""
    parts = [f"{planned[action]:,} to {verb}" for action, verb in _WILL.items() if planned.get(action)]
    return ", ".join(parts) or "nothing to change"


def describe(console: Console, upload: dict[str, Any], planned: Counter[str] | None, findings: bool) -> None:
    """The upload's state, counts (done, or to be done), first findings, approval and next step."""
    upload_id, counts = upload["upload_id"], upload["counts"]
    console.print(Text(f"{upload['file_name']} ({upload_id}): {upload['state']}, format {upload['format'] or '-'}, "
                       f"uploaded by {upload['uploader']} at {upload['created_at']}"))
    console.print(Text(f"  rows {counts.get('rows', 0):,}, errors {counts.get('errors', 0):,}, "
                       f"warnings {counts.get('warnings', 0):,}"))
    if upload["state"] == "VALIDATED" and planned is not None:
        console.print(Text(f"  applying it will: {will_do(planned)}"))
    elif upload["state"] in ("CREATING", "COMPLETED", "FAILED", "QUEUED"):
        console.print(Text("  " + ", ".join(f"{name} {counts.get(name, 0):,}" for name in _DONE)))
        console.print(Text(f"  progress: {upload['progress']['applied']:,} / {upload['progress']['rows']:,} rows "
                           "applied"))
    if upload.get("error"):
        console.print(Text(f"  error: {upload['error']}"))
    if findings and upload.get("findings"):
        console.print(findings_table(upload["findings"][:10]))
    for line in approval_lines(upload):
        console.print(Text(f"  {line}"))
    for line in next_steps(upload):
        console.print(Text(f"  {line}"))


def findings_table(found: list[dict[str, Any]]) -> Table:
    table = Table(title="First findings")
    for name in ("Line", "Column", "Severity", "Message"):
        table.add_column(name, overflow="fold")
    for finding in found:
        table.add_row(str(finding["line"] or "-"), Text(finding["column"] or "(file)"), finding["severity"],
                      Text(finding["message"]))
    return table


def approval_lines(upload: dict[str, Any]) -> list[str]:
    """Why the upload waits (or will wait once applied) and who may approve it: the uploader
    themself for an organisation that has no other administrator."""
    approval = upload.get("approval")
    if not approval:
        return []
    waiting = upload["state"] == "AWAITING_APPROVAL"
    if not waiting and not approval.get("needed_on_apply"):
        return []
    lines = ["waits for approval:" if waiting else "applying it will wait for approval:"]
    lines += [f"  - {reason}" for reason in approval["reasons"]]
    for ods, who in approval["approvers"].items():
        if ods in approval["uploader_approves"]:
            lines.append(f"  {ods}: {upload['uploader']} approves it (the uploader: {ods} has no other administrator)")
        else:
            lines.append(f"  {ods}: approved by one of {', '.join(who)}")
    return lines


def next_steps(upload: dict[str, Any]) -> list[str]:
    """What to do next, as commands."""
    upload_id, stem, state = upload["upload_id"], Path(upload["file_name"]).stem, upload["state"]
    links, approval = upload.get("links", {}), upload.get("approval") or {}
    steps = []
    if state == "VALIDATED" and upload.get("validate_only"):
        steps.append(f"next: roster plan {upload_id}   then apply it: roster apply {upload_id} --wait")
    if state == "AWAITING_APPROVAL":
        if approval.get("may_approve"):
            steps.append(f"next: roster plan {upload_id}, then roster approve {upload_id} (or roster cancel)")
        else:
            steps.append(f"next: ask an approver above to run roster approve {upload_id}; roster cancel {upload_id} "
                         "withdraws it")
    if state == "INVALID":
        steps.append("next: fix the lines the report names and upload the file again")
    if "validation_report" in links:
        steps.append(f"validation report: roster validation {upload_id} -o {stem}-validation.csv")
    if "results" in links:
        steps.append(f"results: roster results {upload_id} -o {stem}-results.csv")
    if state == "COMPLETED" and upload["counts"].get("failed"):
        steps.append(f"{upload['counts']['failed']:,} rows failed: their Message in the results says why; fix them "
                     "in the results file and upload it again")
    return steps
