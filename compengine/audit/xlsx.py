"""A small, fast writer of .xlsx files whose cells are built as polars string columns.

Why not openpyxl's write-only mode: it creates a Python object per cell and wrote about
110,000 cells a second here; the workbook of 20,000 rep-periods holds over two million cells
(a Breakdown row per component), which took well over the 20 seconds allowed. Here every
column of a sheet is one vectorised polars expression that renders the cell's SpreadsheetML
(`<c r="H7" s="3"><f>...</f></c>`), so the whole sheet is a handful of string operations.
openpyxl still reads these files back in the tests.

Formulas are written without cached values and the workbook asks for a full calculation on
load, so Excel and LibreOffice show freshly calculated numbers.
"""

from __future__ import annotations

import re
import string
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl

from compengine.errors import ExportError, Reason

MAX_ROWS = 1_048_576  # rows of one Excel sheet
MAX_CELL = 32_767  # characters of one Excel cell
# Characters XML 1.0 cannot hold; shown as U+FFFD so the file stays valid and the change shows
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
CUT = " [cut here: a cell holds 32,767 characters; the input file holds the whole text]"


def letter(index: int) -> str:
    """The column letter of a 0-based column index (0 -> A, 26 -> AA)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def quote_sheet(name: str) -> str:
    """A sheet name as a formula refers to it."""
    return name if name.isalnum() else "'" + name.replace("'", "''") + "'"


@dataclass
class Styles:
    """The workbook's number formats and cell styles, registered as the sheets need them."""

    formats: dict[str, int] = field(default_factory=dict)  # custom code -> numFmtId
    xfs: list[tuple[int, bool, bool]] = field(default_factory=lambda: [(0, False, False)])

    def style(self, number_format: str = "General", bold: bool = False, wrap: bool = False) -> int:
        """The index of the cell style with this number format (and weight, wrapping)."""
        if number_format == "General":
            fmt = 0
        else:
            fmt = self.formats.setdefault(number_format, 164 + len(self.formats))
        key = (fmt, bold, wrap)
        if key not in self.xfs:
            self.xfs.append(key)
        return self.xfs.index(key)

    def xml(self) -> str:
        formats = "".join(
            f'<numFmt numFmtId="{i}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>'
            for code, i in self.formats.items()
        )
        xfs = "".join(
            f'<xf numFmtId="{fmt}" fontId="{int(bold)}" fillId="0" borderId="0" xfId="0"'
            + (' applyNumberFormat="1"' if fmt else "")
            + (' applyFont="1"' if bold else "")
            + (
                ' applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf>'
                if wrap
                else "/>"
            )
            for fmt, bold, wrap in self.xfs
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<numFmts count="{len(self.formats)}">{formats}</numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
            f'<cellXfs count="{len(self.xfs)}">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


@dataclass
class Column:
    """One column of a sheet: its header, width, and the expression rendering its cells.

    ``cells`` is a polars String expression giving each row's whole ``<c>`` element (null
    for an empty cell), built with :func:`text`, :func:`number` or :func:`formula`.
    """

    header: str
    width: float
    cells: pl.Expr | None = None


def _ref(col: str, row: pl.Expr) -> list[pl.Expr]:
    return [pl.lit(f'<c r="{col}'), row.cast(pl.String), pl.lit('"')]


def text(col: str, value: pl.Expr, row: pl.Expr, style: int = 0) -> pl.Expr:
    """Cells holding the text of ``value`` (XML-escaped); null stays empty.

    A text longer than a cell holds is cut with a note saying so, never silently.
    """
    whole = value.cast(pl.String)
    cut = whole.str.head(MAX_CELL - len(CUT)) + pl.lit(CUT)
    safe = (
        pl.when(whole.str.len_chars() > MAX_CELL)
        .then(cut)
        .otherwise(whole)
        .str.replace_all(CONTROL.pattern, "\ufffd")
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )
    return pl.concat_str(
        [
            *_ref(col, row),
            pl.lit(f' s="{style}" t="inlineStr"><is><t xml:space="preserve">'),
            safe,
            pl.lit("</t></is></c>"),
        ]
    )


def number(col: str, value: pl.Expr, row: pl.Expr, style: int = 0) -> pl.Expr:
    """Cells holding the number whose decimal text is ``value``; null stays empty."""
    return pl.concat_str(
        [*_ref(col, row), pl.lit(f' s="{style}"><v>'), value.cast(pl.String), pl.lit("</v></c>")]
    )


def formula(
    col: str, template: str, row: pl.Expr, style: int = 0, cached: pl.Expr | None = None
) -> pl.Expr:
    """Formula cells from ``template``, whose ``{name}`` fields are columns of the frame.

    ``{r}`` is usually the cell's own row; fields are filled per row, so one template gives
    a whole column. The template is written without the leading ``=``. ``cached``: the
    decimal text of the value the formula gives, stored with it for readers that do not
    calculate (Excel's Protected View, file previews); a spreadsheet recalculates anyway.
    """
    parts: list[pl.Expr] = [*_ref(col, row), pl.lit(f' s="{style}"><f>')]
    for literal_text, name, _spec, _conv in string.Formatter().parse(template):
        if literal_text:
            parts.append(pl.lit(escape(literal_text)))
        if name is not None:
            parts.append(pl.col(name).cast(pl.String))
    parts.append(pl.lit("</f>"))
    if cached is not None:  # (none where the value is missing)
        value = pl.concat_str([pl.lit("<v>"), cached.cast(pl.String), pl.lit("</v>")])
        parts.append(value.fill_null(""))
    parts.append(pl.lit("</c>"))
    return pl.concat_str(parts)


@dataclass
class Sheet:
    """A sheet: columns over a frame, a frozen header row, optional extra leading rows."""

    name: str
    columns: list[Column]
    frame: pl.DataFrame  # the fields the cells read, with ``r`` the sheet row; one per row
    header_style: int = 0
    freeze: str | None = "A2"  # the top-left cell below and right of the frozen panes
    rows: list[str] | None = None  # pre-rendered <row> elements (used instead of frame)

    def xml(self) -> bytes:
        cols = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{c.width}" customWidth="1"/>'
            for i, c in enumerate(self.columns)
        )
        pane = ""
        if self.freeze:
            pane = (
                '<sheetViews><sheetView workbookViewId="0">'
                f'<pane ySplit="{int(self.freeze[1:]) - 1}" topLeftCell="{self.freeze}" '
                'activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft"/></sheetView></sheetViews>'
            )
        header = "".join(
            f'<c r="{letter(i)}1" s="{self.header_style}" t="inlineStr"><is><t>'
            f"{escape(c.header)}</t></is></c>"
            for i, c in enumerate(self.columns)
            if c.header
        )
        body = "\n".join(self.rows) if self.rows is not None else self._body()
        height = 1 + (len(self.rows) if self.rows is not None else self.frame.height)
        dimension = f'<dimension ref="A1:{letter(max(len(self.columns), 1) - 1)}{height}"/>'
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"{dimension}{pane}<cols>{cols}</cols><sheetData>"
            f'<row r="1">{header}</row>\n{body}</sheetData></worksheet>'
        ).encode()

    def _body(self) -> str:
        if self.frame.height == 0:
            return ""
        if self.frame.height + 1 > MAX_ROWS:
            raise ExportError(
                f"sheet {self.name}: {self.frame.height:,} rows do not fit a sheet "
                f"({MAX_ROWS:,} rows). Hint: audit fewer reps or periods at a time.",
                Reason.EXPORT,
            )
        rendered = self.frame.select(row_xml(self.columns).alias("xml"))
        return "\n".join(rendered["xml"].to_list())


def row_xml(columns: list[Column]) -> pl.Expr:
    """Each frame row's whole ``<row>`` element (the frame's ``r`` is the sheet row)."""
    cells = [c.cells.fill_null("") for c in columns if c.cells is not None]
    return pl.concat_str(
        [pl.lit('<row r="'), pl.col("r").cast(pl.String), pl.lit('">'), *cells, pl.lit("</row>")]
    )


def write(path: Path, sheets: list[Sheet], styles: Styles) -> None:
    """Write ``sheets`` (in order) and ``styles`` as an .xlsx file at ``path``."""
    names = "".join(
        f'<sheet name="{escape(s.name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
        for i, s in enumerate(sheets)
    )
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
        for i in range(len(sheets))
    )
    n = len(sheets)
    rels += (
        f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/styles" Target="styles.xml"/>'
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(n)
    )
    ns = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>",
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships {ns}>'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets>{names}</sheets><calcPr calcId="191029" fullCalcOnLoad="1"/></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships {ns}>'
            f"{rels}</Relationships>",
        )
        z.writestr("xl/styles.xml", styles.xml())
        for i, sheet in enumerate(sheets):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", sheet.xml())


@dataclass(frozen=True)
class Formula:
    """A formula (written without ``=``) for a cell of a small sheet."""

    text: str


@dataclass(frozen=True)
class Styled:
    """A value of a small sheet's cell with its style."""

    value: object
    style: int


def small_rows(rows: list[list[object]], first: int = 2) -> list[str]:
    """Render the rows of a small sheet (plan, run, notes) cell by cell.

    A cell is text, an int or Decimal (a number), a :class:`Formula`, ``None`` (empty), or
    any of these wrapped in :class:`Styled`. A text longer than a cell holds is cut with a
    note saying so, as :func:`text` does.
    """
    out = []
    for i, values in enumerate(rows):
        r = first + i
        cells = []
        for j, given in enumerate(values):
            value, style = (given.value, given.style) if isinstance(given, Styled) else (given, 0)
            if value is None:
                continue
            ref = f'r="{letter(j)}{r}" s="{style}"'
            if isinstance(value, Formula):
                cells.append(f"<c {ref}><f>{escape(value.text)}</f></c>")
            elif isinstance(value, bool | str):
                whole = CONTROL.sub("\ufffd", str(value))
                cut = whole if len(whole) <= MAX_CELL else whole[: MAX_CELL - len(CUT)] + CUT
                body = escape(cut)
                cells.append(
                    f'<c {ref} t="inlineStr"><is><t xml:space="preserve">{body}</t></is></c>'
                )
            else:
                number_text = format(value, "f") if isinstance(value, Decimal) else str(value)
                cells.append(f"<c {ref}><v>{number_text}</v></c>")
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    return out
