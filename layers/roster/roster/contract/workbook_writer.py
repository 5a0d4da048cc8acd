"""Writing the workbooks Roster hands out (docs/csv-format.md, "Excel workbooks"): the sample
workbook and the results of a workbook upload. One worksheet, every column formatted as Text (so
that what a person types later keeps its leading zeros and `+`), every cell a string.

Formula-safe without changing a value: a cell is never written as a formula, and one that would
start one when typed again (=, +, -, @) carries Excel's quote prefix, the `'` Excel itself shows
for such text; the file reads back exactly as written. Written here rather than with openpyxl
or XlsxWriter: 150,000 result rows take a few seconds here, and 20 to 40 s with either
(README, dependencies)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from io import BytesIO
from xml.sax.saxutils import escape

from roster.contract.spreadsheet import FORMULA_STARTS
from roster.contract.workbook_scan import column_letters

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
# Characters XML 1.0 cannot hold (or, as a carriage return, keeps only as a line feed), and text
# that Excel would take for one of its _xHHHH_ escapes.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_ROWS_PER_WRITE = 2000
XLSX_CONTENT_TYPE = f"{_TYPE}.sheet"
# Style 1: Text (number format 49); 2: Text with the quote prefix; 3: Text, bold (the header row).
_STYLES = (f'{_XML}<styleSheet xmlns="{_MAIN_NS}">'
           '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill>'
           '<fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
           '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/>'
           '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>'
           '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           "</styleSheet>")


def _text(value: str) -> str:
    return escape(_UNWRITABLE.sub(lambda m: f"_x{ord(m.group()):04X}_", value))


def _sheet_name(name: str) -> str:
    # Excel's rules: 1 to 31 characters, none of \ / ? * [ ] :, and no ' at either end.
    kept = re.sub(r"[\\/?*\[\]:\x00-\x1f]", " ", name).strip().strip("'")[:31].strip() or "Users"
    return escape(kept, {'"': "&quot;"})


def _row(number: int, cells: Sequence[object], style: int) -> str:
    parts = [f'<row r="{number}">']
    for index, cell in enumerate(cells):
        value = "" if cell is None else str(cell)
        if not value:
            continue
        shown = 2 if style == 1 and value.startswith(FORMULA_STARTS) else style
        parts.append(f'<c r="{column_letters(index)}{number}" s="{shown}" t="inlineStr"><is><t xml:space="preserve">'
                     f"{_text(value)}</t></is></c>")
    parts.append("</row>")
    return "".join(parts)


def workbook_bytes(header: Sequence[str], rows: Iterable[Sequence[object]], sheet_name: str = "Users",
                   column_count: int | None = None) -> bytes:
    """The .xlsx file: `header` in bold on row 1, then `rows`, every column formatted as Text
    (`column_count` columns at least, so that blank ones are Text too). `rows` is read once."""
    width = max(len(header), column_count or 0, 1)
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("[Content_Types].xml", _content_types())
        archive.writestr("_rels/.rels", f'{_XML}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
                                        f'Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/workbook.xml", f'{_XML}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_DOC_REL}"><sheets>'
                                            f'<sheet name="{_sheet_name(sheet_name)}" sheetId="1" r:id="rId1"/>'
                                            "</sheets></workbook>")
        archive.writestr("xl/_rels/workbook.xml.rels",
                         f'{_XML}<Relationships xmlns="{_PKG_REL}">'
                         f'<Relationship Id="rId1" Type="{_DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
                         f'<Relationship Id="rId2" Type="{_DOC_REL}/styles" Target="styles.xml"/></Relationships>')
        archive.writestr("xl/styles.xml", _STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'{_XML}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_DOC_REL}">'
                        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                        f'<cols><col min="1" max="{width}" width="22" style="1" customWidth="1"/></cols>'
                        f"<sheetData>{_row(1, header, 3)}".encode())
            batch: list[str] = []
            for number, cells in enumerate(rows, start=2):
                batch.append(_row(number, cells, 1))
                if len(batch) == _ROWS_PER_WRITE:
                    sheet.write("".join(batch).encode())
                    batch.clear()
            sheet.write(("".join(batch) + "</sheetData></worksheet>").encode())
    return buffer.getvalue()


def _content_types() -> str:
    return (f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/></Types>')
