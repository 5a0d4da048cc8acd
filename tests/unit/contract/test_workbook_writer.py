"""The workbooks Roster writes (docs/csv-format.md, "Excel workbooks"): every column Text, every
cell a string, formula-safe without changing a value, read back exactly, by Roster and by openpyxl."""

from __future__ import annotations

import io

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from roster.contract.upload_file import read_upload
from roster.contract.workbook_writer import workbook_bytes

HEADER = ["First Name", "Mobile Phone", "Note"]


def opened(raw: bytes):
    return openpyxl.load_workbook(io.BytesIO(raw)).worksheets[0]


def test_every_cell_is_a_string_in_a_text_column_and_the_header_is_bold():
    raw = workbook_bytes(HEADER, [["Jane", "07912 345123", "4"], ["Ann", "+447912345124", ""]], column_count=5)
    sheet = opened(raw)
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        HEADER, ["Jane", "07912 345123", "4"], ["Ann", "+447912345124", None]]
    assert all(c.data_type == "s" and c.number_format == "@" for row in sheet.iter_rows() for c in row if c.value)
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    # Blank cells, and columns past the data, are Text too: what is typed there later stays as typed.
    columns = sheet.column_dimensions["A"]
    assert (columns.min, columns.max) == (1, 5) and columns.number_format == "@"


def test_a_cell_that_would_start_a_formula_keeps_its_value_and_carries_the_quote_prefix():
    raw = workbook_bytes(HEADER, [["=HYPERLINK(\"http://x\")", "+447912345678", "-1"], ["@SUM(A1)", "x", "ok"]])
    sheet = opened(raw)
    assert sheet["A2"].value == '=HYPERLINK("http://x")' and sheet["A2"].data_type == "s"
    assert all(sheet[ref].quotePrefix for ref in ("A2", "B2", "C2", "A3"))
    assert not sheet["B3"].quotePrefix and not sheet["C3"].quotePrefix


def test_characters_xml_cannot_hold_and_excel_escapes_come_back_as_written():
    row = ["a\x01b", "_x0041_", "tab\there\r\nnext"]
    assert opened(workbook_bytes(HEADER, [row]))["A2"].value is not None
    assert [r.cells for r in read_upload(workbook_bytes(HEADER, [row]), 1 << 20)][1] == row


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=12), min_size=3, max_size=3),
                min_size=1, max_size=6))
def test_what_is_written_reads_back_unchanged(rows):
    raw = workbook_bytes(HEADER, rows)
    found = list(read_upload(raw, 1 << 24))
    assert found[0].cells == HEADER
    body = {r.line: r.cells for r in found[1:]}
    for line, row in enumerate(rows, start=2):
        # A row's trailing blank cells are not written (Excel writes none either).
        expected = list(row)
        while expected and not expected[-1].strip():
            expected.pop()
        assert body.get(line, [])[: len(expected)] == expected
        assert all(not cell.strip() for cell in body.get(line, [])[len(expected):])


def test_a_big_results_file_is_written_as_it_is_read():
    rows = ([f"Name{n}", f"0791234{n:04d}", ""] for n in range(5000))
    sheet = opened(workbook_bytes(HEADER, rows))
    assert sheet.max_row == 5001 and sheet["B5001"].value == "07912344999"


def test_a_sheet_name_is_kept_within_excels_rules():
    assert opened(workbook_bytes(HEADER, [], sheet_name='Staff "Q1" [draft]: new/old')).title == 'Staff "Q1"  draft   new old'
    assert opened(workbook_bytes(HEADER, [], sheet_name="'" + "x" * 40)).title == "x" * 31
    assert opened(workbook_bytes(HEADER, [], sheet_name="")).title == "Users"
