"""Which format a header names, and what the refusal says when it names none (csv-contract 1-3)."""

from __future__ import annotations

import pytest

from roster.contract.columns import CURRENT_COLUMNS, LEGACY_COLUMNS, RESULT_COLUMNS, UploadFormat
from roster.contract.findings import FileRejected
from roster.contract.formats import detect_format


@pytest.mark.parametrize(
    ("header", "upload_format", "results_file"),
    [
        (list(CURRENT_COLUMNS), UploadFormat.CURRENT, False),
        (list(LEGACY_COLUMNS), UploadFormat.LEGACY, False),
        ([c.upper() for c in CURRENT_COLUMNS], UploadFormat.CURRENT, False),
        ([f"  {c.lower()} " for c in LEGACY_COLUMNS], UploadFormat.LEGACY, False),
        (list(CURRENT_COLUMNS + RESULT_COLUMNS), UploadFormat.CURRENT, True),
        ([c.lower() for c in LEGACY_COLUMNS + RESULT_COLUMNS], UploadFormat.LEGACY, True),
    ],
)
def test_detects_each_format_case_insensitively_and_trimmed(
    header: list[str], upload_format: UploadFormat, results_file: bool
) -> None:
    detected = detect_format(header)
    assert detected.format is upload_format
    assert detected.is_results_file is results_file
    assert detected.width == len(header)


def rejection(header: list[str]) -> str:
    with pytest.raises(FileRejected) as caught:
        detect_format(header)
    return caught.value.message


def test_a_missing_column_names_the_closest_format_and_the_column() -> None:
    message = rejection([c for c in CURRENT_COLUMNS if c != "Status"])
    assert "closest is the current format" in message
    assert "missing 'Status'" in message
    assert "unexpected" not in message and "out of order" not in message
    assert "Title, First Name, Last Name" in message  # says what the header must be


def test_an_unexpected_column_is_named() -> None:
    message = rejection([*LEGACY_COLUMNS, "Notes"])
    assert "NHSmail 1 format" in message and "unexpected 'Notes'" in message


def test_columns_out_of_order_are_named() -> None:
    header = list(CURRENT_COLUMNS)
    header[1], header[2] = header[2], header[1]
    message = rejection(header)
    assert "out of order" in message
    assert "'First Name'" in message or "'Last Name'" in message
    assert "missing" not in message


def test_misspelt_column_is_missing_and_unexpected() -> None:
    header = ["Title", "Firstname", *CURRENT_COLUMNS[2:]]
    message = rejection(header)
    assert "missing 'First Name'" in message and "unexpected 'Firstname'" in message


def test_blank_and_repeated_columns_are_unexpected() -> None:
    assert "(a blank column name)" in rejection([*CURRENT_COLUMNS, "", ""])
    assert "unexpected 'Title'" in rejection(["Title", *CURRENT_COLUMNS])


def test_an_incomplete_results_header_is_compared_with_the_results_file() -> None:
    message = rejection([*CURRENT_COLUMNS, "Result", "Message"])
    assert "results file" in message and "missing 'Assigned Email', 'Temporary Password'" in message


def test_an_unrelated_header_is_compared_with_the_sample_file() -> None:
    message = rejection(["name", "email"])
    assert "closest is the current format" in message and "and 5 more" in message


def test_a_very_wide_header_gives_a_short_message() -> None:
    message = rejection([f"c{i}" for i in range(100_000)])
    assert len(message) < 2000
