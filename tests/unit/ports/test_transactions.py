"""What every Transactions and Directory keeps (roster.ports): conditional writes refused by
name, all or nothing. Run here on the fakes, and on DynamoDB by
tests/integration/test_port_contracts.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from roster.model.directory import Account, AccountStatus, IdentityRecord, Organisation
from roster.model.rows import RowResult
from roster.model.uploads import RowOutcome
from roster.model.writes import AccountUpdate, AddressReservation, Cancelled, NewAccount, OutcomeRecord
from roster.ports import Directory, Transactions
from tests.unit.fakes import FakeDirectory, FakeTransactions, FakeUploads

LEEDS = Organisation(ods="RX1", name="Leeds", domain="nhs.net")
JANE = Account(email="jane.doe@nhs.net", first_name="Jane", last_name="Doe", ods="RX1", unit="Cardiology")


@dataclass
class Store:
    """The ports under test and a way to load what predates Roster."""

    transactions: Transactions
    directory: Directory
    add_account: Any


@pytest.fixture
def store() -> Store:
    directory = FakeDirectory()
    directory.add_organisation(LEEDS)
    return Store(FakeTransactions(directory, FakeUploads()), directory, directory.add_account)


def _new_user(email: str, line: int = 2) -> dict[str, Any]:
    outcome = RowOutcome(line=line, result=RowResult.CREATED, message="Created.", email=email)
    return {
        "account": NewAccount(JANE.model_copy(update={"email": email}), "scrypt$hash", True, "job-1"),
        "address": AddressReservation(email, "jane.doe@nhs.net", "job-1", line),
        "identity": IdentityRecord(identity=f"id-{line}", email=email, upload_id="job-1", created_at="2026-11-24",
                                   expires_at=1_900_000_000),
        "outcome": OutcomeRecord("job-1", outcome),
    }


def test_given_free_writes_when_committed_then_all_are_readable(store: Store) -> None:
    assert store.transactions.commit(_new_user("jane.doe@nhs.net")) is None

    assert store.directory.account("jane.doe@nhs.net") == JANE
    assert store.directory.reserved_addresses({"jane.doe@nhs.net", "jane.doe1@nhs.net"}) == {"jane.doe@nhs.net"}
    assert store.directory.identity("id-2") == IdentityRecord(identity="id-2", email="jane.doe@nhs.net",
                                                              upload_id="job-1", created_at="2026-11-24",
                                                              expires_at=1_900_000_000)
    assert store.directory.identities({"id-2", "id-9"}).keys() == {"id-2"}


def test_given_a_taken_address_when_committed_then_the_refused_writes_are_named_and_nothing_is_written(
        store: Store) -> None:
    store.add_account(JANE)

    cancelled = store.transactions.commit(_new_user("jane.doe@nhs.net", line=3))

    assert cancelled == Cancelled(refused=frozenset({"account", "address"}))
    assert store.directory.identity("id-3") is None


def test_given_reserved_numbers_then_taken_suffixes_lists_them(store: Store) -> None:
    store.add_account(JANE)
    store.transactions.commit(_new_user("jane.doe2@nhs.net", line=4))

    assert store.directory.taken_suffixes("jane.doe@nhs.net") == {0, 2}


def test_given_an_account_as_planned_when_updated_then_sets_and_removes_apply(store: Store) -> None:
    store.add_account(JANE.model_copy(update={"status": AccountStatus.LEAVER}))
    update = AccountUpdate(email=JANE.email, sets={"status": "active", "ods": "RY2", "job_title": "Nurse"},
                           removes=("unit",), expected_status=AccountStatus.LEAVER, expected_ods="RX1")

    assert store.transactions.commit({"account": update}) is None

    account = store.directory.account(JANE.email)
    assert account is not None
    assert (account.status, account.ods, account.job_title, account.unit) == (AccountStatus.ACTIVE, "RY2", "Nurse",
                                                                              None)


@pytest.mark.parametrize("status, ods", [(AccountStatus.LEAVER, "RX1"), (AccountStatus.ACTIVE, "RY2")])
def test_given_an_account_no_longer_as_planned_when_updated_then_the_update_is_refused(
        store: Store, status: AccountStatus, ods: str) -> None:
    store.add_account(JANE)
    update = AccountUpdate(email=JANE.email, sets={"job_title": "Nurse"}, removes=(), expected_status=status,
                           expected_ods=ods)

    assert store.transactions.commit({"account": update}) == Cancelled(refused=frozenset({"account"}))
    assert store.directory.account(JANE.email) == JANE


def test_given_accounts_with_and_without_a_stored_password_then_its_hash_is_read_back(store: Store) -> None:
    store.add_account(JANE.model_copy(update={"email": "old.timer@nhs.net"}))  # predates Roster
    assert store.transactions.commit(_new_user("jane.doe@nhs.net")) is None

    assert store.directory.password_hash("jane.doe@nhs.net") == "scrypt$hash"
    assert store.directory.password_hash("old.timer@nhs.net") is None
    assert store.directory.password_hash("nobody@nhs.net") is None


def test_given_a_user_created_once_when_its_identity_comes_again_then_only_the_repeats_are_refused(
        store: Store) -> None:
    assert store.transactions.commit(_new_user("jane.doe@nhs.net")) is None

    again = {**_new_user("jane.doe1@nhs.net"), "outcome": OutcomeRecord("job-1", RowOutcome(
        line=2, result=RowResult.CREATED, message="Created again."))}
    cancelled = store.transactions.commit(again)

    assert cancelled == Cancelled(refused=frozenset({"identity", "outcome"}))
    assert store.directory.account("jane.doe1@nhs.net") is None
    assert store.directory.reserved_addresses({"jane.doe1@nhs.net"}) == set()
