"""The ``Inputs``, ``Measures`` and ``Payouts`` sheets: one row per rep and period each.

All three share the row order of ``payouts.csv`` (rep, period), so row ``r`` of one is row
``r`` of the others and a formula on ``Measures!D7`` reads ``Inputs!..7``.
"""

from __future__ import annotations

import polars as pl

from compengine.audit import rows
from compengine.audit.explain_text import where_text
from compengine.audit.formulas import divide
from compengine.audit.layout import Columns, Context
from compengine.audit.xlsx import Sheet, quote_sheet
from compengine.data import periods
from compengine.data.inputs import PERIOD
from compengine.engine import measures
from compengine.plan import models

I128 = pl.Int128


def base_frame(ctx: Context) -> pl.DataFrame:
    """The engine's steps with the sheet row, the period label, adjustments and row counts."""
    plan, inputs = ctx.loaded.plan, ctx.inputs
    keys = ["rep_id", PERIOD]
    adjustments = (
        inputs.tables["adjustments"]
        .group_by(keys)
        .agg(pl.col("amount").sum().alias("_adj_sum"), pl.len().cast(I128).alias("_adj_n"))
    )
    frame = ctx.result.steps.join(adjustments, on=keys, how="left")
    for table in _tables(plan):
        counted = inputs.tables[table].group_by(keys).agg(pl.len().cast(I128).alias(f"_n:{table}"))
        frame = frame.join(counted, on=keys, how="left")
    return (
        frame.sort(keys, maintain_order=True)
        .with_columns(
            pl.int_range(pl.len()).alias("_i"),
            (pl.int_range(pl.len()) + 2).alias("r"),
            periods.label_expr(pl.col(PERIOD), plan.period).alias("_period"),
            pl.col("^_adj_.*$", "^_n:.*$").fill_null(pl.lit(0, I128)),
        )
        .with_columns(pl.col("r").alias("m"))
    )


def _tables(plan: models.Plan) -> list[str]:
    return list(dict.fromkeys(t for m in plan.measures.values() if (t := measures.table_of(m))))


def inputs_sheet(ctx: Context, frame: pl.DataFrame) -> Sheet:
    """Per rep and period: proration inputs, quota, adjustments and each measure's aggregates."""
    plan, inputs = ctx.loaded.plan, ctx.inputs
    cols = Columns()
    count = ctx.fixed(0)
    frame = rows.blocks_of(frame, ctx.raw)

    def put(key: str, header: str, width: float, column: str, scale: int, style: int) -> None:
        made = rows.aggregate(ctx, ctx.raw, key) if ctx.raw else None
        if made is None:
            cols.value(key, header, width, column, scale, style)
        else:
            zero = pl.lit("0")  # a row without rows in the block sums none
            cols.formula_or_value(key, header, width, made.template, made.none, zero, style)

    cols.text("rep_id", "rep_id", 12, pl.col("rep_id"))
    cols.text("period", "period", 10, pl.col("_period"))
    frame = _proration(ctx, cols, frame, count)
    target_scale = inputs.scales["reps"]["target_incentive"]
    put(
        "target_incentive", "target incentive (annual)", 16, "target_incentive", target_scale,
        ctx.money(max(0, target_scale - ctx.decimals)),
    )  # fmt: skip
    if inputs.quotas is not None:
        scale = ctx.result.scales["quota"]
        put("quota", "quota", 14, "quota", scale, ctx.fixed(scale))
    adj_scale = inputs.scales["adjustments"]["amount"]
    put(
        "adjustments", "adjustments (sum of amounts)", 16, "_adj_sum", adj_scale,
        ctx.money(max(0, adj_scale - ctx.decimals)),
    )  # fmt: skip
    put("adjustments:n", "adjustment rows", 10, "_adj_n", 0, count)
    for agg in measures.aggregates(plan, inputs):
        name = agg.name.removeprefix("measure:")
        measure, _, part = name.partition(":")
        header = _aggregate_header(plan.measures[measure], measure, part)
        scale = agg.scale
        column = pl.col(agg.name).fill_null(pl.lit(0, I128))
        frame_column = f"_agg:{agg.name}"
        frame = frame.with_columns(column.alias(frame_column))
        put(agg.name, header, 18, frame_column, scale, ctx.fixed(scale))
    for table in _tables(plan):
        put(f"rows:{table}", f"{table} rows in the period", 12, f"_n:{table}", 0, count)
    ctx.inputs_cols.update(cols.letters)
    return Sheet("Inputs", cols.columns, frame, header_style=ctx.styles.style(bold=True))


def _proration(ctx: Context, cols: Columns, frame: pl.DataFrame, style: int) -> pl.DataFrame:
    """The employed days and the days of the period: with the reps' rows in the workbook,
    formulas over the rep's hire and termination dates (both days count) and the period's
    first and last day; else the engine's values. Returns ``frame`` with the fields they
    read."""
    reps = ctx.raw.get("reps")
    if reps is None:
        cols.value("employed_days", "employed days", 10, "employed_days", 0, style)
        cols.value("days_in_period", "days in period", 10, "days_in_period", 0, style)
        return frame
    months = 1 if ctx.loaded.plan.period == "month" else 3
    first_month = pl.col(PERIOD) * months
    frame = frame.with_columns(
        (first_month // 12).alias("_year"),
        (first_month % 12 + 1).alias("_month"),
        (first_month % 12 + 1 + months).alias("_next_month"),  # DATE(y, 13, 0) is Dec 31
    )
    start, end = "DATE({_year},{_month},1)", "DATE({_year},{_next_month},0)"
    first, _, count = reps.fields()
    hire, term = (
        f"{quote_sheet(reps.name)}!${reps.letters[c]}${{{first}}}"
        for c in ("hire_date", "termination_date")
    )
    employed = f'MAX(0,MIN(IF({term}="",{end},{term}),{end})-MAX({hire},{start})+1)'
    unheld = pl.col(count) == 0  # a rep whose row the workbook does not hold: the value
    for key, header, template in (
        ("employed_days", "employed days", employed),
        ("days_in_period", "days in period", f"{end}-{start}+1"),
    ):
        value = pl.col(key).cast(pl.String)
        cols.formula_or_value(key, header, 10, template, unheld, value, style)
    return frame


def _aggregate_header(m: object, measure: str, part: str) -> str:
    if part == "points":
        return f"{measure}: sum of grade points x behaviour weight"
    if part == "weight":
        return f"{measure}: sum of behaviour weights"
    if part == "n":
        return f"{measure}: rows counted"
    if part == "score":
        return f"{measure}: {_score(m)}"
    return f"{measure}: {_describe(m)}"


def _describe(m: object) -> str:
    cond = where_text(m)
    if isinstance(m, models.SumMeasure):
        what = (
            "sum of amount x split" if m.sum == "transactions.amount" else "sum of value (empty: 1)"
        )
        return f"{what} ({m.sum.split('.')[0]}){cond}"
    if isinstance(m, models.CountMeasure):
        return f"count of {m.count}{cond}"
    return type(m).__name__


def _score(m: object) -> str:
    if isinstance(m, models.ResolutionRateMeasure):
        return f"items resolved within {m.within_days} days"
    assert isinstance(m, models.RecoveryScoreMeasure)
    return f"points of recoveries within {m.within_days} days (late or open: 0)"


def measures_sheet(ctx: Context, frame: pl.DataFrame) -> Sheet:
    """Per rep and period: the period target and every measure, as formulas over Inputs."""
    plan, inputs = ctx.loaded.plan, ctx.inputs
    scales = ctx.result.scales
    i = ctx.inputs_cols
    cols = Columns()
    cols.text("rep_id", "rep_id", 12, pl.col("rep_id"))
    cols.text("period", "period", 10, pl.col("_period"))
    per_year = ctx.plan_refs.cells["periods_per_year"]
    target = divide(
        f"Inputs!{i['target_incentive']}{{r}}*Inputs!{i['employed_days']}{{r}}",
        f"{per_year}*Inputs!{i['days_in_period']}{{r}}",
        plan.decimals,
        plan.rounding,
        inputs.scales["reps"]["target_incentive"],
        0,
    )
    cols.formula("period_target", "period_target", 14, target, ctx.money())
    for name, m in plan.measures.items():
        scale = scales[measures.measure_column(name)]
        cols.formula(name, name, 14, _measure(ctx, name, m, cols.letters), ctx.fixed(scale))
    ctx.measures_cols.update(cols.letters)
    return Sheet("Measures", cols.columns, frame, header_style=ctx.styles.style(bold=True))


def _measure(ctx: Context, name: str, m: object, here: dict[str, str]) -> str:
    """The formula of one measure (``{r}`` is the row)."""
    scales = ctx.result.scales
    i = ctx.inputs_cols
    col = measures.measure_column(name)
    default = getattr(m, "default", None)
    null = '""' if default is None else format(default, "f")

    def ref(measure: str) -> str:
        return f"{here[measure]}{{r}}"

    def scale(measure: str) -> int:
        return scales[measures.measure_column(measure)]

    if isinstance(m, models.SumMeasure | models.CountMeasure):
        return f"Inputs!{i[col]}{{r}}"
    if isinstance(m, models.AttainmentMeasure):
        a, q = ref(m.attainment), f"Inputs!{i['quota']}{{r}}"
        ratio = divide(a, q, 6, "half_even", scale(m.attainment), scales["quota"])
        return f'IF({a}="",{null},{ratio})'
    if isinstance(m, models.RatioMeasure):
        a, b = ref(m.ratio[0]), ref(m.ratio[1])
        ratio = divide(a, b, 6, "half_even", scale(m.ratio[0]), scale(m.ratio[1]))
        return f'IF(OR({a}="",{b}=""),{null},IF({b}=0,{null},{ratio}))'
    aggs = {a.name: a.scale for a in measures.aggregates(ctx.loaded.plan, ctx.inputs)}
    n = f"Inputs!{i[f'{col}:n']}{{r}}"
    if isinstance(m, models.ReportCardMeasure):
        least = max(m.min_ratings or 1, 1)
        points, weight = f"{col}:points", f"{col}:weight"
        ratio = divide(
            f"Inputs!{i[points]}{{r}}", f"Inputs!{i[weight]}{{r}}", 6, "half_even",
            aggs[points], aggs[weight],
        )  # fmt: skip
    else:
        least = 1
        score = f"{col}:score"
        ratio = divide(f"Inputs!{i[score]}{{r}}", n, 6, "half_even", aggs[score], 0)
    return f"IF({n}<{least},{null},{ratio})"


def payouts_sheet(ctx: Context, frame: pl.DataFrame) -> Sheet:
    """``payouts.csv`` as formulas: each component reads its Breakdown row's paid amount.

    ``frame`` carries, per component, the Breakdown sheet (``_bs_NAME``) and row
    (``_br_NAME``) of that component's row; ``ctx.paid_col`` is the Breakdown column of the
    paid amount.
    """
    plan = ctx.loaded.plan
    money = ctx.money()
    # payouts.csv's amounts, stored with the formulas that give them (see xlsx.formula)
    written = ctx.result.payouts
    frame = frame.join(
        written.rename({c: f"_paid:{c}" for c in written.columns[2:]}),
        left_on=["rep_id", "_period"], right_on=["rep_id", "period"], how="left",
        maintain_order="left",
    )  # fmt: skip

    def cached(name: str) -> pl.Expr:
        return pl.col(f"_paid:{name}")

    cols = Columns()
    cols.text("rep_id", "rep_id", 12, pl.col("rep_id"))
    cols.text("period", "period", 10, pl.col("_period"))
    paid = ctx.paid_col
    for name in plan.components:
        cols.formula(name, name, 16, f"{{_bs_{name}}}!{paid}{{_br_{name}}}", money, cached(name))
    adj = divide(
        f"Inputs!{ctx.inputs_cols['adjustments']}{{r}}", "1", plan.decimals, plan.rounding,
        ctx.inputs.scales["adjustments"]["amount"], 0,
    )  # fmt: skip
    last = cols.formula("adjustments", "adjustments", 14, adj, money, cached("adjustments"))
    first = cols.letters[next(iter(plan.components))]
    total = f"ROUND(SUM({first}{{r}}:{last}{{r}}),{plan.decimals})"
    cols.formula("total", "total", 16, total, money, cached("total"))
    return Sheet("Payouts", cols.columns, frame, header_style=ctx.styles.style(bold=True))
