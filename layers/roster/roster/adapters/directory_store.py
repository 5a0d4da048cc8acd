"""The directory in DynamoDB: organisations, administrators, accounts, address reservations
and the identities of users created by earlier uploads (the Directory table).

Item keys (pk, sk):
  ORG#<ods>, ORG                 an organisation; gsi1 = (ORGS, ORG#<ods>)
  ADMIN#<email>, ADMIN           the organisations an administrator administers
  ORG#<ods>, ADMIN#<email>       one administrator of an organisation (who may approve:
                                 docs/approval-and-plan.md#approval)
  SUB#<sub>, SUB                 the administrator a Cognito user is (its immutable sub), bound by directory load
  ADMIN#<email>, SUB             ... and the other way: the sub bound to an administrator (docs/security.md)
  ACCOUNT#<email>, ACCOUNT       an account; gsi1 = (ORG#<ods>, ACCOUNT#<email>)
  ADDRESS#<email>, ADDRESS       an address reservation; gsi1 = (BASE#<first.last@domain>, ADDRESS#<email>)
  IDENTITY#<key>, IDENTITY       a user created by an upload (docs/csv-format.md#safe-to-repeat), TTL expires_at
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from roster.accounts.addresses import address_base_of, suffix_of
from roster.adapters.dynamodb import batch_get, from_item, query_all, query_items, to_item
from roster.model.changes import LAST_CHANGE
from roster.model.directory import (
    Account,
    AccountStatus,
    DirectorySnapshot,
    IdentityRecord,
    Organisation,
    name_key,
)

ACCOUNT_FIELDS = tuple(Account.model_fields)


def org_key(ods: str) -> dict[str, str]:
    """The key of an organisation's item."""
    return {"pk": f"ORG#{ods.upper()}", "sk": "ORG"}


def admin_key(email: str) -> dict[str, str]:
    """The key of an administrator's item (the organisations they administer)."""
    return {"pk": f"ADMIN#{email.lower()}", "sk": "ADMIN"}


def membership_key(ods: str, email: str) -> dict[str, str]:
    """The key of the item that lists an administrator under one organisation."""
    return {"pk": f"ORG#{ods.upper()}", "sk": f"ADMIN#{email.lower()}"}


def sub_key(sub: str) -> dict[str, str]:
    """The key of the item that binds a Cognito user (by its sub) to an administrator."""
    return {"pk": f"SUB#{sub}", "sk": "SUB"}


def bound_sub_key(email: str) -> dict[str, str]:
    """The key of the item that names the Cognito user bound to an administrator."""
    return {"pk": f"ADMIN#{email.lower()}", "sk": "SUB"}


def account_key(email: str) -> dict[str, str]:
    """The key of an account's item."""
    return {"pk": f"ACCOUNT#{email.lower()}", "sk": "ACCOUNT"}


def address_key(email: str) -> dict[str, str]:
    """The key of an address reservation."""
    return {"pk": f"ADDRESS#{email.lower()}", "sk": "ADDRESS"}


def identity_record_key(identity: str) -> dict[str, str]:
    """The key of an identity record (docs/csv-format.md#safe-to-repeat)."""
    return {"pk": f"IDENTITY#{identity}", "sk": "IDENTITY"}


def account_item(account: Account, **extra: Any) -> dict[str, Any]:
    """The account's item: its fields plus keys and the by-organisation index."""
    return {
        **account_key(account.email),
        **organisation_index(account.ods),
        "gsi1sk": f"ACCOUNT#{account.email}",
        **account.model_dump(mode="json"),
        **extra,
    }


def identity_item(record: IdentityRecord) -> dict[str, Any]:
    """An identity record's item; DynamoDB's TTL deletes it after `expires_at`."""
    return {**identity_record_key(record.identity), **record.model_dump(mode="json")}


def organisation_index(ods: str) -> dict[str, str]:
    """The attribute that files an account under its organisation (gsi1)."""
    return {"gsi1pk": f"ORG#{ods}"}


def reservation_item(email: str, base: str, **extra: Any) -> dict[str, Any]:
    """An address reservation, findable by its base (first.last@domain) to pick the next suffix."""
    return {**address_key(email), "gsi1pk": f"BASE#{base}", "gsi1sk": f"ADDRESS#{email}", "email": email, **extra}


def account_from_item(item: dict[str, Any]) -> Account:
    """An account from its item (keys and stored credentials left out)."""
    return Account.model_validate({k: v for k, v in item.items() if k in ACCOUNT_FIELDS})


class DirectoryStore:
    """Reads of the Directory table (the Directory port) and the writes that load a directory.
    Batched: a few calls per upload, not per row."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.dynamodb = dynamodb
        self.table = table

    # -- reads -------------------------------------------------------------------------
    def organisations(self, ods_codes: set[str]) -> dict[str, Organisation]:
        """The organisations among these ODS codes that exist."""
        items = batch_get(self.dynamodb, self.table, [org_key(o) for o in ods_codes if o])
        return {i["ods"]: Organisation.model_validate({k: v for k, v in i.items() if k in Organisation.model_fields})
                for i in items}

    def administered(self, admin_email: str) -> frozenset[str]:
        """ODS codes the administrator administers (empty when they administer nothing)."""
        response = self.dynamodb.get_item(TableName=self.table, Key=to_item(admin_key(admin_email)))
        item = from_item(response.get("Item", {}))
        return frozenset(o.upper() for o in item.get("orgs", []))

    def administrator_email(self, sub: str) -> str | None:
        """The administrator a Cognito user is, by the user's sub; None when no directory load bound it."""
        response = self.dynamodb.get_item(TableName=self.table, Key=to_item(sub_key(sub)))
        email = from_item(response.get("Item", {})).get("email")
        return str(email) if email else None

    def bound_sub(self, email: str) -> str | None:
        """The sub of the Cognito user bound to this administrator, read consistently; None when unbound."""
        response = self.dynamodb.get_item(TableName=self.table, Key=to_item(bound_sub_key(email)), ConsistentRead=True)
        sub = from_item(response.get("Item", {})).get("sub")
        return str(sub) if sub else None

    def accounts(self, emails: set[str]) -> dict[str, Account]:
        """Accounts among these addresses that exist, by lower-case address."""
        items = batch_get(self.dynamodb, self.table, [account_key(e) for e in emails if e])
        return {i["email"]: account_from_item(i) for i in items}

    def last_changes(self, emails: set[str]) -> dict[str, str]:
        """The stamp of the last recorded change of each of these accounts that has one (by address)."""
        items = batch_get(self.dynamodb, self.table, [account_key(e) for e in emails if e],
                          projection=("email", LAST_CHANGE))
        return {str(i["email"]): str(i[LAST_CHANGE]) for i in items if i.get(LAST_CHANGE)}

    def accounts_in(self, ods: str) -> Iterator[Account]:
        """Every account of one organisation (one paged query on gsi1), read a page at a time:
        an organisation of 100,000 accounts is never held whole."""
        items = query_items(
            self.dynamodb, TableName=self.table, IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :org AND begins_with(gsi1sk, :acc)",
            ExpressionAttributeValues=to_item({":org": f"ORG#{ods.upper()}", ":acc": "ACCOUNT#"}),
        )
        return (account_from_item(i) for i in items)

    def snapshot(self, admin_email: str, ods_codes: set[str], emails: set[str]) -> DirectorySnapshot:
        """What validation needs, in one read per organisation plus batched gets."""
        accounts = self.accounts(emails)
        wanted = {o.upper() for o in ods_codes if o} | {a.ods for a in accounts.values()}
        organisations = self.organisations(wanted)
        active_by_name: dict[tuple[str, str, str], list[str]] = {}
        for ods in organisations:
            for account in self.accounts_in(ods):
                if account.status is AccountStatus.ACTIVE:
                    key = name_key(account.ods, account.first_name, account.last_name)
                    active_by_name.setdefault(key, []).append(account.email)
        return DirectorySnapshot(
            organisations=organisations,
            administered=self.administered(admin_email),
            accounts=accounts,
            active_by_name={k: tuple(sorted(v)) for k, v in active_by_name.items()},
        )

    def reserved_addresses(self, addresses: set[str]) -> set[str]:
        """Which of these addresses are already reserved."""
        items = batch_get(self.dynamodb, self.table, [address_key(a) for a in addresses])
        return {i["email"] for i in items}

    def taken_suffixes(self, base: str) -> set[int]:
        """Suffixes already used for a base address (first.last@domain -> {0, 1, 3})."""
        items = query_all(
            self.dynamodb, TableName=self.table, IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :base",
            ExpressionAttributeValues=to_item({":base": f"BASE#{base}"}),
        )
        suffixes = {suffix_of(i["email"], base) for i in items}
        return {s for s in suffixes if s is not None}

    def active_account_counts(self, ods_codes: set[str]) -> dict[str, int]:
        """Active accounts per organisation: one paged, counting query on gsi1 each, no scan."""
        counts: dict[str, int] = {}
        for ods in sorted({o.upper() for o in ods_codes if o}):
            pages = self.dynamodb.get_paginator("query").paginate(
                TableName=self.table, IndexName="gsi1", Select="COUNT",
                KeyConditionExpression="gsi1pk = :org AND begins_with(gsi1sk, :acc)",
                FilterExpression="#status = :active", ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item({":org": f"ORG#{ods}", ":acc": "ACCOUNT#",
                                                   ":active": AccountStatus.ACTIVE.value}),
            )
            counts[ods] = sum(page.get("Count", 0) for page in pages)
        return counts

    def administrators(self, ods_codes: set[str]) -> dict[str, frozenset[str]]:
        """Who administers each organisation: one query per organisation on its membership items."""
        found: dict[str, frozenset[str]] = {}
        for ods in sorted({o.upper() for o in ods_codes if o}):
            items = query_all(self.dynamodb, TableName=self.table,
                              KeyConditionExpression="pk = :org AND begins_with(sk, :admin)",
                              ExpressionAttributeValues=to_item({":org": f"ORG#{ods}", ":admin": "ADMIN#"}))
            found[ods] = frozenset(i["email"] for i in items)
        return found

    def identities(self, keys: set[str]) -> dict[str, IdentityRecord]:
        """Identity records of users already created by an upload, by identity key."""
        items = batch_get(self.dynamodb, self.table, [identity_record_key(k) for k in keys])
        return {i["identity"]: IdentityRecord.model_validate(i) for i in items}

    def identity(self, key: str) -> IdentityRecord | None:
        """One identity record, read consistently (a transaction was just refused because of it)."""
        response = self.dynamodb.get_item(TableName=self.table, Key=to_item(identity_record_key(key)),
                                          ConsistentRead=True)
        return IdentityRecord.model_validate(from_item(response["Item"])) if "Item" in response else None

    def account(self, email: str) -> Account | None:
        """One account, read consistently (it may have just changed)."""
        response = self.dynamodb.get_item(TableName=self.table, Key=to_item(account_key(email)),
                                          ConsistentRead=True)
        return account_from_item(from_item(response["Item"])) if "Item" in response else None

    def password_hash(self, email: str) -> str | None:
        """The stored hash of an account's password, read consistently; None when it has none."""
        response = self.dynamodb.get_item(TableName=self.table, Key=to_item(account_key(email)), ConsistentRead=True,
                                          ProjectionExpression="password_hash")
        stored = from_item(response.get("Item", {})).get("password_hash")
        return str(stored) if stored else None

    def organisation_codes(self) -> list[str]:
        """Every organisation's ODS code (one query on gsi1)."""
        items = query_all(self.dynamodb, TableName=self.table, IndexName="gsi1",
                          KeyConditionExpression="gsi1pk = :orgs",
                          ExpressionAttributeValues=to_item({":orgs": "ORGS"}))
        return [i["ods"] for i in items]

    def all_accounts(self) -> list[Account]:
        """Every account (the mailbox report): one query per organisation, no table scan."""
        accounts = [a for ods in self.organisation_codes() for a in self.accounts_in(ods)]
        return sorted(accounts, key=lambda a: a.email)

    # -- writes used to load a directory (local runs, tests, migrations) ------------------
    def put_organisation(self, organisation: Organisation) -> None:
        """Write an organisation, listed under ORGS on gsi1."""
        item = {**org_key(organisation.ods), "gsi1pk": "ORGS", "gsi1sk": f"ORG#{organisation.ods}",
                **organisation.model_dump(mode="json")}
        self.dynamodb.put_item(TableName=self.table, Item=to_item(item))

    def put_admin(self, email: str, orgs: list[str]) -> None:
        """Write the organisations an administrator administers, and file the administrator
        under each of them (organisations no longer listed drop the administrator)."""
        email, wanted = email.lower(), {o.upper() for o in orgs}
        before = self.administered(email)
        item = {**admin_key(email), "email": email, "orgs": [o.upper() for o in orgs]}
        self.dynamodb.put_item(TableName=self.table, Item=to_item(item))
        for ods in sorted(wanted):
            membership = {**membership_key(ods, email), "email": email, "ods": ods}
            self.dynamodb.put_item(TableName=self.table, Item=to_item(membership))
        for ods in sorted(before - wanted):
            self.dynamodb.delete_item(TableName=self.table, Key=to_item(membership_key(ods, email)))

    def bind_sub(self, email: str, sub: str) -> None:
        """Bind an administrator to the Cognito user just created for them (its sub), replacing the
        binding of a user that no longer exists. Only `roster directory load` (and `local serve`) call it."""
        email = email.lower()
        before = self.bound_sub(email)
        self.dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table, "Item": to_item({**sub_key(sub), "email": email, "sub": sub})}},
            {"Put": {"TableName": self.table, "Item": to_item({**bound_sub_key(email), "email": email, "sub": sub})}},
            *([{"Delete": {"TableName": self.table, "Key": to_item(sub_key(before))}}] if before and before != sub
              else []),
        ])

    def put_existing_account(self, account: Account) -> None:
        """An account that predates Roster: the account and its address reservation."""
        base = address_base_of(account.email)
        self.dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table, "Item": to_item(account_item(account))}},
            {"Put": {"TableName": self.table, "Item": to_item(reservation_item(account.email, base))}},
        ])

