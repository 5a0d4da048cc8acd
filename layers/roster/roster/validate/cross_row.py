"""Checks that cross rows (docs/csv-format.md#what-a-row-does): one account per address per file, no
new user twice, and a warning when a new user looks like someone already in the directory."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from roster.model.directory import DirectorySnapshot
from roster.model.person_key import IDENTITY_FIELDS, identity_columns, identity_of_values
from roster.validate.drafts import RowDraft


def check_repeated_addresses(drafts: Iterable[RowDraft]) -> None:
    """An Email Address on a second row is an error on the later row."""
    first_line: dict[str, int] = {}
    for draft in drafts:
        address = draft.values.get("email")
        if address is None:
            continue
        if address in first_line:
            draft.row_error("email", f"Email Address {address} is also on line {first_line[address]}; "
                                     "give each account on one row only.")
        else:
            first_line[address] = draft.line


def check_duplicate_new_users(drafts: Iterable[RowDraft]) -> None:
    """Two new-user rows with the same organisation, names, job title, unit and phones:
    the later one is an error ("duplicate of line N")."""
    first_line: dict[tuple[str, ...], int] = {}
    for draft in drafts:
        if not draft.is_new_user:
            continue
        # A row that could not be planned is compared by its cells as written.
        identity = identity_columns(draft.fields) if draft.fields else identity_of_values(
            {name: draft.best_value(name) for name in IDENTITY_FIELDS})
        if identity in first_line:
            draft.row_error(None, f"This new user is a duplicate of line {first_line[identity]} (same organisation, "
                                  "first and last name, job title, unit and phones); remove one of the two rows.")
        else:
            first_line[identity] = draft.line


def warn_possible_duplicates(drafts: Iterable[RowDraft], snapshot: DirectorySnapshot,
                             created_before: Collection[int] = ()) -> None:
    """A new user whose first and last name match an active account in the same organisation:
    a warning naming that account, since it may be the same person. Not for the lines of
    `created_before` (an earlier upload created that very user: the row will be Unchanged)."""
    for draft in drafts:
        if not draft.is_new_user or draft.line in created_before:
            continue
        ods, first, last = (draft.values.get(n) for n in ("ods", "first_name", "last_name"))
        if ods is None or first is None or last is None:
            continue
        addresses = snapshot.active_accounts_named(ods, first, last)
        if addresses:
            listed = ", ".join(addresses[:3]) + (f" and {len(addresses) - 3} more" if len(addresses) > 3 else "")
            draft.row_warning(None, f"An active account in organisation {ods} already has the name {first} {last} "
                                    f"({listed}); check that this is a different person before creating another "
                                    "account, or update that account instead.", value=f"{first} {last}")
