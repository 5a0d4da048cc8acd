"""The account state a plan was made against (docs/approval-and-plan.md#applying-what-was-planned-the-plan-is-binding).

The first validation of an upload that passes records the accounts its rows name, as they
were (`batches/<upload id>/basis.json`). Applying it later (`roster apply`, the last approval)
validates the file again, so that a file that became invalid (its uploader no longer
administers the organisation, say) is still caught, but plans each row against those recorded
accounts: the plan applied is the plan reviewed. Each batch row carries its account as planned,
and the create phase fails a row whose account has since changed so that its action no longer
holds, saying what changed it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from roster.model.directory import Account, DirectorySnapshot, IdentityRecord
from roster.ports import DirectoryReader, UploadFiles


def basis_key(upload_id: str) -> str:
    """Where an upload's planned-against accounts are kept (the bucket's batches/ prefix, which the API cannot read)."""
    return f"batches/{upload_id}/basis.json"


def save_basis(files: UploadFiles, upload_id: str, accounts: Mapping[str, Account]) -> str:
    """Record the accounts as planned against; returns the key."""
    key = basis_key(upload_id)
    files.put_json(key, {email: account.model_dump(mode="json") for email, account in accounts.items()})
    return key


def load_basis(files: UploadFiles, key: str) -> dict[str, Account]:
    """The accounts an upload was planned against, by lower-case address."""
    return {email: Account.model_validate(stored) for email, stored in files.get_json(key).items()}


class PlannedAgainst:
    """The directory as validation reads it (DirectoryReader), with the accounts of `basis` as they
    were when the upload was first planned; `planned` holds the accounts the last snapshot gave."""

    def __init__(self, directory: DirectoryReader, basis: Mapping[str, Account] | None = None) -> None:
        self.directory = directory
        self.basis = dict(basis or {})
        self.planned: dict[str, Account] = {}

    def snapshot(self, admin_email: str, ods_codes: set[str], emails: set[str]) -> DirectorySnapshot:
        """The snapshot now, but each account of the basis that still exists as it was planned against
        (with its organisation of then). An account that no longer exists at all is missing, as now."""
        named = [self.basis[email.lower()] for email in emails if email.lower() in self.basis]
        snapshot = self.directory.snapshot(admin_email, ods_codes | {a.ods for a in named}, emails)
        kept = {a.email: a for a in named if a.email in snapshot.accounts}
        accounts = {**snapshot.accounts, **kept}
        self.planned = accounts
        return replace(snapshot, accounts=accounts)

    def identities(self, keys: set[str]) -> dict[str, IdentityRecord]:
        return self.directory.identities(keys)
