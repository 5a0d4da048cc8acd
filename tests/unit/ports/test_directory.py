"""What the Directory port answers: organisations, accounts, the snapshot validation reads, and
for approval (docs/approval-and-plan.md#approval) active accounts and administrators per organisation. Run here on the
fake, and on the DynamoDB DirectoryStore by tests/integration/test_port_contracts.py, so the fake stays faithful."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from roster.model.directory import Account, AccountStatus, Organisation, name_key
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
    return Loaded(fake, fake.add_organisation, fake.add_admin, fake.add_account)


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


def test_given_an_administrator_then_the_organisations_they_administer_come_back_in_upper_case(
        loaded: Loaded) -> None:
    loaded.add_admin("Lead@nhs.net", ["rx1", "RY2"])

    assert loaded.directory.administered("lead@NHS.net") == frozenset({"RX1", "RY2"})
    assert loaded.directory.administered("nobody@nhs.net") == frozenset()


def test_given_organisations_then_those_that_exist_come_back_by_code(loaded: Loaded) -> None:
    for organisation in (LEEDS, YORK):
        loaded.add_organisation(organisation)

    assert loaded.directory.organisations({"rx1", "RY2", "Y0301", ""}) == {"RX1": LEEDS, "RY2": YORK}
    assert loaded.directory.organisations(set()) == {}


def test_given_accounts_then_they_are_read_by_address_in_any_case(loaded: Loaded) -> None:
    ann, dan = _account("ann", "RX1"), _account("dan", "RX1", AccountStatus.LEAVER)
    for account in (ann, dan):
        loaded.add_account(account)

    assert loaded.directory.accounts({"Ann@nhs.net", "dan@nhs.net", "nobody@nhs.net"}) == {
        "ann@nhs.net": ann, "dan@nhs.net": dan}
    assert loaded.directory.account("ANN@nhs.net") == ann and loaded.directory.account("x@nhs.net") is None
    assert loaded.directory.reserved_addresses({"ann@nhs.net", "ann1@nhs.net"}) == {"ann@nhs.net"}
    assert loaded.directory.taken_suffixes("ann@nhs.net") == {0}


def test_given_an_organisation_then_every_account_in_it_comes_back_by_address(loaded: Loaded) -> None:
    for name, ods in (("cat", "RX1"), ("ann", "RX1"), ("eve", "RY2")):
        loaded.add_account(_account(name, ods))
    loaded.add_account(_account("bob", "RX1", AccountStatus.LEAVER))

    assert [a.email for a in loaded.directory.accounts_in("rx1")] == ["ann@nhs.net", "bob@nhs.net", "cat@nhs.net"]
    assert list(loaded.directory.accounts_in("Y0301")) == []


def test_given_an_upload_then_its_snapshot_holds_what_validation_reads(loaded: Loaded) -> None:
    for organisation in (LEEDS, YORK):
        loaded.add_organisation(organisation)
    loaded.add_admin("lead@nhs.net", ["RX1"])
    eve = _account("eve", "RY2")
    for account in (_account("ann", "RX1"), _account("bob", "RX1", AccountStatus.LEAVER), eve,
                    _account("ann", "RX1").model_copy(update={"email": "ann1@nhs.net"})):
        loaded.add_account(account)

    snapshot = loaded.directory.snapshot("Lead@nhs.net", {"rx1"}, {"Eve@york.nhs.net", "new@nhs.net"})

    assert snapshot.organisations == {"RX1": LEEDS, "RY2": YORK}  # RY2: Eve's organisation
    assert snapshot.administered == frozenset({"RX1"}) and snapshot.accounts == {"eve@york.nhs.net": eve}
    assert snapshot.active_by_name == {name_key("RX1", "Ann", "Person"): ("ann1@nhs.net", "ann@nhs.net"),
                                       name_key("RY2", "Eve", "Person"): ("eve@york.nhs.net",)}
    assert loaded.directory.identities({"some-key"}) == {}
