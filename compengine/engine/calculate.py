"""The calculation: rows -> period targets -> measures -> components -> modifiers -> caps.

Every step is a named column of one frame (``period_target``, ``measure:revenue``,
``component:bonus:base``, ``modifier:0``, ``component:bonus:capped``, ...), so the audit
trail reads the steps the engine actually took. Everything is vectorised: the only Python
loops run over the plan's measures, components and modifiers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import polars as pl

from compengine.data import periods
from compengine.data.inputs import PERIOD, Inputs
from compengine.data.read import ROW
from compengine.data.schema import TABLES
from compengine.engine import components, measures
from compengine.engine.fixed import I128, Fixed, Unfit, step, stored, texts, when, with_steps
from compengine.errors import PlanError, Reason
from compengine.plan import models

ROW_KEY = "_row_key"  # see _row_key
PERIODS_PER_YEAR = {"month": 12, "quarter": 4}
MOST_DAYS = 92  # in a period: a quarter's


@dataclass(frozen=True)
class Result:
    """The frame of every step and the two output tables as text."""

    steps: pl.DataFrame
    scales: dict[str, int]  # step column -> scale
    payouts: pl.DataFrame
    measures: pl.DataFrame


def component_column(name: str, step: str = "") -> str:
    return f"component:{name}:{step}" if step else f"component:{name}"


def calculate(
    plan: models.Plan,
    inputs: Inputs,
    streaming: bool = False,
    where: Callable[[str], str] | None = None,
) -> Result:
    """Calculate every row of ``inputs`` under ``plan``; ``where`` names where a key of the
    plan is written (:attr:`~compengine.plan.load.LoadedPlan.where`), for messages.

    ``streaming`` runs the queries that aggregate the input tables and format the outputs on
    polars' streaming engine; the results are the same. The steps (:func:`with_steps`) stay
    on the in-memory engine: their input is a frame in memory, which the streaming engine
    would copy whole at each step, raising the peak without saving anything.

    Raises:
        PlanError: when the plan's numbers need more decimal places, or the plan's and the
            data's numbers more digits, than exact Int128 arithmetic holds.
    """
    with exact(plan, where):
        return _calculate(plan, inputs, streaming)


@contextmanager
def exact(plan: models.Plan, where: Callable[[str], str] | None = None) -> Iterator[None]:
    """Turn exact arithmetic that would not fit an Int128 (OverflowError, raised while an
    expression is built) into the plan's PlanError, naming the plan key's file and line when
    ``where`` tells them (:attr:`~compengine.plan.load.LoadedPlan.where`)."""
    try:
        yield
    except OverflowError as exc:
        if isinstance(exc, Unfit) and where is not None:
            said = f"{where(exc.key)}: {exc.detail}"
        else:
            said = f"{plan.plan}: {exc}"
        raise PlanError(
            f"{said}. Hint: use fewer decimals in rates and factors, or check the data's "
            "largest amounts and values.",
            Reason.PRECISION,
        ) from None


def _calculate(plan: models.Plan, inputs: Inputs, streaming: bool) -> Result:
    scales: dict[str, int] = {}
    frame = inputs.rows
    per_year = PERIODS_PER_YEAR[plan.period]
    target = Fixed.col(
        "target_incentive",
        inputs.scales["reps"]["target_incentive"],
        measures.largest(inputs, "reps", "target_incentive"),
    )
    days = Fixed(pl.col("employed_days").cast(I128), 0, MOST_DAYS)
    span = Fixed(pl.col("days_in_period").cast(I128) * pl.lit(per_year, I128), 0, MOST_DAYS * 12)
    with step("period_target"):
        period_target = (target * days).div(span, plan.decimals, plan.rounding)
    frame = with_steps(frame, period_target.alias("period_target"))
    scales["period_target"] = plan.decimals
    period_target = Fixed.stored(frame, "period_target", plan.decimals)

    row_key = _row_key(frame)
    frame = frame.with_columns(row_key)
    quota: Fixed | None = None
    if inputs.quotas is not None:
        quotas = inputs.quotas.select(row_key, "quota")
        frame = frame.join(quotas, on=ROW_KEY, how="left", maintain_order="left")
        quota = Fixed.stored(quotas, "quota", inputs.scales["quotas"]["quota"])
        scales["quota"] = quota.scale

    frame, found = _join_aggregates(plan, inputs, frame, row_key, streaming)
    frame, measure_columns = measures.compute(plan, frame, found, quota)
    scales.update({measures.measure_column(n): c.scale for n, c in measure_columns.items()})
    measure = measure_columns.__getitem__

    # Each step's bound comes from its operands while it is built, then from its values
    # (one pass for the steps of a kind: stored()).
    for name, c in plan.components.items():
        with step(f"components.{name}"):
            if isinstance(c, models.Commission):
                base = components.commission(c, measure(c.commission), quota)
            else:
                base = components.bonus(c, measure(c.bonus), period_target)
        frame = with_steps(frame, base.alias(component_column(name, "base")))
        scales[component_column(name, "base")] = base.scale
    bases = stored(frame, {component_column(n, "base"): scales[component_column(n, "base")]
                           for n in plan.components})  # fmt: skip
    amounts = {name: bases[component_column(name, "base")] for name in plan.components}

    factor_scales: dict[str, int] = {}
    for i, mod in enumerate(plan.modifiers):
        with step(f"modifiers[{i}]"):
            factor = _factor(mod, measure)
        frame = with_steps(frame, factor.alias(f"modifier:{i}"))
        scales[f"modifier:{i}"] = factor_scales[f"modifier:{i}"] = factor.scale
    factors = stored(frame, factor_scales)
    for i, mod in enumerate(plan.modifiers):
        for name in mod.apply_to:
            with step(f"modifiers[{i}]"):
                amounts[name] = amounts[name] * factors[f"modifier:{i}"]

    for name, c in plan.components.items():
        with step(f"components.{name}"):
            limited = capped(c, amounts[name], period_target)
            rounded = limited.round(plan.decimals, plan.rounding)
        frame = with_steps(
            frame,
            limited.alias(component_column(name, "capped")),
            rounded.alias(component_column(name)),
        )
        scales[component_column(name, "capped")] = limited.scale
        scales[component_column(name)] = plan.decimals
    paid = stored(frame, {component_column(n): plan.decimals for n in plan.components})

    frame, adjustments = _adjustments(plan, inputs, frame, row_key)
    total = adjustments
    for amount in paid.values():
        total = total + amount
    scales["adjustments"] = scales["total"] = plan.decimals
    # in the rows' (rep_id, period) order
    frame = with_steps(frame, total.alias("total")).drop(ROW_KEY)
    return Result(frame, scales, *_outputs(plan, frame, scales, streaming))


def _row_key(rows: pl.DataFrame) -> pl.Expr:
    """One Int64 per (rep_id, period) of ``rows``: the rep's place among the rows' reps, then
    the period. Grouping the tables and joining them to the rows on it is cheaper than on the
    text rep_id (hashing and comparing strings). Every rep of an input row in the run's
    periods has rows (:func:`~compengine.data.inputs.calculation_rows`)."""
    reps = pl.Enum(rows["rep_id"].unique(maintain_order=True))
    place = pl.col("rep_id").cast(reps).to_physical().cast(pl.Int64)
    return (place * pl.lit(2**32, pl.Int64) + pl.col(PERIOD)).alias(ROW_KEY)


def _join_aggregates(
    plan: models.Plan, inputs: Inputs, frame: pl.DataFrame, row_key: pl.Expr, streaming: bool
) -> tuple[pl.DataFrame, dict[str, Fixed]]:
    """Group each table the plan reads once, and join its aggregates onto the rows.

    The tables are grouped side by side (one ``collect_all``): a small table's grouping
    alone would leave a core idle.
    """
    found: dict[str, int] = {}
    wanted = measures.aggregates(plan, inputs)
    groupings: list[pl.LazyFrame] = []
    for table in dict.fromkeys(a.table for a in wanted):
        mine = [a for a in wanted if a.table == table]
        data = inputs.tables[table]
        where_texts = _where_columns(plan, table)
        if where_texts:  # `where` on a number or date column compares the text as written
            raw = inputs.files[table].frame.select(
                ROW, *(pl.col(c).alias(f"text:{c}") for c in where_texts)
            )
            data = data.join(raw, on=ROW, how="left")
        names = [a.name for a in mine]
        found.update({a.name: a.scale for a in mine})
        groupings.append(
            data.lazy()
            .select(row_key, *(a.value.alias(a.name) for a in mine))
            .group_by(ROW_KEY)
            .agg(pl.col(names).sum())
        )
    for grouped in pl.collect_all(groupings, engine="streaming" if streaming else "auto"):
        frame = frame.join(grouped, on=ROW_KEY, how="left", maintain_order="left")
    return frame, stored(frame, found)


def _where_columns(plan: models.Plan, table: str) -> list[str]:
    """Number and date columns that the ``where`` of a measure reading ``table`` names."""
    kinds = {c.name: c.kind for c in TABLES[table].columns}
    return sorted(
        {
            column
            for m in plan.measures.values()
            if measures.table_of(m) == table
            for column in (getattr(m, "where", None) or {})
            if kinds[column] not in ("text", "grade")
        }
    )


def _factor(mod: models.Multiplier | models.Gate, measure: Callable[[str], Fixed]) -> Fixed:
    """A modifier's factor per row; a null measure leaves the components unchanged (1)."""
    if isinstance(mod, models.Multiplier):
        value = measure(mod.by)
        factor = components.band_value(list(mod.bands), value)
    else:
        value = measure(mod.gate)
        factor = when(value < Fixed.lit(mod.below), Fixed.lit(mod.factor), Fixed.lit(1))
    return when(value.is_null(), Fixed.lit(1), factor)


def capped(c: models.Commission | models.Bonus, amount: Fixed, period_target: Fixed) -> Fixed:
    """The lower of the component's caps, applied to positive amounts only."""
    caps = []
    if c.cap_amount is not None:
        caps.append(Fixed.lit(c.cap_amount))
    if c.cap_target_multiple is not None:
        caps.append(Fixed.lit(c.cap_target_multiple) * period_target)
    if not caps:
        return amount
    cap = caps[0] if len(caps) == 1 else caps[0].minimum(caps[1])
    return when(amount > cap, cap, amount)


def _adjustments(
    plan: models.Plan, inputs: Inputs, frame: pl.DataFrame, row_key: pl.Expr
) -> tuple[pl.DataFrame, Fixed]:
    """The row's adjustments, summed and rounded like a paid amount."""
    scale = inputs.scales["adjustments"]["amount"]
    summed = (
        inputs.tables["adjustments"].group_by(row_key).agg(pl.col("amount").sum().alias("_adj"))
    )
    # No row's sum is larger than the largest amount times the table's rows.
    most = measures.largest(inputs, "adjustments", "amount") * inputs.tables["adjustments"].height
    with step("adjustments"):
        adjusted = Fixed.col("_adj", scale, most)
        value = adjusted.fill_null(Fixed.lit(0)).round(plan.decimals, plan.rounding)
    frame = frame.join(summed, on=ROW_KEY, how="left", maintain_order="left")
    frame = with_steps(frame, value.alias("adjustments")).drop("_adj")
    return frame, Fixed.stored(frame, "adjustments", plan.decimals)


def _outputs(
    plan: models.Plan, frame: pl.DataFrame, scales: dict[str, int], streaming: bool
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The payouts and measures tables as text, from one pass over the steps."""
    money = [(component_column(n), n) for n in plan.components]
    money += [("adjustments", "adjustments"), ("total", "total")]
    measured = [("period_target", "period_target")]
    measured += [(measures.measure_column(n), n) for n in plan.measures]
    columns = {c: scales[c] for c, _ in money + measured}
    text = (
        frame.lazy()
        .select(
            "rep_id",
            periods.label_expr(pl.col(PERIOD), plan.period).alias("period"),
            *texts(frame, columns),
        )
        .collect(engine="streaming" if streaming else "in-memory")
    )
    payouts = text.select("rep_id", "period", *(pl.col(c).alias(n) for c, n in money))
    return payouts, text.select("rep_id", "period", *(pl.col(c).alias(n) for c, n in measured))
