"""Reading a workbook into the CSV reader's records (docs/csv-format.md, "Excel workbooks"), and
validating one: the same rules, worksheet rows as lines, cells as Excel shows them."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roster.contract.columns import CURRENT_COLUMNS
from roster.contract.findings import FileRejected
from roster.contract.reading import Record
from roster.contract.upload_file import read_upload
from roster.contract.workbook import DATE_CELL, ERROR_CELL, FORMULA_CELL, MERGED_CELL
from roster.validate.upload import UploadLimits, validate_upload
from tests.unit.validate.test_upload import ADMIN, a_directory
from tests.workbooks import ErrorValue, Formula, Inline, Sheet, one_sheet, workbook_bytes

LIMIT = 50 * 1024 * 1024


def records(raw: bytes) -> list[Record]:
    return list(read_upload(raw, LIMIT))


def user(**cells: object) -> list[object]:
    """A current-format row: a new user of RX1 unless told otherwise."""
    values: dict[str, object] = {"First Name": "Jane", "Last Name": "Doe", "Organisation ODSCode": "RX1", **cells}
    return [values.get(column, "") for column in CURRENT_COLUMNS]


def validated(*rows: list[object], **sheet: object):
    raw = one_sheet([list(CURRENT_COLUMNS), *rows], **sheet)
    return validate_upload(raw, ADMIN, a_directory(), UploadLimits(max_rows=1000, max_bytes=LIMIT))


def errors(outcome) -> list[tuple[int | None, str, str]]:
    return [(f.line, f.column, f.value) for f in outcome.findings if f.is_error]


@pytest.mark.parametrize("shared_strings", [True, False], ids=["shared strings", "inline strings"])
def test_text_cells_read_as_written_whether_shared_or_inline(shared_strings):
    rows = [["First Name", "Last Name"], ["Zoë", "O'Brien"], ["  José ", "Nowak"]]
    assert [r.cells for r in records(one_sheet(rows, shared_strings=shared_strings))] == rows


def test_an_inline_string_among_shared_strings_reads_as_text():
    assert records(one_sheet([["First Name"], [Inline("Ngozi")]]))[1].cells == ["Ngozi"]


def test_lines_are_worksheet_rows_and_blank_rows_keep_their_number():
    found = records(one_sheet([["First Name"], ["Ann"], [], ["Bob"]]))
    assert [(r.line, r.cells) for r in found] == [(1, ["First Name"]), (2, ["Ann"]), (3, [""]), (4, ["Bob"])]


def test_rows_above_the_header_are_blank_lines_as_in_a_csv():
    found = records(one_sheet([["First Name"], ["Ann"]], first_row=3))
    assert [(r.line, r.cells) for r in found] == [(1, []), (2, []), (3, ["First Name"]), (4, ["Ann"])]


def test_columns_left_of_the_first_cell_are_blank_cells_as_in_a_csv():
    found = records(one_sheet([[None, "First Name"], [None, "Ann"]], first_row=2))
    assert [(r.line, r.cells) for r in found] == [(1, []), (2, ["", "First Name"]), (3, ["", "Ann"])]


@pytest.mark.parametrize("number, shown", [
    (447912345678, "447912345678"),     # never 4.47912E+11
    (7912345678, "7912345678"),         # the leading 0 Excel dropped stays dropped, as Excel shows it
    (4, "4"), (4.0, "4"), (4.5, "4.5"),
    (0.1 + 0.2, "0.3"),                 # Excel's 15 significant digits
    (1e20, "100000000000000000000"),
    (True, "TRUE"), (False, "FALSE"),
])
def test_number_and_boolean_cells_read_as_excel_shows_them(number, shown):
    assert records(one_sheet([["Mobile Phone"], [number]]))[1].cells == [shown]


def test_a_date_cell_is_a_problem_of_its_cell_saying_what_to_do():
    [_, row] = records(one_sheet([["Job Title", "First Name"], [datetime.date(2024, 3, 1), "Ann"]]))
    assert row.cells == ["2024-03-01", "Ann"]
    assert row.cell_problems == ((0, DATE_CELL.format(value="2024-03-01")),)


def test_a_formula_cell_is_a_problem_of_its_cell_whatever_value_it_saved():
    sheet = [["First Name", "Last Name", "Job Title"],
             ["Ann", Formula('UPPER("lee")', "LEE"), Formula("1/0")],
             [Formula("A2"), "Fox", "Nurse"]]
    found = records(one_sheet(sheet))
    assert found[1].cells[:2] == ["Ann", "LEE"]
    assert found[1].cell_problems == ((1, FORMULA_CELL), (2, FORMULA_CELL))
    assert found[2].cell_problems == ((0, FORMULA_CELL),)


def test_an_error_value_typed_into_a_cell_is_a_problem_not_a_blank():
    # Typing #N/A makes an error value, which the parser reads as a blank cell.
    raw = one_sheet([["First Name", "Mobile Phone"], ["Ann", ErrorValue("#N/A")], ["Bob", "07912 345678"]])
    found = records(raw)
    assert found[1].cells == ["Ann", ""] and found[1].cell_problems == ((1, ERROR_CELL),)
    assert found[2].cell_problems == ()


def test_merged_cells_are_a_problem_on_every_row_they_cover():
    sheet = [["First Name", "Last Name"], ["Ann", "Lee"], ["Bob", None], ["Cat", "Ray"]]
    found = records(one_sheet(sheet, merged=["B2:B3"]))
    message = MERGED_CELL.format(cells="B2:B3")
    assert [r.cell_problems for r in found[1:]] == [((1, message),), ((1, message),), ()]


def test_a_value_past_the_headers_last_column_is_a_line_problem():
    found = records(one_sheet([["First Name", "Last Name"], ["Ann", "Lee", None, "note"], ["Bob", "Fox"]]))
    assert found[1].problem and "column D, past the header's last column (B)" in found[1].problem
    assert found[2].cells == ["Bob", "Fox"] and found[2].problem is None


def test_a_hidden_first_sheet_is_passed_over_for_the_first_one_a_person_sees():
    raw = workbook_bytes([Sheet("Lookup", [["secret"]], state="hidden"),
                          Sheet("Staff", [["First Name"], ["Ann"]]),
                          Sheet("Other", [["First Name"], ["Zed"]])])
    assert [r.cells for r in records(raw)] == [["First Name"], ["Ann"]]


def test_a_workbook_whose_sheets_are_all_hidden_is_refused():
    raw = workbook_bytes([Sheet("A", [["x"]], state="hidden"), Sheet("B", [["y"]], state="veryHidden")])
    with pytest.raises(FileRejected, match="no visible worksheet"):
        records(raw)


def test_the_stated_dimension_is_not_what_is_read():
    raw = one_sheet([["First Name"], ["Ann"]], dimension="A1:XFD1048576")
    assert [r.cells for r in records(raw)] == [["First Name"], ["Ann"]]


def test_a_workbook_over_the_upload_limit_is_refused_by_its_size_first():
    raw = one_sheet([["First Name"], ["Ann"]])
    with pytest.raises(FileRejected, match="above the"):
        list(read_upload(raw, len(raw) - 1))


# -- through validation: the same rules as a CSV ------------------------------------------
def test_a_phone_number_excel_turned_into_a_number_validates_as_the_uk_number_it_was():
    outcome = validated(user(**{"Mobile Phone": 447912345678}), user(**{"First Name": "Ann", "Mobile Phone": 7912345679}))
    assert outcome.ok, outcome.findings
    assert [row.fields.mobile_phone for row in outcome.rows] == ["+447912345678", "+447912345679"]


def test_a_date_and_a_formula_are_line_errors_on_their_row_and_column():
    outcome = validated(user(), user(**{"Job Title": datetime.date(2024, 3, 1)}),
                        user(**{"First Name": "Ann", "Last Name": Formula('"Doe"', "Doe")}))
    assert errors(outcome) == [(3, "Job Title", "2024-03-01"), (4, "Last Name", "Doe")]
    assert not outcome.ok


def test_every_other_rule_applies_unchanged():
    outcome = validated(user(Title="Sir"), user(**{"Organisation ODSCode": "ZZZ9"}))
    assert [(line, column) for line, column, _ in errors(outcome)] == [(2, "Title"), (3, "Organisation ODSCode")]


def test_a_workbook_with_a_wrong_header_is_refused_as_a_csv_would_be():
    raw = one_sheet([["Name", "Surname"], ["Ann", "Lee"]])
    outcome = validate_upload(raw, ADMIN, a_directory(), UploadLimits(max_rows=1000, max_bytes=LIMIT))
    assert not outcome.ok and outcome.findings[0].line is None


# -- whatever the sheet holds: records or one file-level refusal, never a crash -------------
def _with_sheet(raw: bytes, sheet: bytes) -> bytes:
    import io
    import zipfile

    source, target = zipfile.ZipFile(io.BytesIO(raw)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, sheet if info.filename == "xl/worksheets/sheet1.xml"
                             else source.read(info))
    return target.getvalue()


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_a_damaged_sheet_is_read_or_refused_as_a_whole_never_a_crash(data):
    import io
    import zipfile

    raw = one_sheet([["First Name", "Mobile Phone"], ["Ann", 447912345678], ["Bob", Formula("A2")]], merged=["A3:B3"])
    sheet = bytearray(zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml"))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(sheet) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            sheet[at] = data.draw(st.sampled_from(b'<>/"=rcfvt 0123456789AZ:e'))
        elif action == "cut":
            del sheet[at: at + data.draw(st.integers(1, 20))]
        else:
            sheet[at:at] = data.draw(st.sampled_from([b'<c r="XFD1">', b"<f>", b' r="A9"', b"</row>", b"<row>",
                                                      b'<c r="B2" t="e"><v>#N/A</v></c>', b"<!DOCTYPE x>"]))
    try:
        found = records(_with_sheet(raw, bytes(sheet)))
    except FileRejected as refused:
        assert refused.message
        return
    for record in found:
        assert all(isinstance(cell, str) for cell in record.cells)
        assert all(column >= 0 for column, _ in record.cell_problems)
