"""UK phone numbers by libphonenumber's rules, stored in E.164 (docs/csv-format.md#current-format)."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers.phonenumberutil import _number_type_helper

from roster.rules import InvalidCell
from roster.rules.phones import business_phone, gb_number_type, mobile_phone, uk_number


@pytest.mark.parametrize(
    ("cell", "e164"),
    [
        ("0113 496 0000", "+441134960000"),
        ("01134960000", "+441134960000"),
        ("(0113) 496 0000", "+441134960000"),
        ("020 7946 0000", "+442079460000"),
        ("0207 946 0000", "+442079460000"),
        ("+44 20 7946 0000", "+442079460000"),
        ("+44 (0)20 7946 0018", "+442079460018"),
        ("0044 113 496 0000", "+441134960000"),
        ("0800 123 4567", "+448001234567"),
        ("07912 345678", "+447912345678"),  # a mobile is a valid business number too
        ("01534 123456", "+441534123456"),  # Jersey shares +44
    ],
)
def test_good_business_numbers(cell: str, e164: str) -> None:
    assert business_phone(cell, "Business Phone") == e164


@pytest.mark.parametrize(
    ("cell", "says"),
    [
        ("12345", "is not a valid UK phone number"),
        ("0113 496 000", "is not a valid UK phone number"),
        ("+353 1 234 5678", "is not a valid UK phone number"),  # Ireland
        ("+1 202 555 0100", "is not a valid UK phone number"),
        ("0800 FLOWERS", "is not a valid UK phone number"),
        ("phone me", "is not a valid UK phone number"),
        ("020 7946 0000 ext 123", "has an extension"),
        ("020 7946 0000 x12", "has an extension"),
    ],
)
def test_bad_business_numbers(cell: str, says: str) -> None:
    with pytest.raises(InvalidCell) as caught:
        business_phone(cell, "Business Phone")
    assert says in caught.value.message


@pytest.mark.parametrize(
    ("cell", "e164"),
    [
        ("07912 345678", "+447912345678"),
        ("07912-345-678", "+447912345678"),
        ("+447912345678", "+447912345678"),
        ("+44 7912 345678", "+447912345678"),
        ("447912345678", "+447912345678"),
        ("07624 123456", "+447624123456"),  # Isle of Man mobile, +44
    ],
)
def test_good_mobiles(cell: str, e164: str) -> None:
    assert mobile_phone(cell, "Mobile Phone") == e164


@pytest.mark.parametrize(
    ("cell", "says"),
    [
        ("0113 496 0000", "not a mobile: give it as the business phone"),
        ("0800 123 4567", "not a mobile"),
        ("076 0012 3456", "not a mobile"),  # a pager
        ("07700 900123", "Ofcom keeps for TV and drama"),  # Ofcom's drama range: the reason is given
        ("+353 87 123 4567", "is not a UK mobile number;"),
    ],
)
def test_bad_mobiles(cell: str, says: str) -> None:
    with pytest.raises(InvalidCell) as caught:
        mobile_phone(cell, "Mobile Phone")
    assert says in caught.value.message


@settings(max_examples=1000, deadline=None)
@given(st.from_regex(r"[1-9][0-9]{5,10}", fullmatch=True))
def test_the_fast_gb_type_check_agrees_with_the_library(national: str) -> None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("GB")
    assert gb_number_type(national) == _number_type_helper(national, metadata)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"0[1-9][0-9]{8,9}", fullmatch=True))
def test_the_fast_path_gives_what_a_full_parse_gives(cell: str) -> None:
    uk_number.cache_clear()
    fast = uk_number(cell)
    number = phonenumbers.parse(cell, "GB")
    if phonenumbers.is_valid_number(number):
        assert fast.e164 == phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        assert fast.number_type == phonenumbers.number_type(number)
    else:
        assert fast.e164 is None


def test_the_fast_gb_type_check_agrees_with_the_library_for_every_uk_prefix() -> None:
    # Random digits rarely land on a valid number; every three-digit prefix at both UK
    # lengths covers every number type GB has.
    import random

    rng = random.Random(0)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("GB")
    seen_types = set()
    for prefix in range(100, 1000):
        for length in (9, 10):
            for _ in range(3):
                national = f"{prefix}{rng.randrange(10 ** (length - 3)):0{length - 3}d}"
                expected = _number_type_helper(national, metadata)
                assert gb_number_type(national) == expected, national
                seen_types.add(expected)
    assert len(seen_types) >= 8  # fixed line, mobile, toll free, premium, pager, VoIP, UAN, unknown...


@pytest.mark.parametrize("cell", ["4.47912E+11", "4.47912e+11", "7.912E+09", "1.13496E+10", "4,47912E+11", "4E+11"])
@pytest.mark.parametrize("rule", [business_phone, mobile_phone])
def test_a_number_excel_turned_into_scientific_notation_says_so_and_how_to_keep_it_text(cell, rule) -> None:
    with pytest.raises(InvalidCell) as caught:
        rule(cell, "Mobile Phone")
    message = caught.value.message
    assert message.startswith(f"Mobile Phone '{cell}' is a phone number that Excel changed into scientific notation")
    assert "Format Cells > Text" in message and "CSV UTF-8" in message
