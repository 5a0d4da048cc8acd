"""What the Directory port answers for approval (csv-contract 10): active accounts and
administrators per organisation. Run here on the fake, and on the DynamoDB DirectoryStore by
tests/integration/test_port_contracts.py, so the fake stays faithful."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from roster.model.directory import Account, AccountStatus, Organisation
from roster.ports import Directory
from tests.unit.fakes import FakeDirectory

LEEDS = Organisation(ods="RX1", name="Leeds", domain="nhs.net")
YORK = Organisation(ods="RY2", name="York", domain="york.nhs.net")


@dataclass
class Loaded:
    """A directory under test and the loaders of what predates Roster."""

    directory: Directory
    add_organisation: Callable[[Organisation], None]
    add_admin: Callable[[str, list[str]], None]
    add_account: Callable[[Account], None]


@pytest.fixture
def loaded() -> Loaded:
    fake = FakeDirectory()
    return Loaded(fake, fake.add_organisation, lambda email, orgs: fake.add_admin(email, set(orgs)), fake.add_account)


def _account(name: str, ods: str, status: AccountStatus = AccountStatus.ACTIVE) -> Account:
    domain = "york.nhs.net" if ods == "RY2" else "nhs.net"
    return Account(email=f"{name}@{domain}", first_name=name.title(), last_name="Person", ods=ods, status=status)


def test_given_accounts_then_only_active_ones_are_counted_per_organisation(loaded: Loaded) -> None:
    for organisation in (LEEDS, YORK):
        loaded.add_organisation(organisation)
    for name in ("ann", "bob", "cat"):
        loaded.add_account(_account(name, "RX1"))
    loaded.add_account(_account("dan", "RX1", AccountStatus.LEAVER))
    loaded.add_account(_account("eve", "RY2"))

    assert loaded.directory.active_account_counts({"RX1", "ry2", "Y0301"}) == {"RX1": 3, "RY2": 1, "Y0301": 0}


def test_given_administrators_then_each_organisation_lists_its_own(loaded: Loaded) -> None:
    loaded.add_admin("Lead@nhs.net", ["RX1", "RY2"])
    loaded.add_admin("deputy@nhs.net", ["RX1"])
    loaded.add_admin("moved@nhs.net", ["RX1"])
    loaded.add_admin("moved@nhs.net", ["RY2"])  # loaded again with other organisations: RX1 drops them

    assert loaded.directory.administrators({"rx1", "RY2", "Y0301"}) == {
        "RX1": frozenset({"lead@nhs.net", "deputy@nhs.net"}),
        "RY2": frozenset({"lead@nhs.net", "moved@nhs.net"}),
        "Y0301": frozenset(),
    }
