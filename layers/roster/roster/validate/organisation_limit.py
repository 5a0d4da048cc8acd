"""How many organisations one upload may touch (docs/csv-format.md, "Limits").

An upload's create phase holds every organisation it touches, one at a time per organisation
(roster.adapters.holds), and takes all its holds in one DynamoDB transaction: all or none, so
that two uploads can never each hold part of what the other needs, and a failure or a crash
leaves no partial hold behind. DynamoDB takes at most 100 items in a transaction, so an upload
may touch at most 100 organisations; a file touching more is refused at validation, whole,
before anything is changed or queued, with a message saying how to split it. (Taking holds in
several transactions instead would leave partial holds behind a crash between them, blocking
other uploads of those organisations until the holds expire.)"""

from __future__ import annotations

from collections.abc import Collection

from roster.contract.findings import Finding, error

MAX_ORGANISATIONS = 100  # DynamoDB's limit on the items of one transaction: one hold each


def organisation_limit_finding(organisations: Collection[str]) -> Finding | None:
    """The file-level error for an upload touching more organisations than one may; None when it may."""
    if len(organisations) <= MAX_ORGANISATIONS:
        return None
    return error(None, "", f"{len(organisations)} organisations",
                 f"This file touches {len(organisations)} organisations (those of its rows and of the accounts it "
                 f"changes); one upload may touch at most {MAX_ORGANISATIONS}, because Roster reserves them all at "
                 "once and DynamoDB takes at most 100 in one transaction. Split the file into files of at most "
                 f"{MAX_ORGANISATIONS} organisations each and upload each one.")
