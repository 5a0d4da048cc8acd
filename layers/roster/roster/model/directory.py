"""The directory as validation sees it: organisations, who administers them, accounts.

`DirectorySnapshot` is a read-only, in-memory slice of the directory, fetched in a few
batched reads for one upload (never one query per row)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

# A mailbox is 4 GB unless the row asks for more and the organisation has bought more
# (docs/csv-format.md#current-format).
DEFAULT_MAILBOX_GB = 4


class AccountStatus(str, Enum):
    """An account is active or a leaver (its address is kept)."""
    ACTIVE = "active"
    LEAVER = "leaver"


class Organisation(BaseModel):
    """An organisation of the directory, by ODS code."""
    model_config = ConfigDict(frozen=True)

    ods: str  # upper case
    name: str
    domain: str  # mail domain, e.g. "nhs.net"
    mailbox_max_gb: int = DEFAULT_MAILBOX_GB  # largest mailbox purchased (4 = no top-up)
    units: tuple[str, ...] = ()


class Account(BaseModel):
    """A user's account as the directory stores it (never its password hash)."""
    model_config = ConfigDict(frozen=True)

    email: str  # lower case
    first_name: str
    last_name: str
    ods: str
    status: AccountStatus = AccountStatus.ACTIVE
    title: str | None = None
    display_name: str | None = None
    job_title: str | None = None
    unit: str | None = None
    business_phone: str | None = None
    mobile_phone: str | None = None
    mailbox_gb: int = DEFAULT_MAILBOX_GB
    created_at: str | None = None  # ISO 8601
    leaver_at: str | None = None
    joined_at: str | None = None


def name_key(ods: str, first_name: str, last_name: str) -> tuple[str, str, str]:
    """How two people's names are compared: organisation, then case-folded first and last name."""
    return (ods.upper(), first_name.casefold().strip(), last_name.casefold().strip())


@dataclass(frozen=True)
class DirectorySnapshot:
    """What one upload needs to know: the organisations it names, the uploader's
    organisations, the accounts it names by address, and the active accounts of
    its organisations by name (for the possible-duplicate warning)."""

    organisations: dict[str, Organisation] = field(default_factory=dict)  # by ODS code
    administered: frozenset[str] = frozenset()  # ODS codes the uploader administers
    accounts: dict[str, Account] = field(default_factory=dict)  # by lower-case email
    active_by_name: dict[tuple[str, str, str], tuple[str, ...]] = field(default_factory=dict)

    def organisation(self, ods: str) -> Organisation | None:
        """The organisation with this ODS code, if the upload named it."""
        return self.organisations.get(ods.upper())

    def account(self, email: str) -> Account | None:
        """The account with this address, if the upload named it."""
        return self.accounts.get(email.lower())

    def active_accounts_named(self, ods: str, first_name: str, last_name: str) -> tuple[str, ...]:
        """Addresses of active accounts in `ods` with this first and last name."""
        return self.active_by_name.get(name_key(ods, first_name, last_name), ())


class IdentityRecord(BaseModel):
    """A user an upload created, kept to recognise the same person uploaded again
    (docs/csv-format.md#safe-to-repeat)."""

    # upload_id is stored as job_id (roster.model.uploads.Upload).
    model_config = ConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)

    identity: str  # model.person_key.identity_key of the row
    email: str
    upload_id: str = Field(alias="job_id")
    created_at: str  # ISO 8601
    expires_at: int  # epoch seconds; the record is kept at least this long
