"""Read one table of a data folder as text columns, from CSV, Parquet or Excel.

Every cell is read as text and parsed strictly later (:mod:`compengine.data.parse`), so a bad
value is an error with its row and column instead of a silent null or float. Cells are
stripped of surrounding whitespace (only the columns of a CSV file that may hold any: see
:func:`_stripped`); an empty cell is a missing value.

Streaming (``read(..., streaming=True)``), a CSV or Parquet file is scanned lazily instead:
the text conversion runs in the scan on polars' streaming engine and the file's bytes are
never held whole. The resulting text columns are held in memory like an eager read's.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import zlib
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from compengine.data.early import take
from compengine.data.schema import Table

if TYPE_CHECKING:
    from fastexcel import ExcelReader
    from polars._typing import PolarsDataType

ROW = "_row"  # the row number as a user sees it in the file


@dataclass(frozen=True)
class RawTable:
    """A table's text cells, where it came from, and how to name its rows."""

    table: Table
    path: Path | None  # None: the optional table is absent (no rows)
    frame: pl.DataFrame  # text columns plus ROW
    sha256: str | None = None
    # Rows left out of ``frame``, each with its message: a CSV row with more fields than
    # the header (reported beside the problems of the other rows).
    refused: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The file name messages use (the CSV name of an absent table)."""
        return self.path.name if self.path else f"{self.table.name}.csv"


class Unreadable(Exception):
    """A file that is not a readable table; ``messages`` name the file and what is wrong."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(messages))


def read(path: Path, table: Table, streaming: bool = False) -> RawTable:
    """Read ``path`` as text columns with a ROW column numbering rows as the user sees them.

    CSV and Parquet rows are numbered from 1 (the first data row); workbook rows carry their
    spreadsheet row number, blank rows and rows above the header included. Blank rows are
    then dropped, keeping the numbers of the others. ``streaming`` scans a CSV or Parquet
    file lazily (see the module's docstring); the cells and the problems are the same.

    Raises:
        Unreadable: the file cannot be read, is empty, damaged, names a column twice, or
            (CSV) has rows with more fields than the header.
    """
    if streaming and path.suffix in (".csv", ".parquet"):
        # A file the scan refuses (polars reports damage with many types) or leaves to the
        # eager read is read eagerly: that read names what is wrong, in its own words.
        try:
            scanned = _scan(path, table)
        except Exception:
            scanned = None
        if scanned is not None:
            return scanned
    early = take(path)
    try:
        raw, digest = early or (path.read_bytes(), None)
    except OSError as exc:  # gone since the folder was listed, or not ours to read
        raise Unreadable(
            [f"{path.name}: cannot read the file ({exc.strerror}). "
             "Hint: check that it is still there and that you may read it."]
        ) from None  # fmt: skip
    try:
        cells = _decompressed(path, raw) if path.suffix == ".csv" else raw
        frame, header, first, long_rows = _frame(path, cells)
        if path.suffix == ".parquet":  # CSV and workbook cells are text already
            frame = frame.select(_readable(path, table, frame.schema))
        text = _stripped(frame, cells if path.suffix == ".csv" else None)
    except Unreadable:
        raise
    except pl.exceptions.NoDataError:
        raise Unreadable(
            [f"{path.name}: the file is empty. Hint: the first line is the header: "
             f"{','.join(table.column_names)}."]
        ) from None  # fmt: skip
    except Exception as exc:  # polars, parquet and calamine report damage with many types
        raise Unreadable(_damage(path, exc)) from None
    twice = sorted({c for c in header if c.strip() and header.count(c) > 1})  # not blanks
    if twice:
        raise Unreadable(
            [f"{path.name}: column {c} appears {header.count(c)} times in the header. "
             "Hint: keep one column of each name." for c in twice]
        )  # fmt: skip
    if path.suffix != ".csv":  # Excel and Parquet dates may arrive as datetimes at midnight
        text = text.with_columns(_MIDNIGHT)
    text = (
        text.with_row_index(ROW, offset=first)
        .with_columns(pl.col(ROW).cast(pl.Int64))
        .filter(
            pl.any_horizontal(pl.exclude(ROW).is_not_null()), ~pl.col(ROW).is_in(list(long_rows))
        )
    )
    digest = digest or hashlib.sha256(raw).hexdigest()
    return RawTable(table, path, text, digest, tuple(long_rows.values()))


# The ASCII characters a strip removes (Unicode's White_Space, as polars' strip_chars)
_ASCII_WHITESPACE = [" ", "\t", "\n", "\x0b", "\x0c", "\r"]


def _stripped(frame: pl.DataFrame, csv: bytes | None) -> pl.DataFrame:
    """``frame``'s cells as text, stripped of surrounding whitespace, an empty one missing.

    A strip copies every cell of a column, so only the columns where it may change a cell
    are stripped: none of a file whose CSV bytes are bare (:func:`_bare`); of other ASCII CSV
    bytes, the columns holding an ASCII whitespace character or an empty text (a quoted
    ``""``), found in one pass over the cells (a grades file's free-text comments, not its
    ids and periods); every column of a file that is not ASCII CSV.
    """
    if csv is not None and _bare(csv):
        return frame  # every cell is text already, with nothing to strip
    columns = frame.columns
    if csv is not None and csv.isascii():
        text = [pl.col(c) for c in columns]
        may_change = frame.select(
            (c.str.contains_any(_ASCII_WHITESPACE) | (c.str.len_bytes() == 0)).any() for c in text
        ).row(0)
        columns = [c for c, change in zip(columns, may_change, strict=True) if change]
    return frame.with_columns(_cell(c, frame.schema[c]) for c in columns)


def _cell(column: str, dtype: pl.DataType) -> pl.Expr:
    """The column's cells as text, stripped of surrounding whitespace, an empty one missing."""
    text = pl.col(column).cast(pl.String)
    if dtype.is_float():  # a Parquet file's binary floats: written as plain decimals
        text = plain_float(text)
    return text.str.strip_chars().replace("", None).alias(column)


def plain_float(text: pl.Expr) -> pl.Expr:
    """polars' text of binary floats, its exponents written out: ``1e-6`` is ``0.000001`` and
    ``1.5e+16`` is ``15000000000000000``, exactly the digits polars chose (the shortest that
    read back as the float); other text is left as it is (``12.5``, ``NaN``)."""
    parts = text.str.extract_groups(r"^(-?)(\d)(?:\.(\d+))?e([+-]?\d+)$").struct
    sign, exponent = parts.field("1"), parts.field("4").cast(pl.Int64)
    digits = pl.concat_str([parts.field("2"), parts.field("3").fill_null("")])
    point = exponent + 1  # the digits before the point
    count = digits.str.len_chars().cast(pl.Int64)
    return (
        pl.when(exponent.is_null())
        .then(text)
        .when(point <= 0)
        .then(pl.concat_str([sign, pl.lit("0."), digits.str.zfill(count - point)]))
        .when(point >= count)
        .then(pl.concat_str([sign, digits.str.pad_end(point, "0")]))
        .otherwise(
            pl.concat_str([sign, digits.str.slice(0, point), pl.lit("."), digits.str.slice(point)])
        )
    )


def _bare(raw: bytes) -> bool:
    """Whether no cell of these CSV bytes can hold whitespace or be a quoted empty text.

    That is so when the bytes are ASCII, hold no space, tab, vertical tab, form feed or quote,
    and every carriage return ends a line (CRLF): line breaks then only end rows, every cell
    is the plain text between two separators, and stripping the cells would change none.
    These few scans of the bytes cost a fraction of stripping every cell of a large table.
    """
    if not raw.isascii() or any(byte in raw for byte in (b" ", b"\t", b"\x0b", b"\x0c", b'"')):
        return False
    return _crlf_only(raw)


def _crlf_only(raw: bytes) -> bool:
    """Whether every carriage return of the bytes ends a line (CRLF)."""
    return b"\r" not in raw or raw.count(b"\r") == raw.count(b"\r\n")


# A date written as a datetime at midnight, as Excel and Parquet may hold a date, is the date.
_MIDNIGHT = pl.all().str.replace(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(\.0+)?$", "$1")


def _scan(path: Path, table: Table) -> RawTable | None:
    """:func:`read` of a CSV or Parquet file as one lazy query on the streaming engine.

    None for a header that names a column twice or is not UTF-8, a file of another kind and
    lines that end with a carriage return alone (the eager read reports them); raises
    whatever polars raises for a file it cannot read, such as cells that are not UTF-8.
    """
    if path.suffix == ".csv":
        scan = pl.scan_csv(path, infer_schema=False, glob=False)
        with path.open(encoding="utf-8", errors="replace", newline="") as lines:
            header = next(csv.reader(lines), [])
        with path.open("rb") as start:
            first = start.read(1 << 16)  # the header's line end is in it
        odd = _compressed(first) or _other_kind(first) or _cr_alone(first)
        if odd or any("\ufffd" in name for name in header):
            return None
    else:
        scan = pl.scan_parquet(path, glob=False)
    schema = scan.collect_schema()
    columns = _readable(path, table, schema)
    if path.suffix == ".parquet":
        header = columns
    if any(c.strip() and header.count(c) > 1 for c in header):
        return None
    text = scan.select(_cell(c, schema[c]) for c in columns)
    if path.suffix != ".csv":
        text = text.with_columns(_MIDNIGHT)
    frame = (
        text.with_row_index(ROW, offset=1)
        .with_columns(pl.col(ROW).cast(pl.Int64))
        .filter(pl.any_horizontal(pl.exclude(ROW).is_not_null()))
        .collect(engine="streaming")
        .rechunk()  # one chunk per column, as a read gives: the parsing after it is leaner
    )
    with path.open("rb") as file:
        digest = hashlib.file_digest(file, "sha256").hexdigest()
    return RawTable(table, path, frame, digest)


def _frame(path: Path, raw: bytes) -> tuple[pl.DataFrame, list[str], int, dict[int, str]]:
    """The cells, the header as written, the row number of the first data row, and the rows
    with more fields than the header (CSV: row -> message), whose cells are not to be used."""
    if path.suffix == ".csv":
        if _compressed(raw):  # zstd: polars decompresses it; its header is read from the frame
            frame = pl.read_csv(raw, infer_schema=False)
            return frame, frame.columns, 1, {}
        _require_csv(path, raw)
        long_rows: dict[int, str] = {}
        try:
            frame = pl.read_csv(raw, infer_schema=False)
        except Exception:  # text that is not UTF-8, rows with more fields, or damaged CSV
            _require_utf8(path, raw)
            long_rows = _long_rows(path, raw)
            if not long_rows:
                raise
            if not _crlf_only(raw):  # a bare CR ends a row for csv, not for polars
                raise Unreadable(list(long_rows.values())) from None
            try:  # the other rows are read, so that their problems are reported too
                frame = pl.read_csv(raw, infer_schema=False, truncate_ragged_lines=True)
            except Exception:
                raise Unreadable(list(long_rows.values())) from None
        # Decode only as far as the header reaches, not the whole file.
        text = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="replace", newline="")
        header = next(csv.reader(text), [])
        if any("\ufffd" in name for name in header):  # polars reads a header lossily
            _require_utf8(path, raw)
        return frame, header, 1, long_rows
    if path.suffix == ".parquet":
        frame = pl.read_parquet(raw)
        return frame, frame.columns, 1, {}
    return (*_sheet(path, raw), {})


# The first bytes of files that are not CSV text, and what each is
_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook or another zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) workbook",
    b"PAR1": "a Parquet file",
    b"\xff\xfe": "UTF-16 text",
    b"\xfe\xff": "UTF-16 text",
}


def _other_kind(start: bytes) -> str | None:
    """What a file whose first bytes are ``start`` is, when it is not CSV text."""
    return next((kind for sign, kind in _SIGNATURES.items() if start.startswith(sign)), None)


def _readable(path: Path, table: Table, schema: pl.Schema) -> list[str]:
    """The columns of a file to read as text: all but the extra ones whose values have no
    text (Parquet lists, durations: not used, so left out rather than refusing the file).

    Raises:
        Unreadable: a column of the table holds such values, or 32-bit floats, which keep
            about 7 digits (178704.13 is stored as 178704.125: its cents are lost).
    """
    problems = []
    for name in table.column_names:
        dtype = schema.get(name)
        if dtype is not None and not _has_text(dtype):
            problems.append(f"column {name} holds {dtype}, which a cell cannot hold")
        elif dtype == pl.Float32:
            problems.append(f"column {name} holds 32-bit floats, which keep about 7 digits")
    if problems:
        raise Unreadable(
            [f"{path.name}: {problem}. Hint: write it as text, 64-bit floats (double), "
             "decimals or dates." for problem in problems]
        )  # fmt: skip
    return [name for name, dtype in schema.items() if _has_text(dtype)]


def _has_text(dtype: PolarsDataType) -> bool:
    """Whether polars writes values of ``dtype`` as text (not lists, durations, objects)."""
    if isinstance(dtype, pl.Struct):
        return all(_has_text(field.dtype) for field in dtype.fields)
    return not isinstance(dtype, pl.List | pl.Array | pl.Duration | pl.Object)


def _decompressed(path: Path, raw: bytes) -> bytes:
    """CSV bytes compressed with gzip or zlib, decompressed, so that they are checked as any
    CSV text is (rows with more fields, bytes that are not UTF-8, each named by its row).
    Other bytes are left as they are (zstd: polars reads it itself).

    Raises:
        Unreadable: the compressed data is damaged, ends early, or holds compressed data.
    """
    try:
        if raw.startswith(b"\x1f\x8b"):
            plain = gzip.decompress(raw)
        elif raw.startswith((b"\x78\x01", b"\x78\x9c", b"\x78\xda")):
            plain = zlib.decompress(raw)
        else:
            return raw
    except (OSError, EOFError, zlib.error) as exc:
        raise Unreadable(
            [f"{path.name}: the compressed data is damaged or ends early ({exc}). Hint: "
             "compress the CSV file again, or give it uncompressed."]
        ) from None  # fmt: skip
    if _compressed(plain):
        raise Unreadable(
            [f"{path.name}: the file is compressed twice. Hint: compress the CSV file once."]
        )
    return plain


def _compressed(start: bytes) -> bool:
    """Whether CSV bytes are compressed (gzip, zlib or zstd), which polars reads as such."""
    return start.startswith(
        (b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b"\x78\x01", b"\x78\x9c", b"\x78\xda")
    )


def _cr_alone(start: bytes) -> bool:
    """Whether the first line of CSV bytes ends with a carriage return alone: the lines are
    then read as one header holding every row."""
    end = start.find(b"\n")
    return b"\r" in start[: end if end >= 0 else len(start)].removesuffix(b"\r")


def _require_csv(path: Path, raw: bytes) -> None:
    """Raise :class:`Unreadable` for a .csv file whose first bytes say it is another kind,
    or whose lines end with a carriage return alone (read as one long header)."""
    kind = _other_kind(raw)
    if kind is not None:
        other = "save it as CSV UTF-8" if "text" in kind else (
            "save the table as CSV UTF-8, or give the file the extension of its kind "
            "(.xlsx, .parquet)"
        )  # fmt: skip
        raise Unreadable([f"{path.name}: the file is {kind}, not CSV text. Hint: {other}."])
    if _cr_alone(raw):
        raise Unreadable(
            [f"{path.name}: its lines end with a carriage return alone. Hint: save it as CSV "
             "UTF-8, whose lines end with a line feed (LF or CRLF)."]
        )  # fmt: skip


def _require_utf8(path: Path, raw: bytes) -> None:
    """Raise :class:`Unreadable` for CSV bytes that are not UTF-8, naming each row (the
    header as such) and column holding a byte UTF-8 does not have.

    Text in another encoding (Windows-1252, Latin-1) is refused rather than read with its
    letters replaced, which would make a ``where`` stop matching without a word.
    """
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return
    # Latin-1 maps each byte to one character, so the cells' bytes can be looked at one by one.
    rows = csv.reader(io.StringIO(raw.decode("latin-1"), newline=""))
    header = next(rows, [])
    messages = []
    for number, cells in enumerate(chain([header], rows)):  # the header is row 0
        for name, cell in zip(header, cells, strict=False):
            try:
                cell.encode("latin-1").decode("utf-8")
            except UnicodeDecodeError as exc:
                where = f"row {number}, column {name}" if number else "header"
                byte = cell.encode("latin-1")[exc.start]
                messages.append(
                    f"{path.name} {where}: {cell!r} holds byte 0x{byte:02x}, which is not "
                    "UTF-8. Hint: save the file as CSV UTF-8."
                )
                break
    raise Unreadable(
        messages or [f"{path.name}: the file is not UTF-8 text. Hint: save it as CSV UTF-8."]
    )


def _sheet(path: Path, raw: bytes) -> tuple[pl.DataFrame, list[str], int]:
    """The first sheet of a workbook: the header is its first non-blank row.

    A cell holding an Excel error (``#N/A``, ``#DIV/0!``) is refused, not read as empty, and
    so is a hidden first sheet before another (a stale table left before the one meant, say).
    """
    import fastexcel  # only a workbook needs it

    book = fastexcel.read_excel(raw)
    sheet = book.load_sheet(0, header_row=None, skip_rows=0, dtypes="string")
    # Before another sheet, an auditor opening the file would see that one, not the table read.
    if sheet.visible != "visible" and len(book.sheet_names) > 1:
        raise Unreadable(
            [f"{path.name}: the first sheet, {sheet.name!r}, is hidden, and a table is read "
             "from a workbook's first sheet. Hint: put the table's sheet first, or remove "
             "the hidden one."]
        )  # fmt: skip
    batch, errors = sheet.to_arrow_with_errors()
    grid = _numbers_in_full(pl.DataFrame(pl.from_arrow(batch)), book)
    filled = grid.select(pl.any_horizontal(pl.all().is_not_null())).to_series().arg_true()
    if filled.is_empty():
        raise pl.exceptions.NoDataError("empty sheet")
    at = int(filled[0])
    header = [
        str(value).strip() if value is not None else f"column {i + 1}"
        for i, value in enumerate(grid.row(at))
    ]
    if errors is not None and errors.errors:
        raise Unreadable(
            [f"{path.name} row {error.position[0] + 1}, column "
             f"{_column_name(header, error.position[1])}: "
             f"the cell holds the Excel error {_excel_error(error.detail)}. Hint: fix the "
             "formula or type the value." for error in errors.errors]
        )  # fmt: skip
    if len(set(header)) < len(header):
        return grid.clear(), header, at + 2
    frame = grid.slice(at + 1).rename(dict(zip(grid.columns, header, strict=True)))
    return frame, header, at + 2  # the header is spreadsheet row at + 1


# The text fastexcel gives a number cell: its binary value rounded to 9 decimals, trailing
# zeros dropped (20000000.13 is 20000000.129999999, 0.123456789123 is 0.123456789, 2.5e-10
# is 0), which a text cell may also be.
_NINE_DECIMALS = r"^-?(0|[1-9][0-9]*)(\.[0-9]{0,8}[1-9])?$"


def _numbers_in_full(grid: pl.DataFrame, book: ExcelReader) -> pl.DataFrame:
    """``grid``, the first sheet's cells as fastexcel writes them, with each number cell
    whose text lost digits written as Excel shows its value: to 15 significant digits
    (20000000.13, 0.123456789123, 0.00000000025).

    The floats come from the sheet read again as numbers, where a text cell holding a number
    reads as that number too. A cell's text lost digits when it has fastexcel's form and
    either 9 decimals or another value than the float: a text cell keeps its text unless it
    is written with 9 decimals exactly and more than 15 digits. Other cells keep their text,
    and so do formulas' results within 9 decimals of a short decimal (3.3000000000000003,
    the result of =1.1*3, reads as 3.3).
    """
    formed = grid.select(pl.all().str.contains(_NINE_DECIMALS))
    numeric = [i for i, any_formed in enumerate(formed.select(pl.all().any()).row(0)) if any_formed]
    if not numeric:
        return grid
    numbers = book.load_sheet(
        0, header_row=None, skip_rows=0, use_columns=numeric, dtypes="float"
    )  # only the columns with a cell of that form
    floats = pl.DataFrame(pl.from_arrow(numbers.to_arrow_with_errors()[0]))
    assert floats.shape == (grid.height, len(numeric)), "two reads of a sheet, the same cells"
    columns = grid.get_columns()
    for i, value in zip(numeric, floats.iter_columns(), strict=True):
        text = columns[i]
        lossy = (
            value.is_not_null()
            & formed[:, i]
            & (text.str.contains(r"\.[0-9]{9}$") | (text.cast(pl.Float64, strict=False) != value))
        )
        at = lossy.arg_true()
        if len(at):
            shown = [format(Decimal(f"{v:.15g}"), "f") for v in value.gather(at)]
            columns[i] = text.clone().scatter(at, shown)
    return pl.DataFrame(columns)


# calamine's names of Excel's error values
_EXCEL_ERRORS = {
    "Div0": "#DIV/0!", "NA": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!",
    "Ref": "#REF!", "Value": "#VALUE!", "GettingData": "#GETTING_DATA",
}  # fmt: skip


def _excel_error(detail: str) -> str:
    found = re.search(r"Error\((\w+)\)", detail)
    return _EXCEL_ERRORS.get(found.group(1), found.group(1)) if found else detail


def _column_name(header: list[str], index: int) -> str:
    return header[index] if index < len(header) else f"column {index + 1}"


def _damage(path: Path, exc: Exception) -> list[str]:
    """What is wrong with a file the reader refused, in the reader's words."""
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    kind = {".csv": "CSV", ".parquet": "Parquet", ".xlsx": "Excel workbook"}[path.suffix]
    return [
        f"{path.name}: not a readable {kind} ({first_line}). "
        f"Hint: save it again as {kind}, or use another of .csv, .parquet, .xlsx."
    ]


def _long_rows(path: Path, raw: bytes) -> dict[int, str]:
    """The rows of CSV bytes with more fields than the header, each with its message; none
    when the bytes are not CSV at all (a workbook saved as .csv, say: the reader's words
    say what is wrong)."""
    text = raw.decode("utf-8", errors="replace")
    lines = csv.reader(io.StringIO(text, newline=""))  # a quoted bare CR is a field's
    try:
        header = next(lines, [])
        return {
            number: f"{path.name} row {number}: {len(cells)} fields, the header has "
            f"{len(header)}. Hint: quote values that hold a comma, or remove the extra fields."
            for number, cells in enumerate(lines, start=1)
            if len(cells) > len(header)
        }
    except csv.Error:
        return {}


def empty(table: Table) -> RawTable:
    """An absent optional table: its columns and no rows."""
    schema = dict.fromkeys(table.column_names, pl.String) | {ROW: pl.Int64}
    return RawTable(table, None, pl.DataFrame(schema=schema))
