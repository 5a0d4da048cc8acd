"""The Status cell (docs/csv-format.md#current-format and #what-a-row-does)."""

from __future__ import annotations

import pytest

from roster.rules import InvalidCell
from roster.rules.status import upload_status


@pytest.mark.parametrize("cell", ["leaver", "Leaver", "LEAVER"])
def test_status_leaver_in_any_case(cell: str) -> None:
    assert upload_status(cell, "Status") == "leaver"


@pytest.mark.parametrize("cell", ["left", "active", "joiner", "leavers"])
def test_other_status_values_are_refused(cell: str) -> None:
    with pytest.raises(InvalidCell) as caught:
        upload_status(cell, "Status")
    assert "write leaver" in caught.value.message and "leave it blank" in caught.value.message
