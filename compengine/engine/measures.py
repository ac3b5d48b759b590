"""Measures: one exact number (or null) per row, from aggregates of the input tables.

Each table the plan reads is grouped once by (rep_id, period) with one aggregate per measure
that needs it; the aggregates are joined onto the rows, then the measures are computed in
plan order (a measure may use those above it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from compengine.data.inputs import Inputs
from compengine.data.schema import TABLES
from compengine.engine.fixed import I128, Fixed, fits, scale_of, step, when, with_steps
from compengine.plan import models

RATIO_SCALE = 6  # attainment, ratios, report card, rates and curves: 6 decimals, half-even


@dataclass(frozen=True)
class Aggregate:
    """One aggregate column of one table: the scale of its values and a bound on their size.

    ``value`` is the Int128 each row of the table adds to the sum (null for a row the
    measure's ``where`` leaves out); the aggregate is its sum per (rep_id, period), so no
    larger in size than ``bound``: a row's bound times the table's rows. Sums of plain
    columns take polars' fast group-by path, where a filter inside the aggregation would be
    evaluated group by group.
    """

    table: str
    name: str
    value: pl.Expr
    scale: int
    bound: int

    def __post_init__(self) -> None:
        fits(self.bound)  # a sum that could wrap around is refused before anything is summed

    @property
    def column(self) -> Fixed:
        """The aggregate's column, once joined onto the rows."""
        return Fixed.col(self.name, self.scale, self.bound)


def measure_column(name: str) -> str:
    return f"measure:{name}"


def table_of(measure: object) -> str | None:
    """The table a table-reading measure reads, else None."""
    if isinstance(measure, models.SumMeasure):
        return measure.sum.split(".")[0]
    for kind in ("count", "report_card", "resolution_rate", "recovery_score"):
        if hasattr(measure, kind):
            return str(getattr(measure, kind))
    return None


def _where(measure: object, table: str) -> pl.Expr:
    """The rows whose text in each ``where`` column is one of its values; an empty cell's text
    is '' (so ``deal_type: ''`` keeps the transactions without a deal type)."""
    where: dict[str, str | list[str]] | None = getattr(measure, "where", None)
    condition = pl.lit(True)
    for column, wanted in (where or {}).items():
        values = [wanted] if isinstance(wanted, str) else wanted
        condition &= text_column(table, column).fill_null("").is_in(values)
    return condition


def text_column(table: str, column: str) -> pl.Expr:
    """The column's text as written (numbers and dates are compared as text in ``where``)."""
    kind = next(c.kind for c in TABLES[table].columns if c.name == column)
    return pl.col(column) if kind in ("text", "grade") else pl.col(f"text:{column}")


def _kept(value: pl.Expr, keep: pl.Expr) -> pl.Expr:
    """``value`` on the rows ``keep`` holds for, else null (which a sum skips)."""
    return pl.when(keep).then(value)


def _counted(keep: pl.Expr) -> Fixed:
    """1 for each row ``keep`` holds for, else 0: its sum counts them."""
    return Fixed(keep.cast(I128), 0, 1)


def _points(column: str, card: models.ReportCard | None) -> Fixed:
    points = card.grade_points if card else models.GradePoints()
    scale = max(scale_of(points.A), scale_of(points.B), scale_of(points.D))
    mapping = {g: int(getattr(points, g).scaleb(scale)) for g in ("A", "B", "D")}
    expr = pl.col(column).replace_strict(mapping, default=None, return_dtype=I128)
    return Fixed(expr, scale, max(map(abs, mapping.values())))


def largest(inputs: Inputs, table: str, column: str) -> int:
    """The size of the largest value of a number column of the data (0 when it has none)."""
    low, high = (
        inputs.tables[table]
        .select(pl.col(column).min().alias("low"), pl.col(column).max().alias("high"))
        .row(0)
    )
    return int(max(abs(low or 0), abs(high or 0)))


def _within(days: int) -> pl.Expr:
    age = (pl.col("resolved") - pl.col("opened")).dt.total_days()
    return pl.col("resolved").is_not_null() & (age <= days)


def aggregates(plan: models.Plan, inputs: Inputs) -> list[Aggregate]:
    """The per-table aggregates every table-reading measure needs.

    Raises:
        OverflowError: a sum could be larger than an Int128 holds (naming the measure).
    """
    sizes: dict[tuple[str, str], int] = {}

    def size(table: str, column: str) -> int:
        if (table, column) not in sizes:
            sizes[table, column] = largest(inputs, table, column)
        return sizes[table, column]

    def aggregate(table: str, name: str, value: Fixed, keep: pl.Expr | None = None) -> Aggregate:
        """The sum of ``value`` over the rows ``keep`` holds for (all rows: None); no sum
        is larger than a row's bound times the table's rows."""
        rows = max(inputs.tables[table].height, 1)
        summed = value.expr if keep is None else _kept(value.expr, keep)
        return Aggregate(table, name, summed, value.scale, value.bound * rows)

    out: list[Aggregate] = []
    for name, m in plan.measures.items():
        with step(f"measures.{name}"):
            out += _aggregates_of(plan, m, measure_column(name), inputs.scales, size, aggregate)
    return out


def _aggregates_of(
    plan: models.Plan,
    m: models.Measure,
    col: str,
    scales: dict[str, dict[str, int]],
    size: Callable[[str, str], int],
    aggregate: Callable[..., Aggregate],
) -> list[Aggregate]:
    """The aggregates one measure needs (none for a measure of measures)."""
    if isinstance(m, models.SumMeasure):
        table, _ = m.sum.split(".")
        if table == "transactions":
            amount_scale, split_scale = scales[table]["amount"], scales[table]["split"]
            amount = Fixed.col("amount", amount_scale, size(table, "amount"))
            one = 10**split_scale  # an empty split credits the whole amount
            split = Fixed(
                pl.col("split").fill_null(pl.lit(one, I128)),
                split_scale,
                max(size(table, "split"), one),
            )
            value = amount * split
        else:
            value_scale = scales["events"]["value"]
            one = 10**value_scale  # an empty value counts 1
            value = Fixed(
                pl.col("value").fill_null(pl.lit(one, I128)),
                value_scale,
                max(size(table, "value"), one),
            )
        return [aggregate(table, col, value, _where(m, table))]
    if isinstance(m, models.CountMeasure):
        return [aggregate(m.count, col, _counted(_where(m, m.count)))]
    if isinstance(m, models.ReportCardMeasure):
        card = plan.report_card
        assert card is not None  # plan rules require a report card for this kind
        w_scale = max(scale_of(w) for w in card.behaviours.values())
        weights = {b: int(w.scaleb(w_scale)) for b, w in card.behaviours.items()}
        weight = Fixed(
            pl.col("behaviour").replace_strict(weights, return_dtype=I128),
            w_scale,
            max(weights.values()),
        )
        points = _points("grade", card) * weight
        keep = _where(m, "grades")
        return [
            aggregate("grades", f"{col}:points", points, keep),
            aggregate("grades", f"{col}:weight", weight, keep),
            aggregate("grades", f"{col}:n", _counted(keep)),
        ]
    if isinstance(m, models.ResolutionRateMeasure | models.RecoveryScoreMeasure):
        table = "feedback" if isinstance(m, models.ResolutionRateMeasure) else "incidents"
        keep = _where(m, table)
        if isinstance(m, models.ResolutionRateMeasure):
            score = Fixed(_within(m.within_days).cast(I128), 0, 1)
        else:
            points = _points("recovery_grade", plan.report_card)
            score = when(_within(m.within_days), points, Fixed.lit(0))
        return [
            aggregate(table, f"{col}:score", score, keep),
            aggregate(table, f"{col}:n", _counted(keep)),
        ]
    return []


def compute(
    plan: models.Plan, frame: pl.DataFrame, found: dict[str, Fixed], quota: Fixed | None
) -> tuple[pl.DataFrame, dict[str, Fixed]]:
    """Add every measure's column to ``frame`` in plan order; return each measure's column.

    Args:
        plan: The plan.
        frame: The rows with the aggregates of :func:`aggregates` joined on.
        found: Each aggregate's column, bounded by its values.
        quota: The row's quota, when the plan uses one.
    """
    columns: dict[str, Fixed] = {}
    for name, m in plan.measures.items():
        col = measure_column(name)
        with step(f"measures.{name}"):
            value = _value(m, col, columns, found, quota)
        frame = with_steps(frame, value.alias(col))
        columns[name] = Fixed.stored(frame, col, value.scale)
    return frame, columns


def _value(
    m: models.Measure,
    col: str,
    columns: dict[str, Fixed],
    found: dict[str, Fixed],
    quota: Fixed | None,
) -> Fixed:
    """A measure's value per row, from the measures above it (``columns``) and the
    aggregates (``found``)."""
    zero = Fixed.lit(0)
    value: Fixed
    if isinstance(m, models.SumMeasure | models.CountMeasure):
        value = found[col].fill_null(zero)
    elif isinstance(m, models.AttainmentMeasure):
        assert quota is not None  # plans with attainment load quotas
        value = columns[m.attainment].div(quota, RATIO_SCALE)
    elif isinstance(m, models.RatioMeasure):
        value = columns[m.ratio[0]].div(columns[m.ratio[1]], RATIO_SCALE)
    else:
        n = found[f"{col}:n"].fill_null(zero)
        least = max(getattr(m, "min_ratings", None) or 1, 1)
        if isinstance(m, models.ReportCardMeasure):
            ratio = found[f"{col}:points"].div(found[f"{col}:weight"], RATIO_SCALE)
        else:
            ratio = found[f"{col}:score"].div(n, RATIO_SCALE)
        value = ratio.where(n.expr >= least)
    if m.default is not None:
        value = value.fill_null(Fixed.lit(m.default))
    return value
