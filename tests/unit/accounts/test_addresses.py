"""Generated addresses: transliteration, clean-up and numbered candidates (docs/csv-format.md#generated-values)."""

import pytest

from roster.accounts.addresses import (
    address_base,
    address_local_part,
    candidate_address,
    first_free_suffix,
    suffix_of,
)


@pytest.mark.parametrize(
    ("first", "last", "local"),
    [
        ("José", "Ñúñez", "jose.nunez"),
        ("Zoë", "Müller", "zoe.muller"),
        ("Åse", "Ødegård", "ase.odegard"),
        ("Łukasz", "Wiśniewski", "lukasz.wisniewski"),
        ("小明", "王", "xiaoming.wang"),
        ("Σωκράτης", "Πλάτων", "sokratis.platon"),
        ("Sean", "O'Brien", "sean.obrien"),
        ("Anna", "Smith-Jones", "anna.smith-jones"),
        ("Mary Ann", "Lee", "maryann.lee"),
        ("Emma", "d'Arcy--Lee", "emma.darcy-lee"),
        ("J.R.", "St. John", "jr.stjohn"),
        ("Jean-", "-Luc", "jean.luc"),
        ("- Anne -", "Smith", "anne.smith"),
        ("Ngọc", "Nguyễn", "ngoc.nguyen"),
        ("Jürgen", "Weiß", "jurgen.weiss"),
        ("Anne\u2010Marie", "Smith", "anne-marie.smith"),  # Unicode hyphen
        ("JOHN", "SMITH", "john.smith"),
    ],
)
def test_local_part_is_transliterated_and_cleaned(first, last, local):
    assert address_local_part(first, last) == local


def test_only_a_to_z_digits_hyphen_and_one_dot_remain():
    local = address_local_part("Ré'né ~ Ünïçødé!", "Ⅳ“Q” Ş@l$")
    assert local.count(".") == 1
    assert set(local) <= set("abcdefghijklmnopqrstuvwxyz0123456789-.")


@pytest.mark.parametrize(
    ("first", "last", "local"),
    [
        ("'", "Smith", "smith"),
        ("Cher", "...", "cher"),
        ("Madonna", "", "madonna"),
        ("--", "O'", "o"),
    ],
)
def test_one_empty_part_uses_the_other_alone(first, last, local):
    assert address_local_part(first, last) == local


@pytest.mark.parametrize(("first", "last"), [("", ""), ("'", "."), ("--", " - "), ("\u200b", "''")])
def test_both_parts_empty_is_an_error(first, last):
    with pytest.raises(ValueError):
        address_local_part(first, last)


def test_base_lower_cases_the_domain():
    assert address_base("Jo", "Smith", "NHS.Net") == "jo.smith@nhs.net"


def test_base_without_domain_is_an_error():
    with pytest.raises(ValueError):
        address_base("Jo", "Smith", "  ")


def test_candidates_number_the_local_part():
    base = "jo.smith@nhs.net"
    assert candidate_address(base, 0) == base
    assert candidate_address(base, 1) == "jo.smith1@nhs.net"
    assert candidate_address(base, 12) == "jo.smith12@nhs.net"
    with pytest.raises(ValueError):
        candidate_address(base, -1)


@pytest.mark.parametrize(
    ("address", "n"),
    [
        ("jo.smith@x", 0),
        ("jo.smith1@x", 1),
        ("jo.smith12@x", 12),
        ("Jo.Smith3@X", 3),
        ("jo.smithy@x", None),
        ("jo.smith01@x", None),
        ("jo.smith0@x", None),
        ("jo.smith12@y", None),
        ("jo.smit@x", None),
        ("xjo.smith@x", None),
        ("jo.smith-2@x", None),
        ("not-an-address", None),
    ],
)
def test_suffix_of_inverts_candidate_address(address, n):
    assert suffix_of(address, "jo.smith@x") == n


def test_suffix_round_trip():
    base = "anna.smith-jones@nhs.net"
    for n in (0, 1, 2, 9, 10, 99, 1000):
        assert suffix_of(candidate_address(base, n), base) == n


@pytest.mark.parametrize(
    ("taken", "free"),
    [
        ([], 0),
        ([0], 1),
        ([0, 1, 2], 3),
        ([0, 2, 3], 1),
        ([1, 2], 0),
        ([3, 0, 1, 5, 2], 4),
        (iter([0, 0, 1]), 2),
    ],
)
def test_first_free_suffix(taken, free):
    assert first_free_suffix(taken) == free


def test_collisions_pick_the_first_free_candidate():
    base = address_base("Jo", "Smith", "nhs.net")
    existing = ["jo.smith@nhs.net", "JO.SMITH1@nhs.net", "jo.smith3@nhs.net", "jo.smithy@nhs.net", "jo.smith2@other.net"]
    taken = [s for s in (suffix_of(a, base) for a in existing) if s is not None]
    assert candidate_address(base, first_free_suffix(taken)) == "jo.smith2@nhs.net"


# -- at most 64 characters before @ (RFC 5321, docs/csv-format.md#generated-values) ----------------

LONG_FIRST = "Wolfeschlegelsteinhausenbergerdorff"  # 35 letters
LONG_LAST = "Montgomery-Worthington-Fotheringham-Featherstonehaugh"  # 53


def test_a_long_local_part_is_cut_to_64_at_a_hyphen_or_a_letter():
    assert address_local_part(LONG_FIRST, LONG_LAST) == "wolfeschlegelsteinhausenbergerdorff.montgomery-worthington-fothe"
    assert address_local_part("Ann", "B" * 59 + "-Cc") == "ann." + "b" * 59  # cut at the hyphen, dropping it
    assert address_local_part("A" * 63, "Lee") == "a" * 63  # never ending in the dot between the names
    assert address_local_part("A" * 64, "Lee") == "a" * 64


def test_numbered_candidates_cut_the_name_before_the_number_and_stay_within_64():
    base = address_base(LONG_FIRST, LONG_LAST, "nhs.net")
    for n in (1, 9, 10, 99, 100, 12345):
        local = candidate_address(base, n).split("@")[0]
        assert len(local) <= 64 and local.endswith(str(n))
        assert suffix_of(candidate_address(base, n), base) == n
    assert candidate_address(base, 1) == "wolfeschlegelsteinhausenbergerdorff.montgomery-worthington-foth1@nhs.net"
    assert candidate_address(base, 10) == "wolfeschlegelsteinhausenbergerdorff.montgomery-worthington-fot10@nhs.net"
    assert suffix_of("wolfeschlegelsteinhausenbergerdorff.montgomery-worthington-fothe1@nhs.net", base) is None
