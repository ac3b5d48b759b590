"""``compengine explain``: one row of a finished run, every number as an auditor checks it.

The trace reads the engine's step columns of the row (the same lineage the workbook shows)
and writes the arithmetic that connects them: the input rows counted, each measure, the
period target, each component's tiers or curve, the modifiers' factors, the cap, the
rounding and the total. Intermediate sums that the engine does not keep (the amount in each
tier band, the curve's unrounded value) are worked out here in exact decimals from the plan
and the row's steps, so each line can be checked with a pocket calculator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import Any

import polars as pl
from rich.console import Console
from rich.table import Table

from compengine.audit.rerun import Reopened
from compengine.data import periods
from compengine.data.inputs import PERIOD
from compengine.data.schema import TABLES
from compengine.engine import measures
from compengine.engine.calculate import PERIODS_PER_YEAR, component_column
from compengine.errors import InputDataError, Reason
from compengine.plan import models

EXACT = Context(prec=60)
MAX_ROWS_SHOWN = 50


@dataclass
class Section:
    """A titled part of the trace: lines of arithmetic and optionally a table of rows."""

    title: str
    lines: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def num(value: Decimal | None) -> str:
    """A decimal as plain text, without trailing zeros or exponent; empty for null."""
    if value is None:
        return "(empty)"
    text = format(value.normalize(EXACT), "f")
    return "0" if text in ("-0", "0") else text


def quotient(a: Decimal, b: Decimal) -> str:
    """``a / b`` written out: exact when it ends within 10 places, else 10 places and '...'."""
    q = EXACT.divide(a, b)
    cut = q.quantize(Decimal("1e-10"), context=EXACT)
    return num(q) if cut == q else f"{format(cut, 'f')}..."


def find_row(run: Reopened, rep: str, period: str) -> dict[str, Any]:
    """The steps of one row of the run, as exact decimals (None for null).

    Raises:
        InputDataError: the period is not one of the plan's, or the run has no such row.
    """
    plan = run.loaded.plan
    index = periods.parse(period, plan.period)
    first, last = run.manifest["periods"][0], run.manifest["periods"][-1]
    if index is None:
        raise InputDataError(
            [(Reason.UNPARSABLE, f"--period {period!r} is not a {plan.period} of this plan.")]
        )
    found = run.result.steps.filter((pl.col("rep_id") == rep) & (pl.col(PERIOD) == index))
    if found.height == 0:
        raise InputDataError(
            [
                (
                    Reason.UNKNOWN_REP,
                    f"the run has no row for rep {rep!r} in {period}. Hint: the run covers "
                    f"{first} to {last}; `compengine runs` and payouts.csv list its rows.",
                )
            ]
        )
    raw = found.row(0, named=True)
    scales = run.result.scales
    row: dict[str, Any] = dict(raw)
    for column, scale in scales.items():
        value = raw[column]
        row[column] = None if value is None else Decimal(int(value)).scaleb(-scale)
    return row


def trace(run: Reopened, rep: str, period: str) -> list[Section]:
    """The sections of the trace of rep ``rep`` in ``period``."""
    plan = run.loaded.plan
    row = find_row(run, rep, period)
    manifest = run.manifest
    sections = [
        Section(
            f"Run {manifest['run_id']}: rep {rep}, {period}",
            [
                f"plan {plan.plan} v{plan.version} ({run.loaded.path}), "
                f"SHA-256 {run.loaded.sha256}",
                f"inputs in {run.data}: every file's SHA-256 is the one the run recorded",
                f"amounts in {plan.currency}, paid amounts rounded {plan.rounding} to "
                f"{plan.decimals} places; ratios and curves half-even to 6 places",
            ],
        )
    ]
    sections += _input_rows(run, rep, row[PERIOD])
    sections.append(_period_target(run, row))
    sections.append(_measures(run, row))
    for name in plan.components:
        sections.append(_component(run, row, name))
    sections.append(_total(run, rep, row))
    return sections


def _input_rows(run: Reopened, rep: str, index: int) -> list[Section]:
    out = []
    for name, table in TABLES.items():
        if name in ("reps", "quotas"):
            continue
        frame = run.inputs.tables[name].filter(
            (pl.col("rep_id") == rep) & (pl.col(PERIOD) == index)
        )
        if frame.height == 0:
            continue
        columns = [c.name for c in table.columns if c.name != "rep_id"]
        raw = run.inputs.files[name].frame
        shown = frame.select("_row").join(raw, on="_row", how="left").sort("_row")
        section = Section(
            f"{name}: {frame.height} row(s) counted",
            header=["row", *columns],
            rows=[
                [str(r["_row"]), *(r[c] or "" for c in columns)]
                for r in shown.head(MAX_ROWS_SHOWN).iter_rows(named=True)
            ],
        )
        if frame.height > MAX_ROWS_SHOWN:
            section.lines.append(
                f"... and {frame.height - MAX_ROWS_SHOWN} more: `compengine audit` writes them all"
            )
        out.append(section)
    return out


def _period_target(run: Reopened, row: dict[str, Any]) -> Section:
    plan = run.loaded.plan
    scale = run.inputs.scales["reps"]["target_incentive"]
    target = Decimal(int(row["target_incentive"])).scaleb(-scale)
    per_year = PERIODS_PER_YEAR[plan.period]
    days, span = int(row["employed_days"]), int(row["days_in_period"])
    return Section(
        "Period target",
        [
            f"target incentive {num(target)} x employed days {days} / ({per_year} x "
            f"{span} days in the period) = {quotient(target * days, Decimal(per_year * span))}"
            f" -> {row['period_target']:.{plan.decimals}f} "
            f"({plan.rounding}, {plan.decimals} places)"
        ],
    )


def _measures(run: Reopened, row: dict[str, Any]) -> Section:
    plan = run.loaded.plan
    lines = []
    aggs = {a.name: a.scale for a in measures.aggregates(plan, run.inputs)}

    def agg(name: str) -> Decimal:
        value = row.get(name)
        return Decimal(0) if value is None else Decimal(int(value)).scaleb(-aggs[name])

    def value(name: str) -> Decimal | None:
        v = row[measures.measure_column(name)]
        return v if v is None else Decimal(v)

    for name, m in plan.measures.items():
        col = measures.measure_column(name)
        v = value(name)
        where = getattr(m, "where", None)
        cond = " where " + ", ".join(f"{k} in {w}" for k, w in where.items()) if where else ""
        if isinstance(m, models.SumMeasure):
            what = "amount x split" if m.sum == "transactions.amount" else "value"
            table = m.sum.split(".")[0]
            lines.append(f"{name} = sum of {what} over the {table} rows{cond} = {num(v)}")
        elif isinstance(m, models.CountMeasure):
            lines.append(f"{name} = number of {m.count} rows{cond} = {num(v)}")
        elif isinstance(m, models.AttainmentMeasure):
            base = value(m.attainment)
            lines.append(
                f"{name} = {m.attainment} {num(base)} / quota {num(row.get('quota'))} = "
                + (
                    f"{quotient(base, row['quota'])} -> {num(v)} (half-even, 6 places)"
                    if base is not None
                    else num(v)
                )
            )
        elif isinstance(m, models.RatioMeasure):
            a, b = value(m.ratio[0]), value(m.ratio[1])
            exact = quotient(a, b) if a is not None and b else "no value"
            lines.append(f"{name} = {m.ratio[0]} {num(a)} / {m.ratio[1]} {num(b)} = {exact}")
            lines[-1] += f" -> {num(v)}"
        else:
            n = int(agg(f"{col}:n"))
            if isinstance(m, models.ReportCardMeasure):
                top, bottom = agg(f"{col}:points"), agg(f"{col}:weight")
                least = max(m.min_ratings or 1, 1)
                what = (
                    f"{name} = grade points x weight {num(top)} / weights {num(bottom)} "
                    f"over {n} grade(s){cond}"
                )
            else:
                top, bottom = agg(f"{col}:score"), Decimal(n)
                least = 1
                kind = (
                    "items resolved"
                    if isinstance(m, models.ResolutionRateMeasure)
                    else "recovery points"
                )
                days = getattr(m, "within_days", 0)
                what = f"{name} = {kind} within {days} days {num(top)} / {n} item(s){cond}"
            if n >= least:
                lines.append(f"{what} = {quotient(top, bottom)} -> {num(v)} (half-even, 6 places)")
            else:
                default = f"default {num(m.default)}" if m.default is not None else "no value"
                lines.append(f"{what}: fewer than {least}, so {default} -> {num(v)}")
    return Section("Measures", lines)


def _component(run: Reopened, row: dict[str, Any], name: str) -> Section:
    plan = run.loaded.plan
    c = plan.components[name]
    lines: list[str] = []
    base = row[component_column(name, "base")]
    if isinstance(c, models.Commission):
        m = row[measures.measure_column(c.commission)]
        title = f"{name}: commission on {c.commission} = {num(m)}"
        if m is None:
            lines.append(f"{c.commission} has no value: pays 0")
        elif c.rate is not None:
            lines.append(f"{num(m)} x rate {num(c.rate)} = {num(base)}")
        else:
            assert c.tiers is not None
            quota = row["quota"]
            if c.mode == "retroactive":
                attainment = EXACT.divide(m, quota).quantize(Decimal("1e-6"), context=EXACT)
                band = max(i for i, t in enumerate(c.tiers) if i == 0 or attainment >= t.start)
                lines.append(
                    f"attainment {num(m)} / quota {num(quota)} = {quotient(m, quota)} -> "
                    f"{num(attainment)} (half-even, 6 places); "
                    f"retroactive: band {band + 1} (from {num(c.tiers[band].start)}) pays "
                    f"rate {num(c.tiers[band].rate)} on the whole measure"
                )
                lines.append(f"{num(m)} x {num(c.tiers[band].rate)} = {num(base)}")
            else:
                parts = []
                for i, tier in enumerate(c.tiers):
                    lower = tier.start * quota
                    upper = c.tiers[i + 1].start * quota if i + 1 < len(c.tiers) else None
                    inside = m if upper is None else min(m, upper)
                    if i > 0:
                        inside = max(inside, lower) - lower
                    amount = inside * tier.rate
                    parts.append(amount)
                    top = "inf" if upper is None else num(upper)
                    span = f"[{num(lower) if i else '-inf'}, {top})"
                    lines.append(
                        f"band {i + 1} {span} (from {num(tier.start)} x quota {num(quota)}): "
                        f"{num(inside)} x {num(tier.rate)} = {num(amount)}"
                    )
                lines.append(f"marginal tiers: {' + '.join(num(p) for p in parts)} = {num(base)}")
    else:
        v = row[measures.measure_column(c.bonus)]
        title = f"{name}: bonus on {c.bonus} = {num(v)}"
        pt = row["period_target"]
        if v is None:
            lines.append(f"{c.bonus} has no value: pays 0")
        else:
            lines.append(_curve(c.curve, v))
            curve = _curve_value(c.curve, v)
            lines.append(
                f"period target {pt:.{plan.decimals}f} x target share {num(c.target_share)} "
                f"x curve {num(curve)} = {num(base)}"
            )
    amount = base
    factors = []
    for j, mod in enumerate(plan.modifiers):
        if name not in mod.apply_to:
            continue
        factor = row[f"modifier:{j}"]
        factors.append(factor)
        by = mod.by if isinstance(mod, models.Multiplier) else mod.gate
        mv = row[measures.measure_column(by)]
        if mv is None:
            lines.append(f"modifier {j + 1} ({by}) has no value: factor 1")
        elif isinstance(mod, models.Multiplier):
            lower = [lo for lo, _ in mod.bands if lo <= mv]
            where = f"the band from {num(lower[-1])}" if lower else "below the first band"
            lines.append(
                f"modifier {j + 1}: multiplier by {by} = {num(mv)}, {where}: factor {num(factor)}"
            )
        else:
            test = "<" if mv < mod.below else ">="
            lines.append(
                f"modifier {j + 1}: gate on {by} = {num(mv)} {test} {num(mod.below)}: "
                f"factor {num(factor)}"
            )
        amount = amount * factor
    if factors:
        lines.append(
            f"after modifiers: {' x '.join(num(x) for x in [base, *factors])} = {num(amount)}"
        )
    capped = row[component_column(name, "capped")]
    caps = []
    if c.cap_amount is not None:
        caps.append((f"cap amount {num(c.cap_amount)}", c.cap_amount))
    if c.cap_target_multiple is not None:
        pt = row["period_target"]
        caps.append(
            (
                f"{num(c.cap_target_multiple)} x period target {pt:.{plan.decimals}f}",
                c.cap_target_multiple * pt,
            )
        )
    if caps:
        cap = min(value for _, value in caps)
        reached = "reached" if amount > cap else "not reached"
        lines.append(
            f"cap = {' and '.join(text for text, _ in caps)} -> {num(cap)}: {reached}, "
            f"{num(capped)}"
        )
    paid = row[component_column(name)]
    lines.append(
        f"paid: {num(capped)} rounded {plan.rounding} to {plan.decimals} places = "
        f"{paid:.{plan.decimals}f}"
    )
    return Section(title, lines)


def _curve_value(points: list[tuple[Decimal, Decimal]], v: Decimal) -> Decimal:
    below = [i for i, (x, _) in enumerate(points) if x <= v]
    if not below:
        return points[0][1]
    j = below[-1]
    if j == len(points) - 1:
        return points[-1][1]
    (x0, y0), (x1, y1) = points[j], points[j + 1]
    return (y0 + (y1 - y0) * (v - x0) / (x1 - x0)).quantize(Decimal("1e-6"), context=EXACT)


def _curve(points: list[tuple[Decimal, Decimal]], v: Decimal) -> str:
    below = [i for i, (x, _) in enumerate(points) if x <= v]
    if not below:
        x, y = points[0]
        return f"curve: {num(v)} is below the first point ({num(x)}): y = {num(y)}"
    j = below[-1]
    if j == len(points) - 1:
        x, y = points[-1]
        return f"curve: {num(v)} is at or past the last point ({num(x)}): y = {num(y)}"
    (x0, y0), (x1, y1) = points[j], points[j + 1]
    exact = y0 * (x1 - x0) + (y1 - y0) * (v - x0)
    return (
        f"curve between points {j + 1} ({num(x0)}, {num(y0)}) and {j + 2} ({num(x1)}, "
        f"{num(y1)}): {num(y0)} + ({num(y1)} - {num(y0)}) x ({num(v)} - {num(x0)}) / "
        f"({num(x1)} - {num(x0)}) = {quotient(exact, x1 - x0)} -> "
        f"{num(_curve_value(points, v))} (half-even, 6 places)"
    )


def _total(run: Reopened, rep: str, row: dict[str, Any]) -> Section:
    plan = run.loaded.plan
    d = plan.decimals
    adjustments = run.inputs.tables["adjustments"].filter(
        (pl.col("rep_id") == rep) & (pl.col(PERIOD) == row[PERIOD])
    )
    scale = run.inputs.scales["adjustments"]["amount"]
    raw = sum((Decimal(int(a)).scaleb(-scale) for a in adjustments["amount"].to_list()), Decimal(0))
    paid = [row[component_column(n)] for n in plan.components]
    terms = " + ".join(f"{p:.{d}f}" for p in [*paid, row["adjustments"]])
    return Section(
        "Total",
        [
            f"adjustments: {adjustments.height} row(s) summing {num(raw)} -> "
            f"{row['adjustments']:.{d}f}",
            f"total = {terms} = {row['total']:.{d}f}",
        ],
    )


def render(sections: list[Section], console: Console) -> None:
    """Print the trace: a heading per section, its lines, and its table of input rows."""
    for section in sections:
        console.rule(f"[bold]{section.title}", align="left")
        if section.rows:
            table = Table(*section.header, header_style="bold", box=None, pad_edge=False)
            for r in section.rows:
                table.add_row(*r)
            console.print(table)
        for line in section.lines:
            console.print(line, soft_wrap=True, highlight=False, markup=False)
