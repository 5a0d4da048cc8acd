"""The Email Address cell (docs/csv-format.md#current-format and #what-a-row-does)."""

from __future__ import annotations

import pytest

from roster.rules import InvalidCell
from roster.rules.email_address import account_address


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
