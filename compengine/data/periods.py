"""Periods as integers: a month is ``year*12 + month-1``, a quarter ``year*4 + quarter-1``.

Integers sort, subtract and join cheaply; they turn back into ``2027-03`` / ``2027-Q1`` text
only at the edges (:func:`label`, :func:`label_expr`).
"""

from __future__ import annotations

import re
from typing import Literal

import polars as pl

Granularity = Literal["month", "quarter"]
MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")  # ASCII digits: \d would take any script's
QUARTER = re.compile(r"^([0-9]{4})-Q([1-4])$")
PER_YEAR = {"month": 12, "quarter": 4}


def parse(text: str, granularity: Granularity) -> int | None:
    """The index of a period written as text in the plan's granularity, or None."""
    pattern = MONTH if granularity == "month" else QUARTER
    found = pattern.fullmatch(text.strip())
    if not found:
        return None
    return int(found[1]) * PER_YEAR[granularity] + int(found[2]) - 1


def canonical(text: str) -> str | None:
    """The period ``text`` names, written as compengine writes it (``2027-01``, ``2027-Q1``:
    the spaces around it dropped), or None when it names none."""
    for granularity in ("month", "quarter"):
        index = parse(text, granularity)
        if index is not None:
            return label(index, granularity)
    return None


def label(index: int, granularity: Granularity) -> str:
    """The text of a period index: ``2027-03`` or ``2027-Q1``."""
    year, part = divmod(index, PER_YEAR[granularity])
    return f"{year:04d}-{part + 1:02d}" if granularity == "month" else f"{year:04d}-Q{part + 1}"


def label_expr(index: pl.Expr, granularity: Granularity) -> pl.Expr:
    """:func:`label` as a polars expression."""
    n = PER_YEAR[granularity]
    year = (index // n).cast(pl.String).str.zfill(4)
    part = (index % n + 1).cast(pl.String)
    if granularity == "month":
        return year + pl.lit("-") + part.str.zfill(2)
    return year + pl.lit("-Q") + part


def of_date(date: pl.Expr, granularity: Granularity) -> pl.Expr:
    """The period index a date falls in."""
    month = date.dt.year().cast(pl.Int64) * 12 + date.dt.month().cast(pl.Int64) - 1
    return month if granularity == "month" else month // 3


def month_of_text(text: pl.Expr) -> pl.Expr:
    """The month index of ``YYYY-MM`` text (null for other text).

    The pattern fixes where the digits are: match, then slice, which is faster than a regex
    with groups. A digit that is not 0-9 casts to null.
    """
    year = text.str.slice(0, 4).cast(pl.Int64, strict=False)
    month = text.str.slice(5, 2).cast(pl.Int64, strict=False)
    return pl.when(text.str.contains(MONTH.pattern)).then(year * 12 + month - 1)


def of_month(month: pl.Expr, granularity: Granularity) -> pl.Expr:
    """The period index that holds a month index."""
    return month if granularity == "month" else month // 3


def bounds(index: pl.Expr, granularity: Granularity) -> tuple[pl.Expr, pl.Expr]:
    """First and last day of a period index, as date expressions."""
    months = 1 if granularity == "month" else 3
    first_month = index * months
    start = pl.date(first_month // 12, first_month % 12 + 1, 1)
    end = start.dt.offset_by(f"{months}mo").dt.offset_by("-1d")
    return start, end
