"""The quarterly plans in ``plans/`` written by hand as polars queries, benchmark baselines.

What a data engineer would write without compengine for ``account-manager-quarterly.yaml``
and ``weighted-scorecard.yaml``: floats, no validation, no audit trail, one lazy query per
plan over the CSVs, collected once. Monthly quotas are summed into their quarter; monthly
grades and adjustments count in the quarter that holds their month. It writes
``payouts.csv`` (rep_id, period, each component, adjustments, total) so the benchmark can
check it pays what compengine pays.

    python benchmarks/handwritten_quarterly.py --plan NAME --data DIR --out FILE
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import polars as pl
from handwritten import curve

KEYS = ["rep_id", "quarter"]
POINTS = {"A": 100.0, "B": 75.0, "D": 0.0}


def quarter_of(column: str) -> pl.Expr:
    """Quarter index (year * 4 + quarter - 1) of a date column."""
    date = pl.col(column).str.to_date("%Y-%m-%d")
    year, month = date.dt.year().cast(pl.Int32), date.dt.month().cast(pl.Int32)
    return (year * 4 + (month - 1) // 3).alias("quarter")


def period_quarter() -> pl.Expr:
    """Quarter index of a ``YYYY-MM`` period column."""
    year, month = pl.col("period").str.slice(0, 4), pl.col("period").str.slice(5, 2)
    return (year.cast(pl.Int32) * 4 + (month.cast(pl.Int32) - 1) // 3).alias("quarter")


def within(days: int) -> pl.Expr:
    """Resolved no later than ``days`` after it was opened."""
    age = (
        pl.col("resolved").str.to_date("%Y-%m-%d") - pl.col("opened").str.to_date("%Y-%m-%d")
    ).dt.total_days()
    return pl.col("resolved").is_not_null() & (age <= days)


def round_money(value: pl.Expr, half_up: bool) -> pl.Expr:
    """A paid amount rounded to cents, half up or half even as the plan says."""
    return value.round(2, mode="half_away_from_zero" if half_up else "half_to_even")


class Tables:
    """The CSVs of a data folder, scanned lazily, and the rows (rep, quarter) to pay."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.txns = self.scan("transactions").with_columns(
            quarter_of("date"), credit=pl.col("amount") * pl.col("split").fill_null(1.0)
        )
        self.grades = self.scan("grades").with_columns(period_quarter())
        self.feedback = self.scan("feedback").with_columns(quarter_of("opened"))
        self.incidents = self.scan("incidents").with_columns(quarter_of("opened"))
        self.events = self.scan("events").with_columns(quarter_of("date"))
        self.adjustments = (
            self.scan("adjustments").with_columns(period_quarter()).group_by(KEYS).agg(
                pl.col("amount").sum()
            )
        )  # fmt: skip
        self.quotas = (
            self.scan("quotas").with_columns(period_quarter()).group_by(KEYS).agg(
                pl.col("quota").sum()
            )
        )  # fmt: skip

    def scan(self, table: str) -> pl.LazyFrame:
        """One table, its ``period`` column kept as text."""
        return pl.scan_csv(self.data / f"{table}.csv", schema_overrides={"period": pl.String})

    def rows(self) -> pl.LazyFrame:
        """Every (rep, quarter) employed a day or with input rows, with its period target."""
        dated = (self.txns, self.grades, self.feedback, self.incidents, self.events)
        active = pl.concat([f.select(KEYS) for f in (*dated, self.adjustments)]).unique()
        bounds = active.select(first=pl.col("quarter").min(), last=pl.col("quarter").max())
        quarters = bounds.select(quarter=pl.int_ranges("first", pl.col("last") + 1))
        start = pl.date(pl.col("quarter") // 4, pl.col("quarter") % 4 * 3 + 1, 1)
        end = start.dt.offset_by("3mo").dt.offset_by("-1d")
        hire, leave = (pl.col(c).str.to_date("%Y-%m-%d") for c in ("hire_date", "termination_date"))
        grid = (
            self.scan("reps")
            .join(quarters.explode("quarter"), how="cross")
            .with_columns(
                employed=(
                    pl.min_horizontal(end, leave.fill_null(end)) - pl.max_horizontal(start, hire)
                ).dt.total_days()
                + 1,
                days=((end - start).dt.total_days() + 1).cast(pl.Float64),
            )
        )
        rows = pl.concat(
            [grid.filter(pl.col("employed") > 0), grid.join(active, on=KEYS, how="semi")]
        ).unique(KEYS)
        return rows.with_columns(
            period_target=(
                pl.col("target_incentive") * pl.col("employed").clip(0) / (4 * pl.col("days"))
            ).round(2)
        )

    def report_card(self, weights: dict[str, float], min_ratings: int) -> pl.LazyFrame:
        """``relationship``: the weighted grade points of each (rep, quarter)."""
        graded = self.grades.with_columns(
            w=pl.col("behaviour").replace_strict(weights, return_dtype=pl.Float64),
            p=pl.col("grade").replace_strict(POINTS, return_dtype=pl.Float64),
        )
        score = ((pl.col("p") * pl.col("w")).sum() / pl.col("w").sum()).round(6)
        return graded.group_by(KEYS).agg(
            relationship=pl.when(pl.len() >= min_ratings).then(score)
        )  # fmt: skip

    def recovery(self, days: int) -> pl.LazyFrame:
        """``recovery``: the mean recovery points of each (rep, quarter)'s incidents."""
        points = pl.col("recovery_grade").replace_strict(POINTS, return_dtype=pl.Float64)
        return self.incidents.group_by(KEYS).agg(
            recovery=pl.when(within(days)).then(points).otherwise(0.0).mean().round(6)
        )


def payouts(frame: pl.LazyFrame, components: dict[str, pl.Expr], half_up: bool) -> pl.LazyFrame:
    """The payouts file: rounded components, adjustments, total, sorted."""
    rounded = {name: round_money(amount, half_up) for name, amount in components.items()}
    period = (
        (pl.col("quarter") // 4).cast(pl.String)
        + "-Q"
        + (pl.col("quarter") % 4 + 1).cast(pl.String)
    )
    names = [*components, "adjustments"]
    return (
        frame.with_columns(
            **rounded, adjustments=round_money(pl.col("amount").fill_null(0.0), half_up)
        )
        .select("rep_id", period.alias("period"), *names, total=pl.sum_horizontal(*names))
        .sort("rep_id", "period")
    )


def capped(amount: pl.Expr, cap: pl.Expr) -> pl.Expr:
    """A cap on positive amounts."""
    return pl.when((amount > 0) & (amount > cap)).then(cap).otherwise(amount)


def account_manager(data: Path) -> pl.LazyFrame:
    """plans/account-manager-quarterly.yaml."""
    t = Tables(data)
    revenue = t.txns.group_by(KEYS).agg(
        revenue=pl.col("credit").sum(),
        existing_revenue=pl.col("credit").filter(pl.col("deal_type") == "existing").sum(),
    )
    kind = pl.col("kind")
    events = t.events.group_by(KEYS).agg(
        strategy_hours=pl.col("value").fill_null(1.0).filter(kind == "joint_strategy").sum(),
        advocacy=kind.is_in(["referral", "testimonial"]).sum(),
    )
    weights = {
        "listens_actively": 1.0,
        "returns_calls_promptly": 1.0,
        "keeps_promises": 3.0,
        "speaks_plainly": 1.0,
        "solves_my_problems": 2.0,
        "owns_service_recovery": 3.0,
    }
    frame = t.rows()
    for table in (revenue, events, t.report_card(weights, 6), t.recovery(7), t.adjustments):
        frame = frame.join(table, on=KEYS, how="left")
    frame = frame.join(t.quotas, on=KEYS, how="left")
    revenue_col = pl.col("revenue").fill_null(0.0)
    existing = pl.col("existing_revenue").fill_null(0.0)
    attainment = (revenue_col / pl.col("quota")).round(6)
    share = pl.when(revenue_col != 0).then((existing / revenue_col).round(6))
    rate = (
        pl.when(attainment >= 1.3)
        .then(0.055)
        .when(attainment >= 1.0)
        .then(0.045)
        .when(attainment >= 0.75)
        .then(0.03)
        .otherwise(0.015)
    )
    relationship = pl.col("relationship")
    by_relationship = (
        pl.when(relationship.is_null())
        .then(1.0)
        .when(relationship >= 85)
        .then(1.1)
        .when(relationship >= 70)
        .then(1.0)
        .otherwise(0.85)
    )
    gate = pl.when(pl.col("recovery").fill_null(100.0) < 30).then(0.75).otherwise(1.0)
    target = pl.col("period_target")
    components = {
        "revenue_commission": capped(rate * revenue_col * by_relationship * gate, pl.lit(45000.0)),
        "growth_bonus": target * 0.15 * curve(share, [(0.5, 0), (0.65, 1.0), (0.8, 1.3)])
        * by_relationship,
        "strategy_bonus": target * 0.10
        * curve(pl.col("strategy_hours").fill_null(0.0), [(0, 0), (3, 1.0), (6, 1.25)]),
        "advocacy_bonus": target * 0.05
        * curve(pl.col("advocacy").fill_null(0).cast(pl.Float64), [(0, 0), (1, 0.5), (3, 1.0)]),
    }  # fmt: skip
    return payouts(frame, components, half_up=True)


def weighted_scorecard(data: Path) -> pl.LazyFrame:
    """plans/weighted-scorecard.yaml."""
    t = Tables(data)
    revenue = t.txns.group_by(KEYS).agg(revenue=pl.col("credit").sum())
    weights = {
        "listens_actively": 1.0,
        "never_breaks_a_promise": 1.0,
        "acts_like_a_partner": 1.0,
        "champion_inside": 1.0,
    }
    feedback = t.feedback.group_by(KEYS).agg(feedback=within(14).mean().round(6))
    frame = t.rows()
    for table in (revenue, t.report_card(weights, 0), feedback, t.recovery(7), t.adjustments):
        frame = frame.join(table, on=KEYS, how="left")
    frame = frame.join(t.quotas, on=KEYS, how="left")
    attainment = (pl.col("revenue").fill_null(0.0) / pl.col("quota")).round(6)
    relationship = pl.col("relationship").fill_null(75.0)
    target = pl.col("period_target")
    gate = pl.when(relationship < 40).then(0.0).otherwise(1.0)
    revenue_score = target * 0.55 * curve(attainment, [(0.6, 0), (1.0, 1.0), (1.5, 2.0)]) * gate
    components = {
        "revenue_score": capped(revenue_score, 1.1 * target),
        "relationship_score": target * 0.25 * curve(relationship, [(50, 0), (100, 1.25)]),
        "feedback_score": target * 0.10
        * curve(pl.col("feedback").fill_null(1.0), [(0.7, 0), (1.0, 1.0)]),
        "recovery_score": target * 0.10 * curve(pl.col("recovery"), [(0, 0), (100, 1.0)]),
    }  # fmt: skip
    return payouts(frame, components, half_up=False)


QUERIES: dict[str, Callable[[Path], pl.LazyFrame]] = {
    "account-manager-quarterly": account_manager,
    "weighted-scorecard": weighted_scorecard,
}


def main() -> None:
    """Run the plan's query on ``--data`` and write ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", choices=QUERIES, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    QUERIES[args.plan](args.data).collect().write_csv(args.out, float_precision=2)


if __name__ == "__main__":
    main()
