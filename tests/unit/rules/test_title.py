"""Titles (docs/csv-format.md#current-format)."""

from __future__ import annotations

import pytest

from roster.rules import InvalidCell
from roster.rules.title import TITLES, title


@pytest.mark.parametrize(
    ("cell", "stored"),
    [("Mr", "Mr"), ("mrs", "Mrs"), ("MISS", "Miss"), ("Ms.", "Ms"), ("mx", "Mx"), ("Dr.", "Dr"),
     ("PROF", "Prof"), ("prof.", "Prof"), ("Rev", "Rev"), ("rev.", "Rev")],
)
def test_good_titles_are_normalised(cell: str, stored: str) -> None:
    assert title(cell, "Title") == stored


@pytest.mark.parametrize("cell", ["Sir", "Doctor", "Dr..", "Mr Dr", "M", "Professor", "Lady"])
def test_other_titles_are_refused_listing_the_allowed_ones(cell: str) -> None:
    with pytest.raises(InvalidCell) as caught:
        title(cell, "Title")
    assert f"Title '{cell}' is not one of the allowed titles" in caught.value.message
    assert ", ".join(TITLES) in caught.value.message
