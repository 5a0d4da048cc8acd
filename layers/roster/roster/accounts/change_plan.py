"""What a row does to an account (docs/csv-format.md#what-a-row-does), field by field.

The one statement of the section 4 table, used by validation (the plan an administrator
sees) and by the create phase (which applies it, re-checked against the account as it is
then: docs/approval-and-plan.md#the-plan). Validation adds the rules that need the uploader's rights
and the organisation's settings; the create phase adds the writing. Neither decides again
what a row does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from roster.contract.columns import COLUMN_OF_FIELD
from roster.model.directory import DEFAULT_MAILBOX_GB, Account, AccountStatus, IdentityRecord, Organisation
from roster.model.rows import FieldChange, RowAction, UserFields
from roster.rules.lengths import MAX_DISPLAY_NAME
from roster.rules.status import LEAVER

# The account fields an update or joiner row may set, in the current format's column order.
UPDATABLE_FIELDS: tuple[str, ...] = ("title", "first_name", "last_name", "display_name", "job_title", "unit",
                                     "business_phone", "mobile_phone", "mailbox_gb")
UPDATABLE_COLUMNS: dict[str, str] = {name: COLUMN_OF_FIELD[name] for name in UPDATABLE_FIELDS}
PASSWORD_COLUMN = COLUMN_OF_FIELD["password"]

_ACTION_NAMES = {RowAction.CREATE: "a new user", RowAction.UPDATE: "an update", RowAction.LEAVER: "a leaver",
                 RowAction.JOINER: "a joiner", RowAction.UNCHANGED: "unchanged"}


class Refusal(str, Enum):
    """Why a row does nothing at all (the row fails, or does not validate)."""

    NEW_USER_LEAVER = "new-user-leaver"  # a blank Email Address with Status leaver
    NO_ACCOUNT = "no-account"  # the Email Address names no account
    MOVES_ACTIVE_USER = "moves-active-user"  # an update names another organisation than the account's
    PLAN_NO_LONGER_HOLDS = "plan-no-longer-holds"  # the account changed between validation and create


@dataclass(frozen=True)
class ChangePlan:
    """What one row does: its action, or why it is refused; for updates and joiners, every
    field that changes (the lines of plan.csv, docs/approval-and-plan.md#the-plan)."""

    action: RowAction | None  # None when refused
    refusal: Refusal | None = None
    changes: tuple[FieldChange, ...] = ()
    password_changed: bool = False  # a supplied password replaces the account's
    reason: str = ""  # for PLAN_NO_LONGER_HOLDS: what changed, and what to do
    notes: tuple[str, ...] = ()  # changes the row did not ask for, said in its Message

    @property
    def changed_columns(self) -> list[str]:
        """The columns the row changes, as messages name them (the Password last)."""
        columns = [change.column for change in self.changes if change.field in UPDATABLE_COLUMNS]
        return columns + ([PASSWORD_COLUMN] if self.password_changed else [])


def row_kind(*, new_user: bool, leaving: bool, account: Account | None) -> RowAction | Refusal:
    """The section 4 table's first three columns: CREATE, LEAVER, JOINER or UPDATE (which may
    turn out UNCHANGED once the fields are compared), or why the row cannot be done."""
    if new_user:
        return Refusal.NEW_USER_LEAVER if leaving else RowAction.CREATE
    if account is None:
        return Refusal.NO_ACCOUNT
    if leaving:
        return RowAction.LEAVER
    return RowAction.JOINER if account.status is AccountStatus.LEAVER else RowAction.UPDATE


def plan_change(fields: UserFields, account: Account, *, password_given: bool,
                organisations: Mapping[str, Organisation] | None = None) -> ChangePlan:
    """What a row naming an existing account does to it as it is now (docs/csv-format.md#what-a-row-does).
    `organisations` (by ODS code) holds at least a joiner's old and new organisation."""
    kind = row_kind(new_user=False, leaving=fields.status == LEAVER, account=account)
    if kind is RowAction.LEAVER:
        return ChangePlan(RowAction.UNCHANGED if account.status is AccountStatus.LEAVER else RowAction.LEAVER)
    if kind is RowAction.JOINER:
        changes, notes = _joiner_changes(fields, account, organisations or {})
        return ChangePlan(RowAction.JOINER, changes=changes, password_changed=password_given, notes=notes)
    if moves_active_user(account, fields.ods):
        return ChangePlan(None, Refusal.MOVES_ACTIVE_USER)
    changes = default_display_name_follows(fields, account, field_changes(fields, account), organisations or {})
    if not changes and not password_given:
        return ChangePlan(RowAction.UNCHANGED)
    return ChangePlan(RowAction.UPDATE, changes=changes, password_changed=password_given)


def moves_active_user(account: Account, ods: str | None) -> bool:
    """Whether a row would move an active account to another organisation: not allowed,
    the account must be marked as a leaver first (docs/csv-format.md#what-a-row-does)."""
    return ods is not None and ods.upper() != account.ods


def field_changes(fields: UserFields, account: Account) -> tuple[FieldChange, ...]:
    """The row's non-blank updatable cells that differ from the account; blank cells leave
    the account's values as they are."""
    changes = []
    for name in UPDATABLE_FIELDS:
        new, old = getattr(fields, name), getattr(account, name)
        if new is not None and new != old:
            changes.append(FieldChange(name, UPDATABLE_COLUMNS[name], old, new))
    return tuple(changes)


def default_display_name_follows(fields: UserFields, account: Account, changes: tuple[FieldChange, ...],
                                 organisations: Mapping[str, Organisation]) -> tuple[FieldChange, ...]:
    """An update that renames an account whose display name is the default (or none) keeps it the
    default: it becomes the new names' default, unless the row gives a display name of its own. The
    organisation report leaves a default display name blank, and a cell still holding the old default
    (an older report) counts as blank (docs/csv-format.md#what-a-row-does)."""
    organisation = organisations.get(account.ods)
    renamed = any(change.field in ("first_name", "last_name") for change in changes)
    if organisation is None or not renamed:
        return changes
    old_default = default_display_name(account.first_name, account.last_name, organisation)
    if account.display_name not in (None, old_default) or fields.display_name not in (None, old_default):
        return changes
    new = default_display_name(fields.first_name or account.first_name, fields.last_name or account.last_name,
                               organisation)
    kept = tuple(change for change in changes if change.field != "display_name")
    if new == account.display_name:
        return kept
    order = list(UPDATABLE_FIELDS)
    followed = FieldChange("display_name", UPDATABLE_COLUMNS["display_name"], account.display_name, new)
    return tuple(sorted((*kept, followed), key=lambda change: order.index(change.field)))


def _joiner_changes(fields: UserFields, account: Account,
                    organisations: Mapping[str, Organisation]) -> tuple[tuple[FieldChange, ...], tuple[str, ...]]:
    """A joiner moves to the row's organisation, becomes active and takes the row's non-blank
    cells; its old unit belonged to the old organisation, so a blank unit removes it, and
    neither a mailbox the new organisation has not bought nor a display name naming the old
    one is kept (the notes say so)."""
    target = joined_organisation(fields, account)
    extra = [FieldChange("status", COLUMN_OF_FIELD["status"], account.status.value, AccountStatus.ACTIVE.value)]
    if target != account.ods:
        extra.append(FieldChange("ods", COLUMN_OF_FIELD["ods"], account.ods, target))
    if fields.unit is None and account.unit is not None:
        extra.append(FieldChange("unit", COLUMN_OF_FIELD["unit"], account.unit, None))
    notes: list[str] = []
    joining = organisations.get(target)
    if joining is not None:
        extra += _old_organisations_values(fields, account, joining, organisations.get(account.ods), notes)
    order = list(COLUMN_OF_FIELD)
    changes = sorted((*field_changes(fields, account), *extra), key=lambda change: order.index(change.field))
    return tuple(changes), tuple(notes)


def _old_organisations_values(fields: UserFields, account: Account, joining: Organisation,
                              leaving: Organisation | None, notes: list[str]) -> list[FieldChange]:
    """The values a joiner's blank cells would keep although they belong to the organisation it left."""
    changes = []
    allowed = max(DEFAULT_MAILBOX_GB, joining.mailbox_max_gb)
    if fields.mailbox_gb is None and account.mailbox_gb > allowed:
        changes.append(FieldChange("mailbox_gb", UPDATABLE_COLUMNS["mailbox_gb"], account.mailbox_gb, allowed))
        notes.append(f"Mailbox Size reduced from {account.mailbox_gb} GB to {allowed} GB, the most that organisation "
                     f"{joining.ods} has purchased.")
    old_default = leaving is not None and account.display_name == default_display_name(
        account.first_name, account.last_name, leaving)
    # A cell holding the old default (an older organisation report) counts as blank.
    if fields.display_name in (None, account.display_name) and old_default:
        new = default_display_name(fields.first_name or account.first_name, fields.last_name or account.last_name,
                                   joining)
        if new != account.display_name:
            changes.append(FieldChange("display_name", UPDATABLE_COLUMNS["display_name"], account.display_name, new))
            notes.append(f"Display Name set to '{new}', the default for the new organisation.")
    return changes


def joined_organisation(fields: UserFields, account: Account) -> str:
    """The organisation a joiner row moves its account to."""
    return (fields.ods or account.ods).upper()


def recheck(planned: RowAction, fields: UserFields, account: Account, *, password_given: bool,
            organisations: Mapping[str, Organisation] | None = None) -> ChangePlan:
    """What a row planned at validation does to the account as it is when applied
    (docs/approval-and-plan.md#the-plan): the planned action, or UNCHANGED when its effect is already in
    place, or refused saying what changed. Never a different action instead."""
    now = plan_change(fields, account, password_given=password_given, organisations=organisations)
    if not _leaver_moved_since(fields, account) and now.action in (planned, RowAction.UNCHANGED):
        return now
    return ChangePlan(None, Refusal.PLAN_NO_LONGER_HOLDS, reason=_no_longer_holds(planned, fields, account, now))


def _leaver_moved_since(fields: UserFields, account: Account) -> bool:
    """Whether a leaver row's account is active in another organisation than when validated
    (validation wrote the account's organisation of the time into the row)."""
    return fields.status == LEAVER and account.status is AccountStatus.ACTIVE and moves_active_user(account, fields.ods)


def _no_longer_holds(planned: RowAction, fields: UserFields, account: Account, now: ChangePlan) -> str:
    """'Planned as X when validated, but <what changed>; <what to do>.'"""
    email, leaving, row_ods = account.email, fields.status == LEAVER, (fields.ods or "").upper()
    what = "unchanged (already a leaver)" if planned is RowAction.UNCHANGED and leaving else _ACTION_NAMES[planned]
    if account.status is AccountStatus.LEAVER:
        happened = f"{email} is now a leaver"
    elif planned is RowAction.JOINER:
        happened = f"{email} is already active in organisation {account.ods}"
    elif moves_active_user(account, fields.ods):
        happened = f"{email} is now active in organisation {account.ods}, not {row_ods}"
    elif leaving:
        happened = f"{email} is active again, in organisation {account.ods}"
    else:
        columns = now.changed_columns
        verb = "differs" if len(columns) == 1 else "differ"
        happened = f"{email} has changed since: its {', '.join(columns)} {verb} from the row"
    return f"Planned as {what} when validated, but {happened}; {_what_to_do(planned, fields, account, now)}."


def _what_to_do(planned: RowAction, fields: UserFields, account: Account, now: ChangePlan) -> str:
    if now.refusal is Refusal.MOVES_ACTIVE_USER and planned is RowAction.JOINER:
        return "mark them as a leaver first, then upload the row again to accept them as a joiner"
    if now.refusal is Refusal.MOVES_ACTIVE_USER:
        return (f"an active user cannot be moved: mark them as a leaver first, or upload the row again to update "
                f"them in {account.ods}")
    if now.action is RowAction.JOINER:
        return "upload the row again to accept them as a joiner"
    if fields.status == LEAVER:
        return "upload the row again to mark them as a leaver"
    return "upload the row again to update them"


def already_created_message(record: IdentityRecord) -> str:
    """What a new-user row says when an earlier upload created that user (docs/csv-format.md#safe-to-repeat)."""
    return f"Already created as {record.email} by upload {record.upload_id} on {record.created_at[:10]}"


def default_display_name(first: str, last: str, organisation: Organisation) -> str:
    """`LAST, First (Organisation Name)`; without the organisation when that would be too long."""
    display = f"{last.upper()}, {first} ({organisation.name})"
    return display if len(display) <= MAX_DISPLAY_NAME else f"{last.upper()}, {first}"


def new_user_mailbox_gb(mailbox_gb: int | None) -> int:
    """A new user's mailbox: the row's size, or 4 GB when the cell is blank."""
    return mailbox_gb or DEFAULT_MAILBOX_GB


def new_account(fields: UserFields, email: str, organisation: Organisation, created_at: str) -> Account:
    """The account a CREATE row makes at the address it was given."""
    return Account(
        email=email, first_name=fields.first_name or "", last_name=fields.last_name or "",
        ods=organisation.ods, title=fields.title, display_name=fields.display_name,
        job_title=fields.job_title, unit=fields.unit, business_phone=fields.business_phone,
        mobile_phone=fields.mobile_phone, mailbox_gb=new_user_mailbox_gb(fields.mailbox_gb), created_at=created_at,
    )
