"""Measures: one exact number (or null) per row, from aggregates of the input tables.

Each table the plan reads is grouped once by (rep_id, period) with one aggregate per measure
that needs it; the aggregates are joined onto the rows, then the measures are computed in
plan order (a measure may use those above it).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from compengine.data.inputs import Inputs
from compengine.data.schema import TABLES
from compengine.engine.fixed import I128, Fixed, scale_of, when, with_steps
from compengine.plan import models

RATIO_SCALE = 6  # attainment, ratios, report card, rates and curves: 6 decimals, half-even


@dataclass(frozen=True)
class Aggregate:
    """One aggregate column of one table, and the scale of its values.

    ``value`` is the Int128 each row of the table adds to the sum (null for a row the
    measure's ``where`` leaves out); the aggregate is its sum per (rep_id, period). Sums of
    plain columns take polars' fast group-by path, where a filter inside the aggregation
    would be evaluated group by group.
    """

    table: str
    name: str
    value: pl.Expr
    scale: int

    @property
    def expr(self) -> pl.Expr:
        """The aggregation: the sum of ``value`` over a group's rows."""
        return self.value.sum()


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


def _counted(keep: pl.Expr) -> pl.Expr:
    """1 for each row ``keep`` holds for, else 0: its sum counts them."""
    return keep.cast(I128)


def _points(column: str, card: models.ReportCard | None) -> Fixed:
    points = card.grade_points if card else models.GradePoints()
    scale = max(scale_of(points.A), scale_of(points.B), scale_of(points.D))
    mapping = {g: int(getattr(points, g).scaleb(scale)) for g in ("A", "B", "D")}
    return Fixed(pl.col(column).replace_strict(mapping, default=None, return_dtype=I128), scale)


def _within(days: int) -> pl.Expr:
    age = (pl.col("resolved") - pl.col("opened")).dt.total_days()
    return pl.col("resolved").is_not_null() & (age <= days)


def aggregates(plan: models.Plan, inputs: Inputs) -> list[Aggregate]:
    """The per-table aggregates every table-reading measure needs."""
    out: list[Aggregate] = []
    scales = inputs.scales
    for name, m in plan.measures.items():
        col = measure_column(name)
        if isinstance(m, models.SumMeasure):
            table, _ = m.sum.split(".")
            if table == "transactions":
                split_scale = scales["transactions"]["split"]
                split = pl.col("split").fill_null(pl.lit(10**split_scale, I128))
                value = Fixed(
                    pl.col("amount") * split, scales["transactions"]["amount"] + split_scale
                )
            else:
                value_scale = scales["events"]["value"]
                value = Fixed(pl.col("value").fill_null(pl.lit(10**value_scale, I128)), value_scale)
            out.append(Aggregate(table, col, _kept(value.expr, _where(m, table)), value.scale))
        elif isinstance(m, models.CountMeasure):
            out.append(Aggregate(m.count, col, _counted(_where(m, m.count)), 0))
        elif isinstance(m, models.ReportCardMeasure):
            card = plan.report_card
            assert card is not None  # plan rules require a report card for this kind
            w_scale = max(scale_of(w) for w in card.behaviours.values())
            weights = {b: int(w.scaleb(w_scale)) for b, w in card.behaviours.items()}
            weight = Fixed(pl.col("behaviour").replace_strict(weights, return_dtype=I128), w_scale)
            points = _points("grade", card) * weight
            keep = _where(m, "grades")
            out += [
                Aggregate("grades", f"{col}:points", _kept(points.expr, keep), points.scale),
                Aggregate("grades", f"{col}:weight", _kept(weight.expr, keep), weight.scale),
                Aggregate("grades", f"{col}:n", _counted(keep), 0),
            ]
        elif isinstance(m, models.ResolutionRateMeasure | models.RecoveryScoreMeasure):
            table = "feedback" if isinstance(m, models.ResolutionRateMeasure) else "incidents"
            keep = _where(m, table)
            if isinstance(m, models.ResolutionRateMeasure):
                score = Fixed(_within(m.within_days).cast(I128), 0)
            else:
                points = _points("recovery_grade", plan.report_card)
                score = when(_within(m.within_days), points, Fixed.lit(0))
            out += [
                Aggregate(table, f"{col}:score", _kept(score.expr, keep), score.scale),
                Aggregate(table, f"{col}:n", _counted(keep), 0),
            ]
    return out


def compute(
    plan: models.Plan, frame: pl.DataFrame, found: dict[str, int], quota: Fixed | None
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Add every measure's column to ``frame`` in plan order; return their scales.

    Args:
        plan: The plan.
        frame: The rows with the aggregates of :func:`aggregates` joined on.
        found: Scale of each aggregate column.
        quota: The row's quota, when the plan uses one.
    """
    scales: dict[str, int] = {}

    def ref(name: str) -> Fixed:
        return Fixed.col(measure_column(name), scales[name])

    for name, m in plan.measures.items():
        col = measure_column(name)
        value: Fixed
        if isinstance(m, models.SumMeasure | models.CountMeasure):
            value = Fixed(pl.col(col).fill_null(pl.lit(0, I128)), found[col])
        elif isinstance(m, models.AttainmentMeasure):
            assert quota is not None  # plans with attainment load quotas
            value = ref(m.attainment).div(quota, RATIO_SCALE)
        elif isinstance(m, models.RatioMeasure):
            value = ref(m.ratio[0]).div(ref(m.ratio[1]), RATIO_SCALE)
        else:
            n = pl.col(f"{col}:n").fill_null(pl.lit(0, I128))
            least = max(getattr(m, "min_ratings", None) or 1, 1)
            if isinstance(m, models.ReportCardMeasure):
                points = Fixed.col(f"{col}:points", found[f"{col}:points"])
                weight = Fixed.col(f"{col}:weight", found[f"{col}:weight"])
                ratio = points.div(weight, RATIO_SCALE)
            else:
                score = Fixed.col(f"{col}:score", found[f"{col}:score"])
                ratio = score.div(Fixed(n, 0), RATIO_SCALE)
            value = Fixed(pl.when(n >= least).then(ratio.expr), RATIO_SCALE)
        if m.default is not None:
            value = value.fill_null(Fixed.lit(m.default))
        frame = with_steps(frame, value.alias(col))
        scales[name] = value.scale
    return frame, scales
