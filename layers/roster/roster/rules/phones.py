"""UK phone numbers (docs/csv-format.md#current-format), by Google's libphonenumber rules for region GB,
stored in E.164.

libphonenumber's parse and type check take about 70 microseconds, too slow for 10,000
distinct mobiles. Numbers written the usual UK ways (0..., +44..., +44 (0)...) are typed
directly from the national number with the library's GB metadata, patterns compiled once,
in the library's own order (`gb_number_type`, tested against the library); anything else,
and every number that GB's patterns do not recognise, goes through the full parse.
Results are cached per distinct cell."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from roster.rules import InvalidCell

UK_COUNTRY_CODE = 44
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
_COMMON_UK_FORM = re.compile(r"(?:\+44 ?(?:\(0\) ?)?|0)([1-9](?:[ -]?[0-9]){6,9})")
_PHONE_CHARACTERS = re.compile(r"\+?[0-9 ()\-./]+")
# How Excel shows a long number in a General column, and writes it to CSV: 4.47912E+11.
_SCIENTIFIC_NOTATION = re.compile(r"[0-9](?:[.,][0-9]+)?\s*[eE]\s*\+?\s*[0-9]{1,3}")


class UkNumber(NamedTuple):
    """A checked number: E.164 when it is a valid UK number, and its libphonenumber type."""

    e164: str | None
    number_type: int
    has_extension: bool = False


_DRAMA_NATIONAL = "7700900"  # Ofcom's mobile numbers for TV and drama: 07700 900000 to 900999


def _is_drama_number(value: str) -> bool:
    found = _COMMON_UK_FORM.fullmatch(value.strip())
    national = re.sub(r"[ -]", "", found.group(1)) if found else ""
    return len(national) == 10 and national.startswith(_DRAMA_NATIONAL)


def business_phone(value: str, column: str) -> str:
    """Any valid UK number (country code 44), in E.164."""
    _refuse_scientific_notation(value, column)
    number = uk_number(value)
    _refuse_extension(number, value, column)
    if number.e164 is None:
        raise InvalidCell(
            f"{column} '{value[:40]}' is not a valid UK phone number; give a UK number such as "
            "0113 496 0000 or +44 113 496 0000."
        )
    return number.e164


def mobile_phone(value: str, column: str) -> str:
    """A valid UK mobile number, in E.164.

    FIXED_LINE_OR_MOBILE counts as mobile: the library uses it where it cannot tell the two apart."""
    _refuse_scientific_notation(value, column)
    number = uk_number(value)
    _refuse_extension(number, value, column)
    if _is_drama_number(value):
        raise InvalidCell(
            f"{column} '{value[:40]}' is in the range 07700 900000 to 07700 900999, which Ofcom keeps for TV and "
            "drama and never gives to a real phone; give the user's real mobile number, or leave the cell blank.")
    if number.e164 is None or number.number_type not in _MOBILE_TYPES:
        landline = " (it is a valid UK number, but not a mobile: give it as the business phone)" if number.e164 else ""
        raise InvalidCell(
            f"{column} '{value[:40]}' is not a UK mobile number{landline}; give a mobile number such as "
            "07912 345678 or +44 7912 345678."
        )
    return number.e164


@lru_cache(maxsize=65536)
def uk_number(value: str) -> UkNumber:
    """What libphonenumber says about a cell read as a UK number (cached per distinct cell)."""
    common = _COMMON_UK_FORM.fullmatch(value)
    if common:
        national = common.group(1).replace(" ", "").replace("-", "")
        number_type = gb_number_type(national)
        if number_type != PhoneNumberType.UNKNOWN:
            return UkNumber(f"+{UK_COUNTRY_CODE}{national}", number_type)
    if not _PHONE_CHARACTERS.fullmatch(value):
        # Letters are only acceptable as an extension marker ("ext", "x"), which is refused
        # with its own message; the library would read other letters as a keypad word.
        return UkNumber(None, PhoneNumberType.UNKNOWN, _parsed(value).has_extension)
    return _parsed(value)


def _compiled_desc(desc: phonenumbers.PhoneNumberDesc | None) -> tuple[frozenset[int], re.Pattern[str]] | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length), re.compile(desc.national_number_pattern)


def _region_metadata(region: str) -> phonenumbers.PhoneMetadata:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:  # the library ships GB's metadata: only a broken install lacks it
        raise RuntimeError(f"libphonenumber has no metadata for region {region}")
    return metadata


_GB = _region_metadata("GB")
_GB_GENERAL = _compiled_desc(_GB.general_desc)
# The order in which libphonenumber's number type check tries the types (fixed line, then mobile, last).
_GB_TYPES = tuple(
    (number_type, compiled)
    for number_type, desc in (
        (PhoneNumberType.PREMIUM_RATE, _GB.premium_rate),
        (PhoneNumberType.TOLL_FREE, _GB.toll_free),
        (PhoneNumberType.SHARED_COST, _GB.shared_cost),
        (PhoneNumberType.VOIP, _GB.voip),
        (PhoneNumberType.PERSONAL_NUMBER, _GB.personal_number),
        (PhoneNumberType.PAGER, _GB.pager),
        (PhoneNumberType.UAN, _GB.uan),
        (PhoneNumberType.VOICEMAIL, _GB.voicemail),
    )
    if (compiled := _compiled_desc(desc)) is not None
)
_GB_FIXED_LINE = _compiled_desc(_GB.fixed_line)
_GB_MOBILE = _compiled_desc(_GB.mobile)


def gb_number_type(national: str) -> int:
    """libphonenumber's type of a GB national significant number (UNKNOWN when not valid in GB)."""
    if not _matches(national, _GB_GENERAL):
        return PhoneNumberType.UNKNOWN
    for number_type, compiled in _GB_TYPES:
        if _matches(national, compiled):
            return number_type
    same_pattern = _GB.same_mobile_and_fixed_line_pattern
    if _matches(national, _GB_FIXED_LINE):
        if same_pattern or _matches(national, _GB_MOBILE):
            return PhoneNumberType.FIXED_LINE_OR_MOBILE
        return PhoneNumberType.FIXED_LINE
    if not same_pattern and _matches(national, _GB_MOBILE):
        return PhoneNumberType.MOBILE
    return PhoneNumberType.UNKNOWN


def _matches(national: str, compiled: tuple[frozenset[int], re.Pattern[str]] | None) -> bool:
    if compiled is None:
        return False
    lengths, pattern = compiled
    # As in the library: no listed lengths means any length the general description allows.
    if lengths and len(national) not in lengths:
        return False
    return pattern.fullmatch(national) is not None


def _parsed(value: str) -> UkNumber:
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return UkNumber(None, PhoneNumberType.UNKNOWN)
    # Jersey, Guernsey and the Isle of Man share +44 and UK dialling; libphonenumber gives
    # them their own regions, so validity is judged by the country code, not the region.
    if number.country_code != UK_COUNTRY_CODE or not phonenumbers.is_valid_number(number):
        return UkNumber(None, PhoneNumberType.UNKNOWN, bool(number.extension))
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return UkNumber(e164, phonenumbers.number_type(number), bool(number.extension))


def _refuse_scientific_notation(value: str, column: str) -> None:
    """A number Excel turned into scientific notation has lost its digits: nothing can bring them back."""
    if _SCIENTIFIC_NOTATION.fullmatch(value):
        raise InvalidCell(
            f"{column} '{value[:40]}' is a phone number that Excel changed into scientific notation, which loses its "
            "leading 0 and its last digits. Format the column as text before typing the numbers: select the column, "
            "then Format Cells > Text, and type the numbers again (or copy them from the original list); or save as "
            "'CSV UTF-8' from a sheet whose phone columns are formatted as Text."
        )


def _refuse_extension(number: UkNumber, value: str, column: str) -> None:
    if number.has_extension:
        raise InvalidCell(
            f"{column} '{value[:40]}' has an extension, which the directory cannot store; "
            "give the number without the extension."
        )
