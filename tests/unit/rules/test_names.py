"""First and last names (docs/csv-format.md#current-format)."""

from __future__ import annotations

import unicodedata

import pytest

from roster.rules import InvalidCell
from roster.rules.names import person_name


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("Jane", "Jane"),
        ("Mary Ann", "Mary Ann"),
        ("Mary   Ann", "Mary Ann"),
        ("O'Brien", "O'Brien"),
        ("O’Brien", "O’Brien"),
        ("Smith-Jones", "Smith-Jones"),
        ("St. John", "St. John"),
        ("J", "J"),
        ("Zoë", "Zoë"),
        (unicodedata.normalize("NFD", "Zoë"), "Zoë"),  # combining diaeresis, stored composed
        ("Ó Súilleabháin", "Ó Súilleabháin"),
        ("Łukasz", "Łukasz"),
        ("Александр", "Александр"),
        ("张伟", "张伟"),
        ("محمد", "محمد"),
        ("a" * 64, "a" * 64),
    ],
)
def test_good_names(cell: str, stored: str) -> None:
    assert person_name(cell, "First Name") == stored


@pytest.mark.parametrize(
    ("cell", "says"),
    [
        ("a" * 65, "65 characters long; a name may have at most 64"),
        ("R2D2", "the digit '2'"),
        ("Jane_Doe", "'_'"),
        ("Jane (Jo)", "'('"),
        ("Smith, John", "','"),
        ("---", "has no letters"),
        (". '", "has no letters"),
        ("Jane😀", "'😀'"),
        ("١٢٣", "the digit"),  # Arabic-Indic digits are digits, not letters
    ],
)
def test_bad_names(cell: str, says: str) -> None:
    with pytest.raises(InvalidCell) as caught:
        person_name(cell, "Last Name")
    assert caught.value.message.startswith("Last Name")
    assert says in caught.value.message
