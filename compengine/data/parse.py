"""Parse a table's text cells strictly into typed columns, reporting every bad cell.

Numbers become exact Int128 integers at the column's scale (its most decimal places), so
``1234.50`` and ``0.3333`` are held exactly; dates become ``pl.Date``; periods become the
plan's period index (see :mod:`compengine.data.periods`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import polars as pl

from compengine.data import periods
from compengine.data.problems import Problems, shown
from compengine.data.read import ROW, RawTable
from compengine.data.schema import Column
from compengine.errors import Reason

if TYPE_CHECKING:
    from polars._typing import EngineType

NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"  # ASCII digits: others cast to null
MAX_DECIMALS = 12
MAX_DIGITS = 28
INT128_DIGITS = 38  # every integer of 38 digits fits an Int128
MONTH_FLAG = "_month"  # suffix of the column telling a period was written as a month
# Suffixes of a number column's measures
INTEGER, LEADING_POINT, FRACTION, LENGTH, USABLE = (
    ":integer",
    ":leading_point",
    ":fraction",
    ":length",
    ":usable",
)


def parse_table(
    raw: RawTable, granularity: periods.Granularity, problems: Problems, streaming: bool = False
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Typed columns of ``raw`` and the scale of each number column.

    ``streaming`` runs the parsing queries on polars' streaming engine.
    """
    frame = raw.frame
    engine: EngineType = "streaming" if streaming else "auto"
    numbers = [column.name for column in raw.table.columns if column.kind == "number"]
    # Dates, periods and grades are parsed, and number cells measured, in one pass; a cell
    # written but left empty by its parse is a bad one, reported below in column order.
    # (Lazily: polars then computes a subexpression used twice only once.)
    parsed = (
        frame.lazy()
        .select(
            *(e for column in raw.table.columns for e in _parsed(raw, column, granularity)),
            *(e for name in numbers for e in _measured(name)),
        )
        .collect(engine=engine)
    )
    # Zeros past the most decimals a number may have say nothing (a Spark decimal(38, 18)
    # writes 1234.500000000000000000): such cells are read without them. Rare: only a column
    # with such a cell is looked at again.
    texts = frame.select(numbers)
    longest = {n: parsed[n + FRACTION].max() or 0 for n in numbers}
    long = [n for n in numbers if longest[n] > MAX_DECIMALS]  # type: ignore[operator]
    if long:
        texts = texts.with_columns(_zeros_dropped(name) for name in long)
        parsed = parsed.with_columns(texts.select(e for n in long for e in _measured(n)))
    out: list[pl.Expr | pl.Series] = [pl.col(ROW)]
    scales: dict[str, int] = {}
    values: dict[str, pl.Expr] = {}
    usable: list[pl.Series] = []
    extras = [c for c in frame.columns if c not in raw.table.column_names and c != ROW]
    for column in raw.table.columns:
        name = column.name
        cells = frame[name]
        if column.required and cells.null_count():
            problems.rows(
                Reason.EMPTY_VALUE,
                raw,
                frame.filter(cells.is_null()),
                name,
                lambda _r: "empty. Hint: every row needs a value here.",
            )
        if column.kind == "text":
            out.append(pl.col(name))
        elif column.kind == "number":
            values[name], scales[name], cells_used = _number(
                raw, column, parsed, texts[name], problems
            )
            usable += [cells_used] if cells_used is not None else []
            out.append(pl.col(name))
        else:
            reason, explain = _complaint(raw, column, granularity)
            bad = frame.filter(cells.is_not_null() & parsed[name].is_null())
            problems.rows(reason, raw, bad, name, explain)
            out.append(parsed[name])
            if column.kind == "period":
                out.append(parsed[name + MONTH_FLAG])
    if values:  # every number column's values in one query: polars computes them side by side
        numbered = (
            pl.concat([parsed, pl.DataFrame(usable)], how="horizontal")
            .lazy()
            .select(**values)
            .collect(engine=engine)
        )
        frame = frame.with_columns(numbered)
    return frame.select(*out, *extras), scales


def _parsed(raw: RawTable, column: Column, granularity: periods.Granularity) -> list[pl.Expr]:
    """The typed column of a date, period or grade column (null where the text is bad)."""
    if column.kind == "date":
        return [_date(column.name)]
    if column.kind == "period":
        return _period(column.name, granularity, _quarter_allowed(raw, granularity))
    if column.kind == "grade":
        return [_grade(column.name)]
    return []


def _complaint(
    raw: RawTable, column: Column, granularity: periods.Granularity
) -> tuple[Reason, Callable[[dict[str, Any]], str]]:
    """Why a written date, period or grade cell that did not parse is refused."""
    name = column.name
    if column.kind == "date":
        return (
            Reason.UNPARSABLE,
            lambda r: f"{shown(r[name])} is not a date. Hint: write dates as YYYY-MM-DD.",
        )
    if column.kind == "period":
        quarter = " or a quarter YYYY-Qn" if _quarter_allowed(raw, granularity) else ""
        return (
            Reason.UNPARSABLE,
            lambda r: (
                f"{shown(r[name])} is not a period here. Hint: write a month YYYY-MM{quarter}."
            ),
        )
    graded = "the Customer Report Card" if name == "grade" else "a recovery"
    return (
        Reason.INVALID_VALUE,
        lambda r: (
            # DATA.md's words for a C, without saying them twice
            f"{shown(r[name])}: {graded} has no C grade. "
            "Hint: C is not on the scale; use A, B or D."
            if r[name] == "C"
            else f"{shown(r[name])} is not on the scale. Hint: use A, B or D."
        ),
    )


def _date(name: str) -> pl.Expr:
    parsed = pl.col(name).str.to_date("%Y-%m-%d", strict=False)
    ok = pl.col(name).str.contains(r"^\d{4}-\d{2}-\d{2}$") & parsed.is_not_null()
    return pl.when(ok).then(parsed).alias(name)


def _measured(name: str) -> list[pl.Expr]:
    """A number column's cells measured: the integer of the text without its point, whether
    the text starts with the point, its decimals (the characters after the point) and its
    length.

    The integer is the text without its first point, cast: null when what is left is not an
    optional sign followed by ASCII digits (``1.2.3`` keeps a point, ``1e3`` a letter), or
    when it overflows an Int128. :func:`_valid` looks again at the few cells where the cast
    alone cannot tell whether a cell matches NUMBER: those starting with the point (``.+5``
    casts) and those too long for the cast.
    """
    text = pl.col(name)
    point = text.str.find(".", literal=True)
    return [
        text.str.replace(".", "", literal=True).cast(pl.Int128, strict=False).alias(name + INTEGER),
        text.str.starts_with(".").alias(name + LEADING_POINT),
        pl.when(point.is_not_null())
        .then(text.str.len_bytes().cast(pl.Int64) - point - 1)
        .otherwise(0)
        .alias(name + FRACTION),
        text.str.len_bytes().alias(name + LENGTH),
    ]


def _number(
    raw: RawTable, column: Column, parsed: pl.DataFrame, cells: pl.Series, problems: Problems
) -> tuple[pl.Expr, int, pl.Series | None]:
    """Report a number column's bad cells; its values' expression, scale and usable cells.

    ``cells`` are the column's texts as read (:func:`_zeros_dropped`); messages show them as
    written. The usable cells are None when every written cell is. The expression reads the
    column's measures (:func:`_measured`) and the usable cells. A value is the text without
    the point, cast to an integer (which takes the sign and leading zeros), shifted to the
    scale.
    """
    name = column.name
    written = raw.frame.select(ROW, name)
    fraction, length = parsed[name + FRACTION], parsed[name + LENGTH]
    valid = _valid(written.with_columns(cells), parsed, name)
    problems.rows(
        Reason.UNPARSABLE,
        raw,
        written.filter(cells.is_not_null() & ~valid),
        name,
        lambda r: (
            f"{shown(r[name])} is not a number. Hint: write plain decimals like 1234.50 or -20."
        ),
    )
    # A cell of at most MAX_DIGITS characters cannot have more digits than that; only the
    # few longer ones are counted digit by digit (leading zeros do not count).
    halves = pl.col(name).str.strip_chars_start("+-").str.split_exact(".", 1).struct
    digits = (
        halves.field("field_0").str.strip_chars_start("0").str.len_chars()
        + halves.field("field_1").fill_null("").str.len_chars()
    )
    overlong = (
        written.with_columns(cells)
        .filter(valid & (length > MAX_DIGITS))
        .filter(digits > MAX_DIGITS)[ROW]
    )
    too_long = fraction > MAX_DECIMALS
    if len(overlong):
        too_long = too_long | written[ROW].is_in(overlong.implode())
    too_long = valid & too_long
    problems.rows(
        Reason.PRECISION,
        raw,
        written.filter(too_long),
        name,
        lambda r: (
            f"{shown(r[name])} has more digits than exact arithmetic holds. "
            f"Hint: use at most {MAX_DECIMALS} decimals and {MAX_DIGITS} digits."
        ),
    )
    usable = valid & ~too_long
    least, scale, width = (
        pl.DataFrame({"fraction": fraction, "length": length})
        .filter(usable)
        .select(
            pl.col("fraction").min().alias("least"),
            pl.col("fraction").max(),
            pl.col("length").max(),
        )
        .row(0)
    )
    scale, width = int(scale or 0), int(width or 0)
    shift = pl.lit(10, pl.Int128).pow((scale - pl.col(name + FRACTION)).clip(0, MAX_DECIMALS))
    integer = pl.col(name + INTEGER)
    if width + scale > INT128_DIGITS:  # some value may not fit an Int128 at the column's scale
        fits = (
            pl.DataFrame([parsed[name + INTEGER], fraction])
            .select(integer.abs() <= pl.lit(2**127 - 1, pl.Int128) // shift)
            .to_series()
        )
        problems.rows(
            Reason.PRECISION,
            raw,
            written.filter(usable & ~fits.fill_null(False)),
            name,
            lambda r: (
                f"{shown(r[name])} needs more digits than exact arithmetic holds at the "
                f"column's {scale} decimals. Hint: write this column's values with fewer "
                "decimals, or this value smaller."
            ),
        )
        usable = usable & fits
    # Every usable cell with the column's decimals already: no shift (it would be 10**0).
    value = integer if least == scale else integer * shift
    if width + scale <= INT128_DIGITS and not (cells.is_not_null() & ~usable).any():
        return value, scale, None  # every written cell is usable; an empty one stays empty
    return pl.when(pl.col(name + USABLE)).then(value), scale, usable.alias(name + USABLE)


def _valid(written: pl.DataFrame, parsed: pl.DataFrame, name: str) -> pl.Series:
    """Whether each cell of number column ``name`` (in ``written``: ROW and the cells as
    read) matches NUMBER, from its measures (:func:`_measured`).

    A cell whose text without its point casts to an integer is a number, but a cell starting
    with the point is one only when a digit follows it (``.5``, not ``.+5``). A cell that
    does not cast may still match NUMBER when it is longer than an Int128's digits (too
    large: the caller refuses it as such); such cells are matched against it.
    """
    casts = parsed[name + INTEGER].is_not_null()
    unsure = (casts & parsed[name + LEADING_POINT]) | (
        ~casts & (parsed[name + LENGTH] > INT128_DIGITS)
    )
    if not unsure.any():
        return casts
    looked_at = written.filter(unsure)
    matching = looked_at.filter(pl.col(name).str.contains(NUMBER))[ROW]
    return (casts & ~written[ROW].is_in(looked_at[ROW].implode())) | written[ROW].is_in(
        matching.implode()
    )


def _zeros_dropped(name: str) -> pl.Expr:
    """A number's text without the zeros that end a fraction longer than MAX_DECIMALS
    (``12.500000000000000000`` is ``12.5``); other text as it is."""
    text = pl.col(name)
    long = text.str.contains(rf"^[+-]?[0-9]+\.[0-9]{{{MAX_DECIMALS + 1},}}$")
    dropped = text.str.strip_chars_end("0").str.strip_chars_end(".")  # a digit stays: 0. -> 0
    return pl.when(long).then(dropped).otherwise(text)


def _quarter_allowed(raw: RawTable, granularity: periods.Granularity) -> bool:
    """Grades are monthly; quotas and adjustments may name a quarter in a quarterly plan."""
    return granularity == "quarter" and raw.table.name != "grades"


def _period(name: str, granularity: periods.Granularity, quarter_allowed: bool) -> list[pl.Expr]:
    """The period index in the plan's granularity, and whether the text named a month."""
    # The patterns fix where the digits are (YYYY-MM, YYYY-Qn): match, then slice, which is
    # faster than a regex with groups. A digit that is not 0-9 casts to null: reported.
    text = pl.col(name)
    year = text.str.slice(0, 4).cast(pl.Int64, strict=False)
    month_index = periods.month_of_text(text)
    quarter_index = pl.when(text.str.contains(periods.QUARTER.pattern)).then(
        year * 4 + text.str.slice(6, 1).cast(pl.Int64, strict=False) - 1
    )
    index = pl.coalesce(
        periods.of_month(month_index, granularity),
        quarter_index if quarter_allowed else pl.lit(None, pl.Int64),
    )
    return [index.alias(name), month_index.is_not_null().alias(name + MONTH_FLAG)]


def _grade(name: str) -> pl.Expr:
    return pl.when(pl.col(name).is_in(["A", "B", "D"])).then(pl.col(name)).alias(name)
