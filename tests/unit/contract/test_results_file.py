"""The results file (docs/csv-format.md#results-file): original rows, four result columns, masking, escaping."""

import csv
import io

import pytest

from roster.contract.columns import CURRENT_COLUMNS, LEGACY_COLUMNS, MASKED_PASSWORD, RESULT_COLUMNS
from roster.contract.csv_output import BYTE_ORDER_MARK
from roster.contract.results_file import ResultLine, parse_results_csv, results_csv
from roster.contract.spreadsheet import escape_formula
from roster.model.rows import RowResult

HEADER = list(CURRENT_COLUMNS)
PASSWORD = CURRENT_COLUMNS.index("Password")


def row(**values):
    cells = [""] * len(CURRENT_COLUMNS)
    for name, value in values.items():
        cells[CURRENT_COLUMNS.index(name.replace("_", " "))] = value
    return cells


def read(text):
    assert text.startswith(BYTE_ORDER_MARK)  # every CSV Roster writes (docs/csv-format.md#results-file)
    return list(csv.reader(io.StringIO(text[1:], newline="")))


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_every_trigger_is_escaped(trigger):
    assert escape_formula(f"{trigger}SUM(A1)") == f"'{trigger}SUM(A1)"


@pytest.mark.parametrize("cell", ["", "Smith", "'=already", " =leading space", "a=b", "O'Brien", "1+1"])
def test_other_cells_are_left_alone(cell):
    assert escape_formula(cell) == cell


def test_header_and_rows_in_original_order_with_result_cells():
    lines = [
        ResultLine(row(First_Name="Jo", Last_Name="Smith"), RowResult.CREATED, "Created", "jo.smith@nhs.net", "Abc#2345defGHJk"),
        ResultLine(row(Email_Address="a.b@nhs.net", Status="leaver"), RowResult.LEAVER, "Marked as leaver", "a.b@nhs.net"),
        ResultLine(row(First_Name="Al", Last_Name="Ng"), RowResult.FAILED, "Directory unavailable"),
    ]
    text = results_csv(HEADER, lines, PASSWORD, has_result_columns=False)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    table = read(text)
    assert table[0] == HEADER + list(RESULT_COLUMNS)
    assert table[1] == lines[0].cells + ["Created", "Created", "jo.smith@nhs.net", "Abc#2345defGHJk"]
    assert table[2] == lines[1].cells + ["Leaver", "Marked as leaver", "a.b@nhs.net", ""]
    assert table[3] == lines[2].cells + ["Failed", "Directory unavailable", "", ""]
    assert len(table) == 4


def test_supplied_password_is_masked_and_blank_one_is_not():
    supplied = ResultLine(row(First_Name="Jo", Password="MySecret-Pass99"), RowResult.CREATED, "ok", "jo@x")
    blank = ResultLine(row(First_Name="Al", Password="  "), RowResult.CREATED, "ok", "al@x", "Gen#Pass2345word")
    text = results_csv(HEADER, [supplied, blank], PASSWORD, has_result_columns=False)
    assert "MySecret-Pass99" not in text
    table = read(text)
    assert table[1][PASSWORD] == MASKED_PASSWORD
    assert table[2][PASSWORD] == "  "
    assert table[2][-1] == "Gen#Pass2345word"


def test_no_password_column_masks_nothing():
    cells = ["a", "b"]
    text = results_csv(["X", "Y"], [ResultLine(cells, RowResult.UNCHANGED, "m")], None, has_result_columns=False)
    assert read(text)[1] == ["a", "b", "Unchanged", "m", "", ""]


def test_legacy_password_column():
    header = list(LEGACY_COLUMNS)
    cells = ["Smith", "Jo", "", "RX1", "", "", "", "", "Supplied-Pass-1", "4096"]
    index = LEGACY_COLUMNS.index("Password")
    table = read(results_csv(header, [ResultLine(cells, RowResult.CREATED, "ok", "jo.smith@x")], index, False))
    assert table[1][index] == MASKED_PASSWORD
    assert table[1][:index] == cells[:index]


def test_every_cell_is_escaped_including_phones_and_messages():
    cells = row(First_Name="=cmd|' /C calc'!A0", Business_Phone="+441632960001", Job_Title="@SUM(1)")
    line = ResultLine(cells, RowResult.FAILED, "-1 rows", "@x")
    table = read(results_csv(HEADER, [line], PASSWORD, False))
    assert table[1][CURRENT_COLUMNS.index("First Name")] == "'=cmd|' /C calc'!A0"
    assert table[1][CURRENT_COLUMNS.index("Business Phone")] == "'+441632960001"
    assert table[1][CURRENT_COLUMNS.index("Job Title")] == "'@SUM(1)"
    assert table[1][-4:] == ["Failed", "'-1 rows", "'@x", ""]


def test_reuploaded_results_file_replaces_its_result_columns():
    header = HEADER + list(RESULT_COLUMNS)
    old = row(First_Name="Jo", Last_Name="Smith", Password=MASKED_PASSWORD) + ["Failed", "Timed out", "", ""]
    text = results_csv(header, [ResultLine(old, RowResult.CREATED, "Created", "jo.smith@x", "")], PASSWORD, True)
    table = read(text)
    assert table[0] == HEADER + list(RESULT_COLUMNS)
    assert table[1] == old[: len(HEADER)] + ["Created", "Created", "jo.smith@x", ""]


def test_reuploaded_results_file_with_differently_cased_result_header_is_not_duplicated():
    header = HEADER + ["result", "MESSAGE", "assigned email", "Temporary password"]
    cells = row(First_Name="Jo") + ["Failed", "x", "", ""]
    table = read(results_csv(header, [ResultLine(cells, RowResult.UNCHANGED, "m")], PASSWORD, True))
    assert table[0] == HEADER + list(RESULT_COLUMNS)
    assert len(table[1]) == len(HEADER) + 4


def test_short_and_long_rows_keep_all_their_cells():
    header = ["A", "B", "C"]
    short = ResultLine(["1"], RowResult.FAILED, "Line has 1 cell, expected 3")
    long = ResultLine(["1", "2", "3", "4"], RowResult.FAILED, "Line has 4 cells, expected 3")
    table = read(results_csv(header, [short, long], None, False))
    assert table[1] == ["1", "Failed", "Line has 1 cell, expected 3", "", ""]
    assert table[2] == ["1", "2", "3", "4", "Failed", "Line has 4 cells, expected 3", "", ""]


def test_reuploaded_short_and_long_rows_drop_only_old_result_cells():
    header = ["A", "B", *RESULT_COLUMNS]
    short = ResultLine(["1", "2", "Failed"], RowResult.FAILED, "new")
    long = ResultLine(["1", "2", "Failed", "old", "", "", "extra"], RowResult.FAILED, "new")
    table = read(results_csv(header, [short, long], None, True))
    assert table[1] == ["1", "2", "Failed", "new", "", ""]
    assert table[2] == ["1", "2", "extra", "Failed", "new", "", ""]


def test_quotes_commas_and_line_breaks_survive_a_round_trip():
    tricky = row(First_Name='Jo "JJ"', Last_Name="Smith, Jr", Job_Title="Line one\r\nLine two", Display_Name="Zoë, 王")
    line = ResultLine(tricky, RowResult.UPDATED, 'Set "Job Title", and phone\nagain', "jo@x")
    text = results_csv(HEADER, [line], PASSWORD, False)
    table = read(text)
    assert len(table) == 2
    assert table[1] == tricky + ["Updated", 'Set "Job Title", and phone\nagain', "jo@x", ""]


def test_parse_results_csv_removes_only_the_escaping_quote():
    cells = row(First_Name="=1+2", Last_Name="'plain", Business_Phone="+441632960001", Title="-x")
    text = results_csv(HEADER, [ResultLine(cells, RowResult.CREATED, "@home", "a@x", "Pass#word2345Xy")], PASSWORD, False)
    [parsed] = parse_results_csv(text)
    assert parsed["First Name"] == "=1+2"
    assert parsed["Last Name"] == "'plain"
    assert parsed["Business Phone"] == "+441632960001"
    assert parsed["Title"] == "-x"
    assert parsed["Message"] == "@home"
    assert parsed["Result"] == "Created"
    assert parsed["Temporary Password"] == "Pass#word2345Xy"
    assert list(parsed) == HEADER + list(RESULT_COLUMNS)


def test_a_message_is_followed_by_each_validation_warning_as_a_sentence():
    from roster.contract.results_file import with_warnings

    assert with_warnings("Created.", []) == "Created."
    assert with_warnings("Moved", ["User already exists in Leaver state", "Check it."]) == (
        "Moved. Validation warning: User already exists in Leaver state. Validation warning: Check it.")


@pytest.mark.parametrize("has_result_columns", [False, True])
def test_given_the_lines_as_a_generator_when_written_then_the_text_is_the_one_a_list_gives(has_result_columns):
    header = HEADER + list(RESULT_COLUMNS) if has_result_columns else HEADER
    extra = ["Created", "old message", "", ""] if has_result_columns else []
    lines = [
        ResultLine(row(First_Name="Zoë", Last_Name="=Smith", Password="Xk9#mQ2$vL7!pR") + extra, RowResult.CREATED,
                   "Created, with a \"quote\"", "zoe.smith@nhs.net", "Abc#2345defGHJk"),
        ResultLine(row(Email_Address="a.b@nhs.net", Status="leaver") + extra, RowResult.LEAVER, "Marked as leaver"),
        ResultLine(row(First_Name="Al") + extra, RowResult.FAILED, "Not processed\nat all"),
    ]

    from_generator = results_csv(header, (line for line in lines), PASSWORD, has_result_columns)

    assert from_generator == results_csv(header, lines, PASSWORD, has_result_columns)
    assert len(read(from_generator)) == 1 + len(lines)
