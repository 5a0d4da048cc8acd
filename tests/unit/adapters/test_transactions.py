"""DynamoDB's cancellation reasons, handed back by write name (adapters.transactions)."""

from __future__ import annotations

import pytest

from roster.adapters.transactions import cancellation
from roster.errors import TransientInfrastructureError
from roster.model.writes import Cancelled


def test_given_cancellation_reasons_in_item_order_then_they_come_back_by_write_name() -> None:
    reasons = [{"Code": "None"}, {"Code": "ConditionalCheckFailed"}, {"Code": "None"},
               {"Code": "ConditionalCheckFailed"}]
    assert cancellation(["account", "address", "identity", "outcome"], reasons) == Cancelled(
        refused=frozenset({"address", "outcome"}))


def test_given_a_conflict_reason_then_the_cancellation_is_a_conflict() -> None:
    reasons = [{"Code": "TransactionConflict"}, {"Code": "None"}]
    assert cancellation(["account", "outcome"], reasons) == Cancelled(conflict=True)


def test_given_no_reasons_then_the_cancellation_is_treated_as_a_conflict() -> None:
    assert cancellation(["account", "outcome"], []) == Cancelled(conflict=True)


def test_given_a_throttling_reason_then_it_is_a_transient_error_for_the_state_machine_to_retry() -> None:
    with pytest.raises(TransientInfrastructureError):
        cancellation(["account"], [{"Code": "ThrottlingError"}])
