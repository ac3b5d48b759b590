"""plans/relationship-first.yaml written by hand as one polars query, the benchmark's baseline.

What a data engineer would write without compengine: floats, no validation, no audit trail,
one lazy query over the CSVs collected once. It writes ``payouts.csv`` (rep_id, period, each
component, adjustments, total) so the benchmark can check it pays what compengine pays.

    python benchmarks/handwritten.py --data DIR --out FILE
"""

from __future__ import annotations

import argparse
from itertools import pairwise
from pathlib import Path

import polars as pl

KEYS = ["rep_id", "month"]
WEIGHTS = {
    "listens_actively": 2.0,
    "returns_calls_promptly": 1.0,
    "keeps_promises": 2.0,
    "speaks_plainly": 1.0,
    "solves_my_problems": 2.0,
    "owns_service_recovery": 2.0,
}
POINTS = {"A": 100.0, "B": 75.0, "D": 0.0}


def month_of(column: str) -> pl.Expr:
    """Month index (year * 12 + month - 1) of a date column."""
    date = pl.col(column).str.to_date("%Y-%m-%d")
    return (date.dt.year().cast(pl.Int32) * 12 + date.dt.month().cast(pl.Int32) - 1).alias("month")


def period_month() -> pl.Expr:
    """Month index of a ``YYYY-MM`` period column."""
    year, month = pl.col("period").str.slice(0, 4), pl.col("period").str.slice(5, 2)
    return (year.cast(pl.Int32) * 12 + month.cast(pl.Int32) - 1).alias("month")


def curve(value: pl.Expr, points: list[tuple[float, float]]) -> pl.Expr:
    """Piecewise-linear curve, flat outside; a repeated x is a step (the later point holds)."""
    out = pl.lit(points[0][1])
    for (x0, y0), (x1, y1) in pairwise(points):
        if x1 > x0:
            out = (
                pl.when(value >= x0).then(y0 + (y1 - y0) * (value - x0) / (x1 - x0)).otherwise(out)
            )
    out = pl.when(value >= points[-1][0]).then(points[-1][1]).otherwise(out)
    return pl.when(value.is_null()).then(0.0).otherwise(out.round(6))


def query(data: Path) -> pl.LazyFrame:
    """The whole plan as one lazy query."""

    def scan(table: str) -> pl.LazyFrame:
        return pl.scan_csv(data / f"{table}.csv", schema_overrides={"period": pl.String})

    txns = scan("transactions").with_columns(
        month_of("date"), credit=pl.col("amount") * pl.col("split").fill_null(1.0)
    )
    revenue = txns.group_by(KEYS).agg(
        revenue=pl.col("credit").sum(),
        existing_revenue=pl.col("credit").filter(pl.col("deal_type") == "existing").sum(),
    )
    grades = (
        scan("grades")
        .with_columns(
            period_month(),
            w=pl.col("behaviour").replace_strict(WEIGHTS, return_dtype=pl.Float64),
            p=pl.col("grade").replace_strict(POINTS, return_dtype=pl.Float64),
        )
        .group_by(KEYS)
        .agg(
            relationship=pl.when(pl.len() >= 3).then(
                ((pl.col("p") * pl.col("w")).sum() / pl.col("w").sum()).round(6)
            )
        )
    )

    def within(days: int) -> pl.Expr:
        age = (
            pl.col("resolved").str.to_date("%Y-%m-%d") - pl.col("opened").str.to_date("%Y-%m-%d")
        ).dt.total_days()
        return pl.col("resolved").is_not_null() & (age <= days)

    feedback = (
        scan("feedback")
        .with_columns(month_of("opened"))
        .group_by(KEYS)
        .agg(feedback=within(10).mean().round(6))
    )
    incidents = (
        scan("incidents")
        .with_columns(month_of("opened"))
        .group_by(KEYS)
        .agg(
            recovery=pl.when(within(5))
            .then(pl.col("recovery_grade").replace_strict(POINTS, return_dtype=pl.Float64))
            .otherwise(0.0)
            .mean()
            .round(6)
        )
    )
    events = (
        scan("events")
        .with_columns(month_of("date"))
        .group_by(KEYS)
        .agg(referrals=pl.col("kind").is_in(["referral", "testimonial"]).sum())
    )
    adjustments = (
        scan("adjustments").with_columns(period_month()).group_by(KEYS).agg(pl.col("amount").sum())
    )
    quotas = scan("quotas").with_columns(period_month()).select(*KEYS, "quota")

    active = pl.concat(
        [f.select(KEYS) for f in (txns, grades, feedback, incidents, events, adjustments)]
    ).unique()
    bounds = active.select(first=pl.col("month").min(), last=pl.col("month").max())
    months = bounds.select(month=pl.int_ranges("first", pl.col("last") + 1)).explode("month")
    start = pl.date(pl.col("month") // 12, pl.col("month") % 12 + 1, 1)
    end = start.dt.month_end()
    hire, leave = (pl.col(c).str.to_date("%Y-%m-%d") for c in ("hire_date", "termination_date"))
    grid = (
        scan("reps")
        .join(months, how="cross")
        .with_columns(
            employed=(
                pl.min_horizontal(end, leave.fill_null(end)) - pl.max_horizontal(start, hire)
            ).dt.total_days()
            + 1,
            days=end.dt.day().cast(pl.Float64),
        )
    )
    rows = pl.concat(
        [
            grid.filter(pl.col("employed") > 0),
            grid.join(active, on=KEYS, how="semi"),
        ]
    ).unique(KEYS)

    frame = rows.with_columns(
        period_target=(
            pl.col("target_incentive") * pl.col("employed").clip(0) / (12 * pl.col("days"))
        ).round(2)
    )
    for table in (revenue, grades, feedback, incidents, events, adjustments, quotas):
        frame = frame.join(table, on=KEYS, how="left")
    revenue_col, quota = pl.col("revenue").fill_null(0.0), pl.col("quota")
    marginal = (
        0.03 * pl.min_horizontal(revenue_col, 0.5 * quota)
        + 0.05 * (revenue_col.clip(0.5 * quota, quota) - 0.5 * quota)
        + 0.08 * (pl.max_horizontal(revenue_col, quota) - quota)
    )
    relationship = pl.col("relationship")
    by_relationship = (
        pl.when(relationship.is_null())
        .then(1.0)
        .when(relationship >= 90)
        .then(1.15)
        .when(relationship >= 75)
        .then(1.0)
        .when(relationship >= 60)
        .then(0.9)
        .otherwise(0.8)
    )
    recovery = pl.col("recovery").fill_null(100.0)
    gate = pl.when(recovery < 25).then(0.5).otherwise(1.0)
    cap = 3 * pl.col("period_target")
    commission = marginal * by_relationship * gate
    target = pl.col("period_target")
    frame = frame.with_columns(
        revenue_commission=pl.when(commission > cap).then(cap).otherwise(commission).round(2),
        account_growth=(0.01 * pl.col("existing_revenue").fill_null(0.0) * gate).round(2),
        relationship_bonus=(
            target * 0.2 * curve(relationship, [(50, 0), (75, 1.0), (100, 1.5)])
        ).round(2),
        feedback_bonus=(
            target * 0.1 * curve(pl.col("feedback"), [(0.5, 0), (0.9, 1.0), (1.0, 1.2)])
        ).round(2),
        recovery_bonus=(target * 0.1 * curve(recovery, [(40, 0), (40, 0.5), (100, 1.0)])).round(2),
        adjustments=pl.col("amount").fill_null(0.0),
    )
    components = [
        "revenue_commission",
        "account_growth",
        "relationship_bonus",
        "feedback_bonus",
        "recovery_bonus",
    ]
    period = (
        (pl.col("month") // 12).cast(pl.String)
        + "-"
        + (pl.col("month") % 12 + 1).cast(pl.String).str.zfill(2)
    )
    return frame.select(
        "rep_id",
        period.alias("period"),
        *components,
        "adjustments",
        total=pl.sum_horizontal(*components, "adjustments"),
    ).sort("rep_id", "period")


def main() -> None:
    """Run the query on ``--data`` and write ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    query(args.data).collect().write_csv(args.out, float_precision=2)


if __name__ == "__main__":
    main()
