"""Decimal text that keeps money exact on every database.

SQLite has no decimal type: a ``NUMERIC`` or ``DECIMAL`` column there has numeric affinity
and turns ``1234.50`` into a binary float. Amounts are therefore stored as their plain
decimal text (in the JSON rows of ``row_block``),
which keeps every digit and the scale they were written with; the ``payout_line`` view
gives them back as text on SQLite and as ``NUMERIC`` on PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl


def plain(value: Decimal) -> str:
    """A decimal as plain text with its own scale: ``1234.50``, never ``1.2345E+3``."""
    return format(value, "f")


def total(texts: pl.Series) -> Decimal:
    """The exact sum of a column of plain decimal texts (empty cells count for nothing).

    Each text becomes an Int128 at the column's largest scale, so the sum is exact and runs
    in polars rather than one Decimal at a time.
    """
    point = pl.col("text").str.find(".", literal=True)
    places = pl.when(point.is_null()).then(0).otherwise(pl.col("text").str.len_bytes() - point - 1)
    cells = texts.drop_nulls().alias("text").to_frame().with_columns(places=places)
    scale = int(cells["places"].max() or 0)  # type: ignore[arg-type]
    digits = pl.col("text").str.replace(".", "", literal=True).cast(pl.Int128)
    shift = pl.lit(10, pl.Int128).pow(pl.lit(scale, pl.Int64) - pl.col("places"))
    summed = cells.select((digits * shift).sum()).item()
    return Decimal(int(summed or 0)).scaleb(-scale)
