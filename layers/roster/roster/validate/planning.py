"""Planning each row at validation: what it does comes from roster.accounts.change_plan
(docs/csv-format.md#what-a-row-does); here are the rules that need the directory and the uploader to answer:
organisation, unit, purchased mailbox, authorisation, password names."""

from __future__ import annotations

from roster.accounts.addresses import name_in_address
from roster.accounts.change_plan import (
    Refusal,
    already_created_message,
    default_display_name,
    moves_active_user,
    new_user_mailbox_gb,
    plan_change,
    row_kind,
)
from roster.contract.findings import JOINER_NOTICE
from roster.model.directory import Account, DirectorySnapshot, Organisation
from roster.model.person_key import identity_key
from roster.model.rows import PlannedRow, RowAction, UserFields
from roster.passwords.policy import check_password
from roster.ports import DirectoryReader
from roster.rules import InvalidCell
from roster.rules.mailbox import check_purchased
from roster.rules.organisation import known_organisation, require_administered, unit_of
from roster.rules.status import LEAVER
from roster.validate.drafts import RowDraft

JOINER_MESSAGE = JOINER_NOTICE
REQUIRED_FOR_NEW_USERS = ("first_name", "last_name", "ods")


def plan_row(draft: RowDraft, snapshot: DirectorySnapshot) -> PlannedRow | None:
    """The row's action, fields and changes per the section 4 table (roster.accounts.change_plan),
    adding its findings to the draft; None when the row cannot be planned (its findings say why)."""
    plan = _plan(draft, snapshot)
    if plan is not None:
        draft.fields = plan.fields
    return plan


def plan_already_created(plans: list[PlannedRow | None], directory: DirectoryReader) -> set[int]:
    """New users an earlier upload created already are UNCHANGED (docs/csv-format.md#safe-to-repeat), with that
    account's address; returns their lines. One batched read of the identity records."""
    keys = {i: identity_key(plan.fields) for i, plan in enumerate(plans)
            if plan is not None and plan.action is RowAction.CREATE}
    found = directory.identities(set(keys.values())) if keys else {}
    lines = set()
    for i, key in keys.items():
        plan, record = plans[i], found.get(key)
        if plan is not None and record is not None:
            plans[i] = plan.model_copy(update={"action": RowAction.UNCHANGED, "assigned_email": record.email,
                                               "note": already_created_message(record)})
            lines.add(plan.line)
    return lines


def _plan(draft: RowDraft, snapshot: DirectorySnapshot) -> PlannedRow | None:
    leaving = draft.values.get("status") == LEAVER
    if draft.is_new_user:
        if row_kind(new_user=True, leaving=leaving, account=None) is Refusal.NEW_USER_LEAVER:
            draft.row_error("status", "A new user cannot be a leaver: give the Email Address of the account "
                                      "to mark as a leaver, or leave Status blank to create a user.")
            return None
        return _plan_create(draft, snapshot)
    if leaving:
        draft.ignore_cells_except({"email", "status"})
    if "email" not in draft.values or ("status" in draft.cells and not leaving):
        return None  # the cell's own finding says what is wrong
    account = snapshot.account(draft.values["email"])
    kind = row_kind(new_user=False, leaving=leaving, account=account)
    if account is None or kind is Refusal.NO_ACCOUNT:
        draft.row_error("email", f"No account has the address {draft.values['email']}. Contacts cannot be bulk "
                                 "uploaded; leave Email Address blank to create a new user.")
        return None
    if kind is RowAction.LEAVER:
        return _plan_leaver(draft, snapshot, account)
    if kind is RowAction.JOINER:
        return _plan_joiner(draft, snapshot, account)
    return _plan_update(draft, snapshot, account)


def _plan_create(draft: RowDraft, snapshot: DirectorySnapshot) -> PlannedRow | None:
    why = "every row of an NHSmail 1 file creates a user" if draft.legacy else "a blank Email Address creates a user"
    for name in REQUIRED_FOR_NEW_USERS:
        if name not in draft.cells:
            draft.row_error(name, f"{draft.labels[name]} is required for a new user ({why}).")
    _check_names_make_an_address(draft)
    organisation = _administered_organisation(draft, snapshot, "create users in it")
    _check_password(draft, draft.best_value("first_name"), draft.best_value("last_name"))
    if organisation is None or draft.has_errors:
        return None
    first, last = draft.values["first_name"], draft.values["last_name"]
    display = draft.values.get("display_name") or default_display_name(first, last, organisation)
    mailbox = new_user_mailbox_gb(draft.values.get("mailbox_gb"))
    fields = draft.user_fields(display_name=display, mailbox_gb=mailbox, email=None, status=None)
    return PlannedRow(line=draft.line, action=RowAction.CREATE, fields=fields)


def _uploader_administers(draft: RowDraft, snapshot: DirectorySnapshot, account: Account, doing: str) -> bool:
    """Whether the uploader administers the account's organisation; if not, the row says so."""
    try:
        require_administered(snapshot, account.ods, doing)
    except InvalidCell as exc:
        draft.row_error("email", exc.message)
        return False
    return True


def _plan_leaver(draft: RowDraft, snapshot: DirectorySnapshot, account: Account) -> PlannedRow | None:
    if not _uploader_administers(draft, snapshot, account, "mark this account as a leaver"):
        return None
    fields = UserFields(email=account.email, status=LEAVER, ods=account.ods)
    return _planned(draft, fields, account, snapshot)


def _plan_joiner(draft: RowDraft, snapshot: DirectorySnapshot, account: Account) -> PlannedRow | None:
    if "ods" not in draft.cells:
        draft.row_error("ods", f"{draft.labels['ods']} is required: {account.email} is a leaver, and accepting a "
                               "joiner needs the code of the organisation the user joins.")
    organisation = _administered_organisation(draft, snapshot, "accept joiners into it")
    _check_password(draft, draft.best_value("first_name") or account.first_name,
                    draft.best_value("last_name") or account.last_name)
    draft.row_warning("email", JOINER_MESSAGE)
    if organisation is None or draft.has_errors:
        return None
    return _planned(draft, draft.user_fields(email=account.email, ods=organisation.ods, status=None), account,
                    snapshot)


def _plan_update(draft: RowDraft, snapshot: DirectorySnapshot, account: Account) -> PlannedRow | None:
    if not _uploader_administers(draft, snapshot, account, "update this account"):
        return None
    given_ods = draft.values.get("ods")
    if moves_active_user(account, given_ods):
        draft.cell_error("ods", f"{draft.labels['ods']} {given_ods} is not the organisation of {account.email} "
                                f"({account.ods}): an active user cannot be moved. Mark them as a leaver first, then "
                                "accept them as a joiner, or leave the cell blank.")
    organisation = snapshot.organisation(account.ods)
    if organisation is not None:
        _check_unit_and_mailbox(draft, organisation)
    _check_password(draft, draft.best_value("first_name") or account.first_name,
                    draft.best_value("last_name") or account.last_name)
    if draft.has_errors:
        return None
    return _planned(draft, draft.user_fields(email=account.email, ods=account.ods, status=None), account,
                    snapshot)


def _planned(draft: RowDraft, fields: UserFields, account: Account, snapshot: DirectorySnapshot) -> PlannedRow:
    """The row as the change plan has it against the account as validated."""
    plan = plan_change(fields, account, password_given=fields.password is not None,
                       organisations=snapshot.organisations)
    if plan.action is None:  # the findings above refuse every row the change plan refuses
        raise AssertionError(f"line {draft.line}: a refused row passed validation ({plan.refusal})")
    return PlannedRow(line=draft.line, action=plan.action, fields=fields, changes=plan.changes)


def _administered_organisation(draft: RowDraft, snapshot: DirectorySnapshot, doing: str) -> Organisation | None:
    """The row's organisation once it exists and the uploader administers it; then its unit
    and mailbox size are checked against it."""
    ods = draft.values.get("ods")
    if ods is None:
        return None
    try:
        organisation = known_organisation(snapshot, ods, draft.labels["ods"])
        require_administered(snapshot, organisation.ods, doing)
    except InvalidCell as exc:
        draft.cell_error("ods", exc.message)
        return None
    _check_unit_and_mailbox(draft, organisation)
    return organisation


def _check_unit_and_mailbox(draft: RowDraft, organisation: Organisation) -> None:
    if "unit" in draft.values:
        try:
            draft.values["unit"] = unit_of(organisation, draft.values["unit"], draft.labels["unit"])
        except InvalidCell as exc:
            draft.cell_error("unit", exc.message)
    if "mailbox_gb" in draft.values:
        try:
            check_purchased(draft.values["mailbox_gb"], organisation, draft.labels["mailbox_gb"])
        except InvalidCell as exc:
            draft.cell_error("mailbox_gb", exc.message)


def _check_names_make_an_address(draft: RowDraft) -> None:
    """A new user's address is made of their names (docs/csv-format.md#generated-values): a name with nothing left
    once written in Latin letters (some Cyrillic signs alone, rare CJK characters) makes none."""
    for name in ("first_name", "last_name"):
        value = draft.values.get(name)
        if value is not None and not name_in_address(value):
            label = draft.labels[name]
            draft.cell_error(name, f"{label} '{value}' has no letter that can be written in Latin letters, so no "
                                   f"email address can be made from it; give the {label} in Latin letters (as "
                                   "in a passport, for example).")


def _check_password(draft: RowDraft, first_name: str | None, last_name: str | None) -> None:
    if "password" in draft.values:
        try:
            check_password(draft.values["password"], draft.labels["password"], (first_name, last_name))
        except InvalidCell as exc:
            draft.cell_error("password", exc.message)
