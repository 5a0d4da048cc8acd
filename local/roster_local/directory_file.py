"""The directory file of a local run (local-run.md): organisations, admins, existing accounts."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from roster.adapters.directory_store import DirectoryStore
from roster.model.directory import Account, AccountStatus, Organisation


class DirectoryFileError(Exception):
    """The directory file does not match local-run.md's shape; the message names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrganisationEntry(_Strict):
    ods: str = Field(pattern=r"^[A-Za-z0-9]{3,10}$")
    name: str = Field(min_length=1)
    domain: str = Field(pattern=r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
    mailbox_max_gb: int = Field(default=4, ge=4)
    units: list[str] = Field(default_factory=list)


class AdminEntry(_Strict):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    orgs: list[str]


class AccountEntry(_Strict):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    ods: str
    status: AccountStatus = AccountStatus.ACTIVE
    title: str | None = None
    display_name: str | None = None
    job_title: str | None = None
    unit: str | None = None
    business_phone: str | None = None
    mobile_phone: str | None = None
    mailbox_gb: int = Field(default=4, ge=1)
    created_at: str | None = None

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


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
    known = {o.ods.upper() for o in directory.organisations}
    for i, admin in enumerate(directory.admins):
        for ods in admin.orgs:
            if ods.upper() not in known:
                raise DirectoryFileError(f"{path}: field 'admins.{i}.orgs': organisation {ods} is not in "
                                         "'organisations'")
    for i, account in enumerate(directory.accounts):
        if account.ods.upper() not in known:
            raise DirectoryFileError(f"{path}: field 'accounts.{i}.ods': organisation {account.ods} is not in "
                                     "'organisations'")
    return directory


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
