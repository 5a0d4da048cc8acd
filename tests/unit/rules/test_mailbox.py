"""Mailbox sizes, current and legacy, and the purchased maximum (docs/csv-format.md#current-format
and #legacy-format)."""

from __future__ import annotations

import pytest

from roster.model.directory import Organisation
from roster.rules import InvalidCell
from roster.rules.mailbox import check_purchased, legacy_mailbox_size_gb, mailbox_size_gb


@pytest.mark.parametrize(
    ("cell", "gb"),
    [("4", 4), ("4GB", 4), ("4 GB", 4), ("4gb", 4), ("4096MB", 4), ("4096 mb", 4), ("8192MB", 8), ("1", 1),
     ("50GB", 50)],
)
def test_good_current_sizes(cell: str, gb: int) -> None:
    assert mailbox_size_gb(cell, "Mailbox Size") == gb


@pytest.mark.parametrize(
    ("cell", "says"),
    [("4.5", "is not a mailbox size"), ("four", "is not a mailbox size"), ("4 TB", "is not a mailbox size"),
     ("-4", "is not a mailbox size"), ("4000MB", "is not a whole number of gigabytes"),
     ("0", "at least 1 GB"), ("0MB", "at least 1 GB"), ("512MB", "is not a whole number")],
)
def test_bad_current_sizes(cell: str, says: str) -> None:
    with pytest.raises(InvalidCell) as caught:
        mailbox_size_gb(cell, "Mailbox Size")
    assert says in caught.value.message


@pytest.mark.parametrize(("cell", "gb"), [("4096", 4), ("1024", 1), ("10240", 10), ("4096MB", 4)])
def test_good_legacy_quotas(cell: str, gb: int) -> None:
    assert legacy_mailbox_size_gb(cell, "Mailbox Quota (MB)") == gb


@pytest.mark.parametrize(
    ("cell", "says"),
    [("4", "multiple of 1024"), ("4000", "multiple of 1024"), ("4GB", "is not a number of megabytes"),
     ("lots", "is not a number of megabytes"), ("0", "at least 1 GB")],
)
def test_bad_legacy_quotas(cell: str, says: str) -> None:
    with pytest.raises(InvalidCell) as caught:
        legacy_mailbox_size_gb(cell, "Mailbox Quota (MB)")
    assert says in caught.value.message


NO_TOP_UP = Organisation(ods="RX1", name="Leeds", domain="nhs.net")
TOPPED_UP = Organisation(ods="RX2", name="York", domain="nhs.net", mailbox_max_gb=50)


@pytest.mark.parametrize(("gb", "organisation"), [(1, NO_TOP_UP), (4, NO_TOP_UP), (5, TOPPED_UP), (50, TOPPED_UP)])
def test_sizes_within_what_was_purchased(gb: int, organisation: Organisation) -> None:
    check_purchased(gb, organisation, "Mailbox Size")


def test_above_four_gb_without_a_top_up_says_what_was_purchased() -> None:
    with pytest.raises(InvalidCell) as caught:
        check_purchased(8, NO_TOP_UP, "Mailbox Size")
    assert caught.value.message.startswith("Mailbox Size 8 GB is above the 4 GB that organisation RX1 has purchased")
    assert "give at most 4 GB" in caught.value.message


def test_above_the_top_up_is_refused() -> None:
    with pytest.raises(InvalidCell) as caught:
        check_purchased(51, TOPPED_UP, "Mailbox Size")
    assert "51 GB is above the 50 GB that organisation RX2 has purchased" in caught.value.message


def test_a_size_that_looks_like_megabytes_gets_a_hint() -> None:
    with pytest.raises(InvalidCell) as caught:
        check_purchased(4096, NO_TOP_UP, "Mailbox Size")
    assert "write 4096MB" in caught.value.message
