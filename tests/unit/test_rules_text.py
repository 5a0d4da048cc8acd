"""Length-limited text, Status and Email Address cells (csv-contract 2 and 4)."""

from __future__ import annotations

import pytest

from roster.rules import InvalidCell
from roster.rules.email_address import account_address
from roster.rules.lengths import display_name, job_title, unit_name
from roster.rules.status import upload_status


@pytest.mark.parametrize(
    ("rule", "limit"),
    [(display_name, 256), (job_title, 128), (unit_name, 256)],
)
def test_length_limits(rule, limit: int) -> None:  # type: ignore[no-untyped-def]
    assert rule("x" * limit, "Column") == "x" * limit
    with pytest.raises(InvalidCell) as caught:
        rule("x" * (limit + 1), "Column")
    assert f"{limit + 1} characters long; at most {limit}" in caught.value.message


@pytest.mark.parametrize("cell", ["leaver", "Leaver", "LEAVER"])
def test_status_leaver_in_any_case(cell: str) -> None:
    assert upload_status(cell, "Status") == "leaver"


@pytest.mark.parametrize("cell", ["left", "active", "joiner", "leavers"])
def test_other_status_values_are_refused(cell: str) -> None:
    with pytest.raises(InvalidCell) as caught:
        upload_status(cell, "Status")
    assert "write leaver" in caught.value.message and "leave it blank" in caught.value.message


@pytest.mark.parametrize(
    ("cell", "stored"),
    [("jane.smith@nhs.net", "jane.smith@nhs.net"), ("Jane.Smith@NHS.net", "jane.smith@nhs.net"),
     ("a.b-c+d@trust.nhs.uk", "a.b-c+d@trust.nhs.uk")],
)
def test_good_addresses_are_lower_cased(cell: str, stored: str) -> None:
    assert account_address(cell, "Email Address") == stored


@pytest.mark.parametrize("cell", ["jane", "jane@", "@nhs.net", "jane@nhs", "a b@nhs.net", "a@b@nhs.net",
                                  "Jane Smith <jane@nhs.net>", "x" * 250 + "@nhs.net"])
def test_bad_addresses(cell: str) -> None:
    with pytest.raises(InvalidCell) as caught:
        account_address(cell, "Email Address")
    assert "is not an email address" in caught.value.message
    assert "leave it blank to create a new user" in caught.value.message
