"""Which format a header names, and what the refusal says when it names none (docs/csv-format.md#files
to #legacy-format)."""

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


def test_a_header_with_few_right_names_is_compared_with_the_sample_file() -> None:
    message = rejection(["Title", "First Name", "Last Name", "name", "email"])
    assert "closest is the current format" in message and "and 2 more" in message


@pytest.mark.parametrize("first_line", [
    ["", "Jane", "Doe", "", "Nurse", "RX1", "", "", "", "", "Xk9#mQ2$vL7!pR", "", ""],  # the header left out
    ["name", "email"],  # another system's header
    ["Xk9#mQ2$vL7!pR"],
])
def test_a_first_line_with_almost_no_column_names_is_not_a_header_and_none_of_its_cells_is_echoed(
        first_line: list[str]) -> None:
    with pytest.raises(FileRejected) as caught:
        detect_format(first_line)

    refusal = caught.value
    assert refusal.message.startswith("The first line is not a header row: ")
    assert "Add the sample file's header as line 1: Title, First Name, Last Name" in refusal.message
    assert refusal.value == ""
    assert not any(data in refusal.message for data in ("Xk9", "Jane", "Nurse", "RX1", "email"))


def test_an_unexpected_header_cell_that_may_be_data_is_described_not_shown() -> None:
    header = [c if c != "Password" else "Xk9#mQ2$vL7!pR" for c in CURRENT_COLUMNS]
    with pytest.raises(FileRejected) as caught:
        detect_format(header)
    assert "missing 'Password'; unexpected (a cell that is not a column name)" in caught.value.message
    assert "Xk9" not in caught.value.message and caught.value.value == ""


def test_an_invisible_character_in_a_header_name_is_named() -> None:
    message = rejection(["\ufeffTitle", *CURRENT_COLUMNS[1:-1], "Status\u200b"])
    assert ("unexpected 'Title' (with a byte-order mark (U+FEFF) in it, which cannot be seen), 'Status' (with a "
            "zero-width space (U+200B) in it, which cannot be seen)") in message


def test_a_very_wide_header_gives_a_short_message() -> None:
    message = rejection([f"c{i}" for i in range(100_000)])
    assert len(message) < 2000
    assert len(rejection([*CURRENT_COLUMNS, *(f"c{i}" for i in range(100_000))])) < 2000
