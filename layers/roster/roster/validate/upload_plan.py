"""The plan of a validated upload (csv-contract 11): what each row will do to the directory as
it is now, from the same change plan the create phase applies (PlannedRow.changes).

A new user's line shows the address the create phase would give them now: the first free of
first.last, first.last1, ... after the directory's reservations and the file's earlier rows
(csv-contract 6). A new user an earlier upload already created is Unchanged, at that address,
as the create phase will report it (csv-contract 8). The directory is read in batches."""

from __future__ import annotations

from collections import Counter

from roster.addresses import address_base, candidate_address, first_free_suffix
from roster.contract.columns import MASKED_PASSWORD
from roster.contract.plan_file import PlanLine
from roster.model.person_key import identity_key
from roster.model.rows import PlannedRow, RowAction
from roster.ports import Directory

PASSWORD_FIELD = "Password"
ACTION_NAMES = {RowAction.CREATE: "Create", RowAction.UPDATE: "Update", RowAction.LEAVER: "Leaver",
                RowAction.JOINER: "Joiner", RowAction.UNCHANGED: "Unchanged"}


def upload_plan(rows: list[PlannedRow], directory: Directory) -> list[PlanLine]:
    """The lines of plan.csv for the rows of a file that validated, in file order."""
    new_users = preview_new_users([row for row in rows if row.action is RowAction.CREATE], directory)
    lines: list[PlanLine] = []
    for row in rows:
        if row.action is RowAction.CREATE:
            action, email = new_users[row.line]
            lines.append(PlanLine(row.line, action, email))
        else:
            lines.extend(row_plan(row))
    return lines


def row_plan(row: PlannedRow) -> list[PlanLine]:
    """The plan lines of a row that names an account: one per changed field for an Update or
    a Joiner (a supplied password last, masked), else one line."""
    action, email = ACTION_NAMES[row.action], row.fields.email or ""
    if row.action not in (RowAction.UPDATE, RowAction.JOINER):
        return [PlanLine(row.line, action, email)]
    lines = [PlanLine(row.line, action, email, change.column, _shown(change.old), _shown(change.new))
             for change in row.changes]
    if row.fields.password is not None:
        lines.append(PlanLine(row.line, action, email, PASSWORD_FIELD, MASKED_PASSWORD, MASKED_PASSWORD))
    return lines


def preview_new_users(rows: list[PlannedRow], directory: Directory) -> dict[int, tuple[str, str]]:
    """(Action, Email Address) of each new-user row, by line: Create at the address it would get
    now, or Unchanged at the address an earlier upload gave the same person."""
    organisations = directory.organisations({row.fields.ods for row in rows if row.fields.ods})
    identities = directory.identities({identity_key(row.fields) for row in rows})
    created = {row.line: identities[key].email for row in rows if (key := identity_key(row.fields)) in identities}
    bases = {row.line: address_base(row.fields.first_name or "", row.fields.last_name or "",
                                    organisations[row.fields.ods or ""].domain)
             for row in rows if row.line not in created}
    taken = _taken_suffixes(Counter(bases.values()), directory)
    preview: dict[int, tuple[str, str]] = {}
    for row in rows:
        if row.line in created:
            preview[row.line] = (ACTION_NAMES[RowAction.UNCHANGED], created[row.line])
            continue
        base = bases[row.line]
        suffix = first_free_suffix(taken[base])
        taken[base].add(suffix)  # the file's later rows of the same name move on to the next number
        preview[row.line] = (ACTION_NAMES[RowAction.CREATE], candidate_address(base, suffix))
    return preview


def _taken_suffixes(rows_per_base: Counter[str], directory: Directory) -> dict[str, set[int]]:
    """The numbers already taken of each base, as far as the file's rows reach: for a base with
    n rows, candidates 0..n are looked up in one batched read for all bases; a base with fewer
    than n of them free (rare) is asked for in full."""
    candidates = {base: [candidate_address(base, n) for n in range(count + 1)] for base, count in rows_per_base.items()}
    reserved = directory.reserved_addresses({address for each in candidates.values() for address in each})
    taken: dict[str, set[int]] = {}
    for base, addresses in candidates.items():
        taken[base] = {n for n, address in enumerate(addresses) if address in reserved}
        if len(addresses) - len(taken[base]) < rows_per_base[base]:
            taken[base] |= directory.taken_suffixes(base)
    return taken


def _shown(value: str | int | None) -> str:
    """A stored value as plan.csv shows it: as stored, blank for none."""
    return "" if value is None else str(value)
