"""The plan of a validated upload (docs/approval-and-plan.md#the-plan): what each row will do to the directory as
it is now, from the same change plan the create phase applies (PlannedRow.changes).

A new user's line shows the address the create phase would give them now: the first free of
first.last, first.last1, ... after the directory's reservations and the file's earlier rows
(docs/csv-format.md#generated-values). A new user an earlier upload already created is Unchanged, at that address,
as the create phase will report it (docs/csv-format.md#safe-to-repeat). The directory is read in batches."""

from __future__ import annotations

from collections import Counter

from roster.accounts.addresses import address_base, candidate_address
from roster.contract.columns import MASKED_PASSWORD
from roster.contract.plan_file import PlanLine
from roster.model.person_key import identity_key
from roster.model.rows import PlannedRow, RowAction
from roster.ports import Directory

PASSWORD_FIELD = "Password"
ODS_FIELD, STATUS_FIELD = "Organisation ODSCode", "Status"  # a joiner's Status is leaver: its action says so
LOOKUP_ROUNDS = 3  # batched lookups of candidate addresses before a crowded base is read in full
ACTION_NAMES = {RowAction.CREATE: "Create", RowAction.UPDATE: "Update", RowAction.LEAVER: "Leaver",
                RowAction.JOINER: "Joiner", RowAction.UNCHANGED: "Unchanged"}


def upload_plan(rows: list[PlannedRow], directory: Directory, readable: frozenset[str]) -> list[PlanLine]:
    """The lines of plan.csv for the rows of a file that validated, in file order. Old values are
    shown only of accounts in `readable`, the organisations the uploader administers: a joiner
    coming from another organisation shows none of what it held there (docs/security.md)."""
    new_users = preview_new_users([row for row in rows if row.action is RowAction.CREATE], directory)
    lines: list[PlanLine] = []
    for row in rows:
        if row.action is RowAction.CREATE:
            action, email = new_users[row.line]
            lines.append(PlanLine(row.line, action, email))
        else:
            lines.extend(row_plan(row, readable))
    return lines


def row_plan(row: PlannedRow, readable: frozenset[str]) -> list[PlanLine]:
    """The plan lines of a row that names an account: one per changed field for an Update or
    a Joiner (a supplied password last, masked), else one line."""
    action, email = ACTION_NAMES[row.action], row.fields.email or row.assigned_email or ""
    if row.action not in (RowAction.UPDATE, RowAction.JOINER):
        return [PlanLine(row.line, action, email)]
    hidden = _held_elsewhere(row, readable)
    lines = [PlanLine(row.line, action, email, change.column,
                      "" if hidden and change.column != STATUS_FIELD else _shown(change.old), _shown(change.new))
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
    free = free_suffixes(Counter(bases.values()), directory)
    preview: dict[int, tuple[str, str]] = {}
    for row in rows:
        if row.line in created:
            preview[row.line] = (ACTION_NAMES[RowAction.UNCHANGED], created[row.line])
        else:  # the file's rows of one name take its free numbers in file order
            base = bases[row.line]
            preview[row.line] = (ACTION_NAMES[RowAction.CREATE], candidate_address(base, free[base].pop(0)))
    return preview


def free_suffixes(rows_per_base: Counter[str], directory: Directory) -> dict[str, list[int]]:
    """For each base address, as many free numbers as the file has rows of it, lowest first.

    The candidates are looked up in batched reads for all bases at once: first 0..n-1 for a
    base with n rows (usually just first.last, free), then as many more as were taken, for a
    few rounds; a base still short after that (a crowded name) is read in full."""
    free: dict[str, list[int]] = {base: [] for base in rows_per_base}
    checked = dict.fromkeys(rows_per_base, 0)  # candidates 0..checked-1 have been looked up
    for _ in range(LOOKUP_ROUNDS):
        wanted = {base: range(checked[base], checked[base] + count - len(free[base]))
                  for base, count in rows_per_base.items() if len(free[base]) < count}
        if not wanted:
            return free
        candidates = {candidate_address(base, n): (base, n) for base, numbers in wanted.items() for n in numbers}
        reserved = directory.reserved_addresses(set(candidates))
        for address, (base, n) in sorted(candidates.items(), key=lambda item: item[1]):
            if address not in reserved:
                free[base].append(n)
        checked.update({base: numbers.stop for base, numbers in wanted.items()})
    for base, count in rows_per_base.items():
        if len(free[base]) < count:
            taken = directory.taken_suffixes(base)
            numbers = [n for n in range(count + len(taken)) if n not in taken]
            free[base] = numbers[:count]
    return free


def _held_elsewhere(row: PlannedRow, readable: frozenset[str]) -> bool:
    """Whether the row's account is now in an organisation outside `readable` (a joiner moving in)."""
    moved_from = next((c.old for c in row.changes if c.column == ODS_FIELD), None)
    return moved_from is not None and str(moved_from).upper() not in readable


def _shown(value: str | int | None) -> str:
    """A stored value as plan.csv shows it: as stored, blank for none."""
    return "" if value is None else str(value)
