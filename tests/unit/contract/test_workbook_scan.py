"""The worksheet's XML looked at before the parser lays it out (docs/csv-format.md, "Excel
workbooks"): cells far away, cells without a position, and where the formulas are."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roster.contract import workbook
from roster.contract.findings import FileRejected
from roster.contract.upload_file import read_upload
from roster.contract.workbook_scan import MAX_ROW, _greater_than, column_index, column_letters, scan_sheet
from tests.workbooks import MAIN_NS, Formula, one_sheet

LIMIT = 50 * 1024 * 1024


@pytest.fixture
def parser_never_called(monkeypatch):
    """Fails the test if the parser is handed the file (a refusal must come first)."""
    def refuse(*args, **kwargs):
        raise AssertionError("the parser was given a workbook that should have been refused")
    monkeypatch.setattr(workbook.CalamineWorkbook, "from_filelike", refuse)


def sheet_xml(cells: str, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN_NS}"' if prefix else f'xmlns="{MAIN_NS}"'
    return f'<?xml version="1.0"?><{p}worksheet {xmlns}><{p}sheetData>{cells}</{p}sheetData></{p}worksheet>'.encode()


def test_one_cell_in_the_last_column_of_the_sheet_is_refused_before_parsing(parser_never_called):
    # A 2 KB file: laid out densely from A1, a cell at XFD12 is 196,608 cells; at XFD1048576, 17 billion.
    far = one_sheet([["First Name"], ["Ann"], *[[]] * 9, [None] * 16383 + ["x"]])
    assert len(far) < 4096
    with pytest.raises(FileRejected, match="a cell at XFD12, outside columns A to Z"):
        list(read_upload(far, LIMIT))


@pytest.mark.parametrize("cells, where", [
    ('<row r="2"><c r="AA2" t="inlineStr"><is><t>x</t></is></c></row>', "AA2"),
    (f'<row r="{MAX_ROW + 1}"><c r="A{MAX_ROW + 1}"><v>1</v></c></row>', f"A{MAX_ROW + 1}"),
    ('<row r="2"><c r="A0001048576"><v>1</v></c></row>', "A0001048576"),
    ('<row r="2"><c r="B999999999"><v>1</v></c></row>', "B999999999"),
])
def test_a_cell_out_of_bounds_is_refused_naming_it(cells, where):
    with pytest.raises(FileRejected) as caught:
        scan_sheet(iter([sheet_xml(cells)]), "xl/worksheets/sheet1.xml")
    assert f"a cell at {where.upper()}" in caught.value.message


def test_the_last_row_allowed_passes():
    scan_sheet(iter([sheet_xml(f'<row r="{MAX_ROW}"><c r="Z{MAX_ROW}"><v>1</v></c></row>')]), "sheet")


@pytest.mark.parametrize("cells", [
    '<row r="1"><c t="inlineStr"><is><t>x</t></is></c></row>',
    '<row><c r="A1"><v>1</v></c></row>',
    '<row r="1"><c r = "A1"><v>1</v></c></row>',  # a position the scan could not see is no position
])
def test_cells_or_rows_without_their_position_are_refused(cells):
    with pytest.raises(FileRejected, match="without their position"):
        scan_sheet(iter([sheet_xml(cells)]), "sheet")


@pytest.mark.parametrize("cells", [
    '<row r="1"><c r="A1"\tr="XFD9"><v>1</v></c></row>',  # the parser takes the last one
    '<row r="1"><c\tr="XFD9"><v>1</v></c></row>',
    "<row r='1'><c r='XFD9'><v>1</v></c></row>",
])
def test_a_position_written_in_another_form_is_refused(cells):
    with pytest.raises(FileRejected, match="in a way Excel never writes"):
        scan_sheet(iter([sheet_xml(cells)]), "sheet")


def test_attributes_merely_ending_in_r_are_no_positions():
    cells = '<row r="1" spans="1:2"><c r="A1"><v>1</v></c></row>'
    xml = sheet_xml(cells).replace(b"</worksheet>", b'<headerFooter><oddHeader>r=</oddHeader></headerFooter>'
                                                     b'<pageMargins header="0.3" footer="0.3"/></worksheet>')
    assert scan_sheet(iter([xml]), "sheet").formulas == set()


def test_a_workbook_whose_cells_carry_no_positions_is_refused_before_parsing(parser_never_called):
    raw = one_sheet([["First Name"], ["Ann"]], cell_refs=False)
    with pytest.raises(FileRejected, match="without their position"):
        list(read_upload(raw, LIMIT))


def test_formulas_are_found_with_a_namespace_prefix_too():
    cells = ('<x:row r="2"><x:c r="C2" t="str"><x:f>A1</x:f><x:v>1</x:v></x:c></x:row>'
             '<x:row r="3"><x:c r="A3"><x:f t="shared" si="0"/><x:v>2</x:v></x:c></x:row>')
    assert scan_sheet(iter([sheet_xml(cells, "x")]), "sheet").formulas == {(1, 2), (2, 0)}


def test_formulas_are_found_wherever_the_sheet_is_cut_into_pieces():
    rows = [["First Name", "Last Name"]] + [["Ann", Formula("A1") if n % 997 == 0 else "Lee"] for n in range(40000)]
    raw = one_sheet(rows)
    expected = {(n + 1, 1) for n in range(40000) if n % 997 == 0}
    found = list(read_upload(raw, LIMIT))
    assert {(r.line - 1, index) for r in found for index, _ in r.cell_problems} == expected
    xml = re.sub(rb"\s+", b" ", sheet_xml("".join(
        f'<row r="{n}"><c r="B{n}" t="str"><f>A1</f><v>x</v></c></row>' for n in range(1, 3000))))
    for size in (7, 64, 1000):
        pieces = iter([xml[i:i + size] for i in range(0, len(xml), size)])
        assert scan_sheet(pieces, "sheet").formulas == {(n - 1, 1) for n in range(1, 3000)}


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=0, max_value=10**9))
def test_the_pattern_of_numbers_above_a_limit_matches_exactly_those(limit, number):
    pattern = re.compile(_greater_than(limit))
    for written in (str(number), "00" + str(number)):
        assert bool(pattern.fullmatch(written)) == (number > limit)


@given(st.integers(min_value=0, max_value=16383))
def test_column_letters_and_indexes_are_inverse(index):
    assert column_index(column_letters(index)) == index
