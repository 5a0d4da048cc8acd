"""Workbooks made part by part for the tests and the benchmark, as Excel and other tools write
them: shared or inline strings, number, date, boolean and formula cells, merged cells, hidden
sheets, macros. Every part is written here, so a test controls exactly what the reader meets."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_EPOCH = datetime.datetime(1899, 12, 30)


@dataclass(frozen=True)
class Formula:
    """A formula cell; `cached` is the value Excel saved beside it (None: none saved)."""

    text: str
    cached: str | None = None


@dataclass(frozen=True)
class ErrorValue:
    """An error value typed into a cell (#N/A), no formula."""

    text: str


@dataclass(frozen=True)
class Inline:
    """A string cell written inline (t="inlineStr"), as some tools write them."""

    text: str


@dataclass
class Sheet:
    name: str
    rows: Sequence[Sequence[object]] = ()
    state: str = "visible"  # or hidden, veryHidden
    merged: Sequence[str] = ()  # ranges such as "A2:B2"
    dimension: str | None = None  # written as stated, whatever the cells are
    first_row: int = 1
    cell_refs: bool = True  # False: cells without r attributes, as some writers leave them


@dataclass
class _Strings:
    shared: bool
    table: dict[str, int] = field(default_factory=dict)

    def index(self, text: str) -> int:
        return self.table.setdefault(text, len(self.table))


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(ref: str, value: object, strings: _Strings) -> str:
    r = f' r="{ref}"' if ref else ""
    if value is None or value == "":
        return ""
    if isinstance(value, Formula):
        cached = "" if value.cached is None else f"<v>{escape(value.cached)}</v>"
        return f'<c{r} t="str"><f>{escape(value.text)}</f>{cached}</c>'
    if isinstance(value, ErrorValue):
        return f'<c{r} t="e"><v>{escape(value.text)}</v></c>'
    if isinstance(value, Inline):
        return f'<c{r} t="inlineStr"><is><t>{escape(value.text)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c{r} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime.date):
        moment = value if isinstance(value, datetime.datetime) else datetime.datetime.combine(value, datetime.time())
        serial = (moment - _EPOCH).total_seconds() / 86400
        return f'<c{r} s="1"><v>{serial:g}</v></c>'
    if isinstance(value, int | float):
        return f"<c{r}><v>{value!r}</v></c>"
    text = str(value)
    if strings.shared:
        return f'<c{r} t="s"><v>{strings.index(text)}</v></c>'
    return f'<c{r} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def _sheet_xml(sheet: Sheet, strings: _Strings) -> Iterable[str]:
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
    if sheet.dimension:
        yield f'<dimension ref="{sheet.dimension}"/>'
    yield "<sheetData>"
    for number, row in enumerate(sheet.rows, start=sheet.first_row):
        cells = "".join(_cell(f"{column_letters(i)}{number}" if sheet.cell_refs else "", v, strings)
                        for i, v in enumerate(row))
        yield f'<row r="{number}">{cells}</row>' if sheet.cell_refs else f"<row>{cells}</row>"
    yield "</sheetData>"
    if sheet.merged:
        yield f'<mergeCells count="{len(sheet.merged)}">'
        yield "".join(f'<mergeCell ref="{ref}"/>' for ref in sheet.merged)
        yield "</mergeCells>"
    yield "</worksheet>"


_STYLES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN_NS}">'
           '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
           '<borders count="1"><border/></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
           "</styleSheet>")


def workbook_bytes(sheets: Sequence[Sheet], shared_strings: bool = True, macros: bool = False,
                   extra_parts: dict[str, bytes] | None = None, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The workbook's bytes, its sheets in order (the first one is the one Roster reads)."""
    strings = _Strings(shared_strings)
    parts: dict[str, str | bytes] = {}
    for number, sheet in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{number}.xml"] = "".join(_sheet_xml(sheet, strings))
    main_type = ("application/vnd.ms-excel.sheet.macroEnabled.main+xml" if macros
                 else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
    overrides = [f'<Override PartName="/xl/workbook.xml" ContentType="{main_type}"/>',
                 '<Override PartName="/xl/styles.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>']
    overrides += [f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                  'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for n in range(1, len(sheets) + 1)]
    rels = [f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(sheets) + 1)]
    rels.append(f'<Relationship Id="rIdStyles" Type="{REL_NS}/styles" Target="styles.xml"/>')
    if strings.shared:
        items = "".join(f'<si><t xml:space="preserve">{escape(t)}</t></si>' for t in strings.table)
        parts["xl/sharedStrings.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="'
                                         f'{MAIN_NS}" count="{len(strings.table)}" uniqueCount="{len(strings.table)}">'
                                         f"{items}</sst>")
        overrides.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        rels.append(f'<Relationship Id="rIdStrings" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>')
    if macros:
        parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
        rels.append('<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/'
                    'vbaProject" Target="vbaProject.bin"/>')
    sheet_entries = "".join(
        f'<sheet name="{escape(s.name)}" sheetId="{n}" r:id="rId{n}"'
        + ("" if s.state == "visible" else f' state="{s.state}"') + "/>"
        for n, s in enumerate(sheets, start=1))
    parts["xl/workbook.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN_NS}"'
                                f' xmlns:r="{REL_NS}"><sheets>{sheet_entries}</sheets></workbook>')
    parts["xl/_rels/workbook.xml.rels"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                           f'<Relationships xmlns="{PKG_REL_NS}">{"".join(rels)}</Relationships>')
    parts["xl/styles.xml"] = _STYLES
    parts["_rels/.rels"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
                            f'{PKG_REL_NS}"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" '
                            'Target="xl/workbook.xml"/></Relationships>')
    defaults = ('<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                + ('<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>' if macros else ""))
    content_types = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
                     f'openxmlformats.org/package/2006/content-types">{defaults}{"".join(overrides)}</Types>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        for name, body in {**parts, **(extra_parts or {})}.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def one_sheet(rows: Sequence[Sequence[object]], **options: object) -> bytes:
    """A workbook of one visible sheet holding these rows from row 1."""
    shared = bool(options.pop("shared_strings", True))
    return workbook_bytes([Sheet("Users", rows, **options)], shared_strings=shared)  # type: ignore[arg-type]
