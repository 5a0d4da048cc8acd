"""The directory file of a local run (docs/local-run.md): organisations, admins, existing accounts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from roster.adapters.directory_store import DirectoryStore
from roster.model.directory import DEFAULT_MAILBOX_GB, Account, AccountStatus, Organisation
from roster.rules import InvalidCell
from roster.rules.phones import business_phone, mobile_phone

# A name must hold something other than white space.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class DirectoryFileError(Exception):
    """The directory file does not match the shape of docs/local-run.md#directory-file; the message names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrganisationEntry(_Strict):
    ods: str = Field(pattern=r"^[A-Za-z0-9]{3,10}$")
    name: Name
    domain: str = Field(pattern=r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
    mailbox_max_gb: int = Field(default=DEFAULT_MAILBOX_GB, ge=DEFAULT_MAILBOX_GB)
    units: list[str] = Field(default_factory=list)


class AdminEntry(_Strict):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    orgs: list[str]


class AccountEntry(_Strict):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    first_name: Name
    last_name: Name
    ods: str
    status: AccountStatus = AccountStatus.ACTIVE
    title: str | None = None
    display_name: str | None = None
    job_title: str | None = None
    unit: str | None = None
    business_phone: str | None = None
    mobile_phone: str | None = None
    mailbox_gb: int = Field(default=DEFAULT_MAILBOX_GB, ge=1)
    created_at: str | None = None

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("business_phone")
    @classmethod
    def _business_phone(cls, value: str | None) -> str | None:
        return _phone(value, business_phone, "a UK phone number")

    @field_validator("mobile_phone")
    @classmethod
    def _mobile_phone(cls, value: str | None) -> str | None:
        return _phone(value, mobile_phone, "a UK mobile number")


def _phone(value: str | None, rule: Callable[[str, str], str], what: str) -> str | None:
    """The number in E.164, or a ValueError pydantic reports against the field."""
    if value is None or not value.strip():
        return None
    try:
        return rule(value.strip(), "the number")
    except InvalidCell as exc:
        raise ValueError(f"'{value}' is not {what}") from exc


class DirectoryFile(_Strict):
    organisations: list[OrganisationEntry]
    admins: list[AdminEntry] = Field(default_factory=list)
    accounts: list[AccountEntry] = Field(default_factory=list)


def load_directory_file(path: Path) -> DirectoryFile:
    """Read and check a directory file; a bad one raises DirectoryFileError naming the field."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DirectoryFileError(f"cannot read directory file {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise DirectoryFileError(f"{path} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    try:
        directory = DirectoryFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DirectoryFileError(f"{path}: field '{where}': {first['msg']}") from exc
    problems = _cross_checks(directory)
    if problems:
        raise DirectoryFileError("\n".join(f"{path}: {problem}" for problem in problems))
    return directory


def _cross_checks(directory: DirectoryFile) -> list[str]:
    """What the file says twice or refers to wrongly, each naming the field and both places."""
    problems: list[str] = []
    organisations: dict[str, int] = {}
    for i, org in enumerate(directory.organisations):
        key = org.ods.upper()
        if key in organisations:
            first = directory.organisations[organisations[key]]
            problems.append(f"field 'organisations.{i}.ods': organisation {org.ods} (domain {org.domain}) is "
                            f"also 'organisations.{organisations[key]}' (domain {first.domain}); "
                            "give each organisation once")
        organisations.setdefault(key, i)
    admins: dict[str, int] = {}
    for i, admin in enumerate(directory.admins):
        key = admin.email.lower()
        if key in admins:
            problems.append(f"field 'admins.{i}.email': {admin.email} is also 'admins.{admins[key]}.email'; "
                            "give each administrator once, with all their organisations")
        admins.setdefault(key, i)
        for ods in admin.orgs:
            if ods.upper() not in organisations:
                problems.append(f"field 'admins.{i}.orgs': organisation {ods} is not in 'organisations'")
    accounts: dict[str, int] = {}
    for i, account in enumerate(directory.accounts):
        if account.email in accounts:
            problems.append(f"field 'accounts.{i}.email': {account.email} is also 'accounts.{accounts[account.email]}"
                            ".email' (addresses are compared without regard to case); give each account once")
        accounts.setdefault(account.email, i)
        org_index = organisations.get(account.ods.upper())
        if org_index is None:
            problems.append(f"field 'accounts.{i}.ods': organisation {account.ods} is not in 'organisations'")
            continue
        units = directory.organisations[org_index].units
        if account.unit is not None and account.unit not in units:
            problems.append(f"field 'accounts.{i}.unit': '{account.unit}' is not a unit of {account.ods.upper()} "
                            f"('organisations.{org_index}.units': {', '.join(units) or 'none'})")
    return problems


def load_into(store: DirectoryStore, directory: DirectoryFile, now: str) -> None:
    """Write the directory file's contents into the Directory table."""
    for org in directory.organisations:
        store.put_organisation(Organisation(ods=org.ods.upper(), name=org.name, domain=org.domain.lower(),
                                            mailbox_max_gb=org.mailbox_max_gb, units=tuple(org.units)))
    for admin in directory.admins:
        store.put_admin(admin.email, admin.orgs)
    for entry in directory.accounts:
        values = entry.model_dump()
        values["ods"] = entry.ods.upper()
        values["created_at"] = entry.created_at or now
        store.put_existing_account(Account.model_validate(values))
