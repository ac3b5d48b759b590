"""Compare a proposed plan with the base plan on the same data, to the cent.

Every amount is an Int128 column at :attr:`Comparison.scale` (the larger of the two plans'
``decimals``), summed from the rounded paid amounts the engine produced, so the differences
are exact. Percentages are of the base's size (a gain is positive where the base pay is
negative, a clawback), rounded to 2 places half away from zero, like the spreadsheet
``ROUND`` that recomputes them in ``comparison.xlsx``, and are null when the base is 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl

from compengine.data import periods
from compengine.data.inputs import PERIOD
from compengine.engine.calculate import component_column, exact
from compengine.engine.fixed import I128, Fixed
from compengine.errors import PlanError, Reason
from compengine.plan.load import LoadedPlan
from compengine.scenarios.relationship import BANDS, relationship_pay, report_card_bands
from compengine.scenarios.run import DataFolder, Scenario, run_scenario

PCT_DECIMALS = 2
MOVERS = 5


@dataclass(frozen=True)
class Totals:
    """One plan's cost over the range and how much of its pay rewards relationships."""

    cost: Decimal  # every row's total: components and adjustments
    components: Decimal  # the plan's components only
    relationship_pay: Decimal  # see compengine.scenarios.relationship
    relationship_share: Decimal | None  # percent of component pay, 2 places


@dataclass(frozen=True)
class Comparison:
    """Base and proposed plan on the same data, and the tables that compare them."""

    base: Scenario
    proposed: Scenario
    scale: int
    reps: pl.DataFrame  # rep_id, relationship_band, report_card_score, base, proposed, ...
    periods: pl.DataFrame  # period, base, proposed, difference
    components: pl.DataFrame  # component, base, proposed, difference
    bands: pl.DataFrame  # relationship_band, reps, base, proposed, difference, change_pct, ...
    totals: dict[str, Totals]  # "base", "proposed"

    def count(self, sign: int) -> int:
        """Reps who gain (1), lose (-1) or see no change (0)."""
        diff = pl.col("difference")
        test = diff > 0 if sign > 0 else diff < 0 if sign < 0 else diff == 0
        return self.reps.filter(test).height

    def movers(self, sign: int, n: int = MOVERS) -> pl.DataFrame:
        """The ``n`` largest gains (1) or losses (-1), ties by rep_id."""
        keep = self.reps.filter(pl.col("difference") > 0 if sign > 0 else pl.col("difference") < 0)
        return keep.sort(["difference", "rep_id"], descending=[sign > 0, False]).head(n)


def to_decimal(value: int | None, scale: int) -> Decimal | None:
    """An Int128 value at ``scale`` as an exact Decimal."""
    return None if value is None else Decimal(value).scaleb(-scale)


def _percent(diff: Fixed, base: Fixed) -> pl.Expr:
    """The change in percent of the base's size: a gain is positive, and a loss negative,
    where the base pay is negative too (a clawback); none on a base of 0."""
    size = Fixed(base.expr.abs(), base.scale, base.bound)
    return (diff * Fixed.lit(100)).div(size, PCT_DECIMALS, "half_up").expr


def _with_difference(frame: pl.DataFrame, scale: int) -> pl.DataFrame:
    base, proposed = Fixed.stored(frame, "base", scale), Fixed.stored(frame, "proposed", scale)
    diff = proposed - base
    return frame.with_columns(diff.alias("difference"), _percent(diff, base).alias("change_pct"))


def _totals_by(scenario: Scenario, by: str, scale: int) -> pl.DataFrame:
    steps = scenario.result.steps
    total = Fixed.stored(steps, "total", scenario.plan.decimals).at(scale)
    return steps.group_by(by).agg(total.sum().alias("value"))


def _joined(base: Scenario, proposed: Scenario, by: str, scale: int) -> pl.DataFrame:
    left = _totals_by(base, by, scale).rename({"value": "base"})
    right = _totals_by(proposed, by, scale).rename({"value": "proposed"})
    zero = pl.lit(0, I128)
    return (
        left.join(right, on=by, how="full", coalesce=True)
        .with_columns(pl.col("base").fill_null(zero), pl.col("proposed").fill_null(zero))
        .sort(by)
    )


def component_sums(scenario: Scenario, scale: int) -> dict[str, int]:
    """Each component's (and the adjustments') sum over every row, as integers at ``scale``."""
    names = [*scenario.plan.components, "adjustments"]
    columns = [component_column(n) for n in scenario.plan.components] + ["adjustments"]
    steps = scenario.result.steps
    row = steps.select(
        Fixed.stored(steps, c, scenario.plan.decimals).at(scale).sum().alias(n)
        for c, n in zip(columns, names, strict=True)
    ).row(0)
    return dict(zip(names, (int(v) for v in row), strict=True))


def plan_totals(scenario: Scenario, components: dict[str, int], scale: int) -> Totals:
    """Cost, component pay and relationship pay (rounded half-even to ``scale``) of a plan."""
    cost = sum(components.values())
    paid = cost - components["adjustments"]
    with exact(scenario.plan, scenario.loaded.where):
        pay = relationship_pay(scenario.plan, scenario.result)
    pay_total = to_decimal(scenario.result.steps.select(pay.expr.sum()).item(), pay.scale)
    assert pay_total is not None
    step = Decimal(1).scaleb(-scale)
    share = (
        (pay_total * 100 / to_decimal(paid, scale)).quantize(Decimal("0.01"))  # type: ignore[operator]
        if paid
        else None
    )
    return Totals(
        cost=to_decimal(cost, scale) or Decimal(0),
        components=to_decimal(paid, scale) or Decimal(0),
        relationship_pay=pay_total.quantize(step),
        relationship_share=share,
    )


def _bands(reps: pl.DataFrame, scale: int) -> pl.DataFrame:
    grouped = reps.group_by("relationship_band").agg(
        pl.len().alias("reps"), pl.col("base").sum(), pl.col("proposed").sum()
    )
    order = pl.DataFrame({"relationship_band": list(BANDS)})
    zero = pl.lit(0, I128)
    frame = order.join(grouped, on="relationship_band", how="left", maintain_order="left")
    frame = frame.with_columns(
        pl.col("reps").fill_null(0).cast(pl.Int64),
        pl.col("base").fill_null(zero),
        pl.col("proposed").fill_null(zero),
    )
    frame = _with_difference(frame, scale)
    n = Fixed(pl.col("reps").cast(I128), 0, Fixed.stored(frame, "reps", 0).bound)
    return frame.with_columns(
        Fixed.stored(frame, c, scale).div(n, scale).alias(f"{c}_per_rep")
        for c in ("base", "proposed", "difference")
    )


def _comparable(base: LoadedPlan, proposed: LoadedPlan) -> None:
    """Refuse plans whose amounts do not compare: other periods, or other currencies."""
    messages = []
    # Named where the proposal says so: its file's line, or the --set that changed it
    if base.plan.period != proposed.plan.period:
        messages.append(
            f"{proposed.where('period')}: {proposed.plan.period}, but {base.path} pays per "
            f"{base.plan.period}. Hint: compare plans of the same period."
        )
    if base.plan.currency != proposed.plan.currency:
        messages.append(
            f"{proposed.where('currency')}: {proposed.plan.currency}, but {base.path} pays in "
            f"{base.plan.currency}. Hint: compare plans of the same currency."
        )
    if messages:
        raise PlanError(messages, Reason.PLAN_INVALID)


def compare_scenarios(base: Scenario, proposed: Scenario) -> Comparison:
    """Compare two calculated scenarios of the same period kind.

    Raises:
        PlanError: when one plan pays months and the other quarters, or its report card's
            points and weights need more places than exact arithmetic holds.
    """
    _comparable(base.loaded, proposed.loaded)
    scale = max(base.plan.decimals, proposed.plan.decimals)
    with exact(base.plan, base.loaded.where):
        bands = report_card_bands(base.plan, base.inputs)
    reps = bands.join(_joined(base, proposed, "rep_id", scale), on="rep_id", how="left")
    reps = _with_difference(reps, scale)
    by_period = _joined(base, proposed, PERIOD, scale)
    by_period = _with_difference(by_period, scale).select(
        periods.label_expr(pl.col(PERIOD), base.plan.period).alias("period"),
        "base",
        "proposed",
        "difference",
        "change_pct",
    )
    sums = {s.name: component_sums(s, scale) for s in (base, proposed)}
    names = list(dict.fromkeys([*sums[base.name], *sums[proposed.name]]))
    names.append(names.pop(names.index("adjustments")))
    components = _with_difference(
        pl.DataFrame(
            {
                "component": names,
                "base": [sums[base.name].get(n, 0) for n in names],
                "proposed": [sums[proposed.name].get(n, 0) for n in names],
            },
            schema={"component": pl.String, "base": I128, "proposed": I128},
        ),
        scale,
    )
    return Comparison(
        base=base,
        proposed=proposed,
        scale=scale,
        reps=reps,
        periods=by_period,
        components=components,
        bands=_bands(reps, scale),
        totals={
            "base": plan_totals(base, sums[base.name], scale),
            "proposed": plan_totals(proposed, sums[proposed.name], scale),
        },
    )


def compare(
    base: LoadedPlan,
    proposed: LoadedPlan,
    data: Path,
    period_from: str | None = None,
    period_to: str | None = None,
) -> Comparison:
    """Run both plans on ``data`` (read and checked once when they need the same) and compare.

    Raises:
        InputDataError: the data breaks the contract for either plan.
        PlanError: the plans cannot be compared, or need more precision than Int128 holds.
    """
    _comparable(base, proposed)
    folder = DataFolder(data, period_from, period_to)
    return compare_scenarios(
        run_scenario("base", base, folder), run_scenario("proposed", proposed, folder)
    )
