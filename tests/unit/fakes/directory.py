"""The Directory table in memory: the Directory port (roster.ports), as
adapters.directory_store.DirectoryStore answers it, with the loaders of what predates Roster."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from roster.accounts.addresses import address_base_of, suffix_of
from roster.model.directory import (
    Account,
    AccountStatus,
    DirectorySnapshot,
    IdentityRecord,
    Organisation,
    name_key,
)


@dataclass
class FakeDirectory:
    """Directory: organisations, administrators, accounts, reservations and identities."""

    organisations_by_ods: dict[str, Organisation] = field(default_factory=dict)
    admins: dict[str, frozenset[str]] = field(default_factory=dict)  # lower-case address -> ODS codes
    subs: dict[str, str] = field(default_factory=dict)  # Cognito sub -> the administrator it is bound to
    accounts_by_email: dict[str, Account] = field(default_factory=dict)
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)  # password hash and flags, by email
    reservations: dict[str, str] = field(default_factory=dict)  # address -> its base
    identity_records: dict[str, IdentityRecord] = field(default_factory=dict)
    reads: dict[str, int] = field(default_factory=dict)  # calls of the address reads, by method
    organisation_reads: list[set[str]] = field(default_factory=list)  # the codes of each organisations() call
    snapshots: list[tuple[str, set[str], set[str]]] = field(default_factory=list)  # each snapshot() call's arguments

    # -- loaders (DirectoryStore.put_organisation, put_admin, put_existing_account) -----------
    def add_organisation(self, organisation: Organisation) -> None:
        self.organisations_by_ods[organisation.ods] = organisation

    def add_admin(self, email: str, orgs: set[str] | list[str]) -> None:
        self.admins[email.lower()] = frozenset(o.upper() for o in orgs)

    def add_account(self, account: Account) -> None:
        """An account that predates Roster, with its address reserved."""
        self.accounts_by_email[account.email] = account
        self.reservations[account.email] = address_base_of(account.email)

    # -- DirectoryReader ---------------------------------------------------------------------------
    def snapshot(self, admin_email: str, ods_codes: set[str], emails: set[str]) -> DirectorySnapshot:
        self.snapshots.append((admin_email, ods_codes, emails))
        accounts = self.accounts(emails)
        wanted = {o.upper() for o in ods_codes if o} | {a.ods for a in accounts.values()}
        organisations = self._organisations(wanted)
        active_by_name: dict[tuple[str, str, str], tuple[str, ...]] = {}
        for account in sorted(self.accounts_by_email.values(), key=lambda a: a.email):
            if account.ods in organisations and account.status is AccountStatus.ACTIVE:
                key = name_key(account.ods, account.first_name, account.last_name)
                active_by_name[key] = (*active_by_name.get(key, ()), account.email)
        return DirectorySnapshot(organisations=organisations, administered=self.administered(admin_email),
                                 accounts=accounts, active_by_name=active_by_name)

    def identities(self, keys: set[str]) -> dict[str, IdentityRecord]:
        return {k: self.identity_records[k] for k in keys if k in self.identity_records}

    # -- Directory ---------------------------------------------------------------------------------
    def organisations(self, ods_codes: set[str]) -> dict[str, Organisation]:
        self.organisation_reads.append(set(ods_codes))
        return self._organisations(ods_codes)

    def _organisations(self, ods_codes: set[str]) -> dict[str, Organisation]:
        found = (self.organisations_by_ods.get(o.upper()) for o in ods_codes if o)
        return {o.ods: o for o in found if o is not None}

    def accounts(self, emails: set[str]) -> dict[str, Account]:
        return {e.lower(): self.accounts_by_email[e.lower()] for e in emails if e.lower() in self.accounts_by_email}

    def account(self, email: str) -> Account | None:
        return self.accounts_by_email.get(email.lower())

    def password_hash(self, email: str) -> str | None:
        stored = self.credentials.get(email.lower(), {}).get("password_hash")
        return str(stored) if stored else None

    def identity(self, key: str) -> IdentityRecord | None:
        return self.identity_records.get(key)

    def reserved_addresses(self, addresses: set[str]) -> set[str]:
        self.reads["reserved_addresses"] = self.reads.get("reserved_addresses", 0) + 1
        return {a.lower() for a in addresses if a.lower() in self.reservations}

    def taken_suffixes(self, base: str) -> set[int]:
        self.reads["taken_suffixes"] = self.reads.get("taken_suffixes", 0) + 1
        suffixes = {suffix_of(address, base) for address, of in self.reservations.items() if of == base}
        return {s for s in suffixes if s is not None}

    def active_account_counts(self, ods_codes: set[str]) -> dict[str, int]:
        wanted = {o.upper() for o in ods_codes if o}
        active = [a.ods for a in self.accounts_by_email.values() if a.status is AccountStatus.ACTIVE]
        return {ods: active.count(ods) for ods in wanted}

    def bind_sub(self, sub: str, email: str) -> None:
        """What `roster directory load` does: bind a Cognito user (by its sub) to an administrator."""
        self.subs[sub] = email.lower()

    def administrator_email(self, sub: str) -> str | None:
        return self.subs.get(sub)

    def bound_sub(self, email: str) -> str | None:
        return next((sub for sub, bound in self.subs.items() if bound == email.lower()), None)

    def administered(self, admin_email: str) -> frozenset[str]:
        return self.admins.get(admin_email.lower(), frozenset())

    def accounts_in(self, ods: str) -> Iterator[Account]:
        return iter(sorted((a for a in self.accounts_by_email.values() if a.ods == ods.upper()),
                           key=lambda a: a.email))

    def administrators(self, ods_codes: set[str]) -> dict[str, frozenset[str]]:
        return {ods: frozenset(email for email, orgs in self.admins.items() if ods in orgs)
                for ods in {o.upper() for o in ods_codes if o}}
