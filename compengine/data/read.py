"""Read one table of a data folder as text columns, from CSV, Parquet or Excel.

Every cell is read as text and parsed strictly later (:mod:`compengine.data.parse`), so a bad
value is an error with its row and column instead of a silent null or float. Cells are
stripped of surrounding spaces; an empty cell is a missing value.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from compengine.data.schema import Table

ROW = "_row"  # the row number as a user sees it in the file
FORMATS = (".csv", ".parquet", ".xlsx")


@dataclass(frozen=True)
class RawTable:
    """A table's text cells, where it came from, and how to name its rows."""

    table: Table
    path: Path | None  # None: the optional table is absent (no rows)
    frame: pl.DataFrame  # text columns plus ROW
    sha256: str | None = None

    @property
    def label(self) -> str:
        return self.path.name if self.path else f"{self.table.name}.csv"


def find(folder: Path, table: Table) -> list[Path]:
    """The files in ``folder`` that hold ``table`` (more than one is an error)."""
    return [
        folder / f"{table.name}{ext}"
        for ext in FORMATS
        if (folder / f"{table.name}{ext}").is_file()
    ]


def read(path: Path, table: Table) -> RawTable:
    """Read ``path`` as text columns with a ROW column numbering rows as the user sees them."""
    raw = path.read_bytes()
    if path.suffix == ".csv":
        frame = pl.read_csv(raw, infer_schema=False, encoding="utf8-lossy")
        first = 1  # data rows counted from 1
    elif path.suffix == ".parquet":
        frame = pl.read_parquet(raw)
        first = 1
    else:
        frame = pl.read_excel(raw, sheet_id=1, infer_schema_length=0)
        first = 2  # the spreadsheet row: the header is row 1
    text = frame.select(
        pl.col(c).cast(pl.String).str.strip_chars().replace("", None).alias(c)
        for c in frame.columns
    )
    if path.suffix == ".xlsx":  # Excel dates arrive as datetimes at midnight
        text = text.with_columns(pl.all().str.replace(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00$", "$1"))
    text = text.with_row_index(ROW, offset=first).with_columns(pl.col(ROW).cast(pl.Int64))
    return RawTable(table, path, text, hashlib.sha256(raw).hexdigest())


def empty(table: Table) -> RawTable:
    """An absent optional table: its columns and no rows."""
    schema = dict.fromkeys(table.column_names, pl.String) | {ROW: pl.Int64}
    return RawTable(table, None, pl.DataFrame(schema=schema))
