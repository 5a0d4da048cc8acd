"""What validating one SCIM row reads (docs/scim.md#what-roster-does): the row's organisation and
account, with what the request has read already. A file's snapshot also reads every active
account of the organisation, for the possible-duplicate warning; a SCIM request has nowhere to
show a warning (and a warning never blocks a row), so it skips that read, which would make every
request cost as much as the organisation is large."""

from __future__ import annotations

from dataclasses import dataclass, field

from roster.model.directory import Account, DirectorySnapshot, IdentityRecord
from roster.ports import Directory


@dataclass
class ScimDirectoryView:
    """A DirectoryReader for roster.validate over one SCIM request."""

    directory: Directory
    administered: frozenset[str]  # what the token's issuer administers, read when the token was checked
    known_accounts: dict[str, Account] = field(default_factory=dict)  # read by this request already

    def snapshot(self, admin_email: str, ods_codes: set[str], emails: set[str]) -> DirectorySnapshot:
        accounts = {email: self.known_accounts[email] for email in emails if email in self.known_accounts}
        missing = {email for email in emails if email not in accounts}
        if missing:
            accounts.update(self.directory.accounts(missing))
        wanted = {ods.upper() for ods in ods_codes if ods} | {account.ods for account in accounts.values()}
        return DirectorySnapshot(organisations=self.directory.organisations(wanted), administered=self.administered,
                                 accounts=accounts)

    def identities(self, keys: set[str]) -> dict[str, IdentityRecord]:
        return self.directory.identities(keys)
