"""``compengine explain``: one row of a finished run, every number as an auditor checks it.

The trace reads the engine's step columns of the row (the same lineage the workbook shows)
and writes the arithmetic that connects them: the input rows counted, each measure, the
period target, each component's tiers or curve, the modifiers' factors, the cap, the
rounding and the total. Intermediate sums that the engine does not keep (the amount in each
tier band, the curve's unrounded value) are worked out here in exact decimals from the plan
and the row's steps, so each line can be checked with a pocket calculator.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl
from rich.console import Console
from rich.table import Table
from rich.text import Text

from compengine.audit.explain_components import component
from compengine.audit.explain_text import Section, num, quotient, where_text
from compengine.audit.rerun import Reopened
from compengine.data import periods
from compengine.data.inputs import PERIOD
from compengine.data.schema import TABLES
from compengine.engine import measures
from compengine.engine.calculate import PERIODS_PER_YEAR, component_column
from compengine.engine.fixed import to_text
from compengine.errors import InputDataError, Reason
from compengine.plan import models

MAX_ROWS_SHOWN = 50


def find_row(run: Reopened, rep: str, period: str) -> dict[str, Any]:
    """The steps of one row of the run, as exact decimals (None for null).

    Raises:
        InputDataError: the period is not one of the plan's, or the run has no such row.
    """
    index = run.period(period)
    first, last = run.manifest["periods"][0], run.manifest["periods"][-1]
    found = run.result.steps.filter((pl.col("rep_id") == rep) & (pl.col(PERIOD) == index))
    if found.height == 0:
        raise InputDataError(
            [
                (
                    Reason.UNKNOWN_REP,
                    f"the run has no row for rep {rep!r} in {period}. Hint: the run covers "
                    f"{first} to {last}; its payouts.csv lists every rep and period.",
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
    sections.append(_period_target(run, rep, row))
    sections += _quota_rows(run, rep, row[PERIOD])
    sections.append(_measures(run, row))
    for name in plan.components:
        sections.append(component(run, row, name))
    sections.append(_total(run, rep, row))
    return sections


def _input_rows(run: Reopened, rep: str, index: int) -> list[Section]:
    plan = run.loaded.plan
    card = plan.report_card
    points = card.grade_points if card else models.GradePoints()
    weights = card.behaviours if card else {}
    sums_values = any(
        isinstance(m, models.SumMeasure) and m.sum == "events.value" for m in plan.measures.values()
    )
    read = {measures.table_of(m) for m in plan.measures.values()} | {"adjustments"}
    out = []
    for name, table in TABLES.items():
        if name not in read:  # reps and quotas have their own sections; unread tables count nothing
            continue
        frame = run.inputs.tables[name].filter(
            (pl.col("rep_id") == rep) & (pl.col(PERIOD) == index)
        )
        if frame.height == 0:
            continue
        columns = [c.name for c in table.columns if c.name != "rep_id"]
        raw = run.inputs.files[name].frame
        scales = run.inputs.scales[name]
        as_text = []  # the typed values as text, for rows no file holds (booked true-ups)
        for column in table.columns:
            c = pl.col(column.name)
            if column.kind == "number":
                as_text.append(to_text(c, scales[column.name]).alias(f"_t{column.name}"))
            elif column.kind == "period":
                as_text.append(periods.label_expr(c, plan.period).alias(f"_t{column.name}"))
            else:
                as_text.append(c.cast(pl.String).alias(f"_t{column.name}"))
        dates = [d for d in ("opened", "resolved") if d in frame.columns]
        shown = (
            frame.select("_row", *as_text, *(pl.col(d).alias(f"_{d}") for d in dates))
            .join(raw, on="_row", how="left")
            .with_columns(pl.coalesce(c.name, f"_t{c.name}").alias(c.name) for c in table.columns)
            .sort("_row", nulls_last=True)
        )
        extra = {
            "transactions": "credited (amount x split)",
            "grades": "points x weight",
            "feedback": "days to resolve",
            "incidents": "days to resolve",
            "events": "value counted (empty: 1)" if sums_values else None,
        }.get(name)
        rows = []
        for r in shown.head(MAX_ROWS_SHOWN).iter_rows(named=True):
            cells = [
                str(r["_row"]) if r["_row"] is not None else "booked",
                *(r[c] or "" for c in columns),
            ]
            if name == "transactions" and r["amount"] is not None:
                credited = Decimal(r["amount"]) * Decimal(r["split"] or 1)
                cells.append(num(credited))
            elif name == "grades" and r["grade"] in ("A", "B", "D"):
                grade_points = getattr(points, r["grade"])
                weight = weights.get(r["behaviour"], Decimal(0))
                cells.append(f"{num(grade_points)} x {num(weight)} = {num(grade_points * weight)}")
            elif extra == "value counted (empty: 1)":
                cells.append(r["value"] or "1")
            elif extra == "days to resolve":
                done = r["_resolved"] is not None
                cells.append(str((r["_resolved"] - r["_opened"]).days) if done else "open")
            rows.append(cells)
        section = Section(
            f"{name}: {frame.height} row(s) counted",
            header=["row", *columns, *([extra] if extra else [])],
            rows=rows,
        )
        if frame.height > MAX_ROWS_SHOWN:
            section.lines.append(
                f"... and {frame.height - MAX_ROWS_SHOWN} more: `compengine audit` writes them all"
            )
        out.append(section)
    return out


def _file_rows(run: Reopened, table: str, rows: pl.DataFrame) -> list[list[str]]:
    """``rows`` of an input table as its file holds them: the row number, then each cell."""
    raw = run.inputs.files[table].frame
    columns = [c.name for c in TABLES[table].columns]
    shown = rows.select("_row").join(raw, on="_row", how="left").sort("_row")
    return [[str(r["_row"]), *(r[c] or "" for c in columns)] for r in shown.iter_rows(named=True)]


def _period_target(run: Reopened, rep: str, row: dict[str, Any]) -> Section:
    plan = run.loaded.plan
    scale = run.inputs.scales["reps"]["target_incentive"]
    target = Decimal(int(row["target_incentive"])).scaleb(-scale)
    per_year = PERIODS_PER_YEAR[plan.period]
    days, span = int(row["employed_days"]), int(row["days_in_period"])
    reps = run.inputs.tables["reps"].filter(pl.col("rep_id") == rep)
    start, end = (
        pl.select(bound).item() for bound in periods.bounds(pl.lit(row[PERIOD]), plan.period)
    )
    hired, left = reps["hire_date"].item(), reps["termination_date"].item()
    first, last = max(start, hired), min(end, left or end)
    employed = f"from {first} to {last}" if first <= last else "not in the period"
    return Section(
        "Period target",
        [
            f"employed days: the period runs from {start} to {end}, the rep from hire_date "
            f"{hired} to termination_date {left or '(empty)'}: {employed} = {days} day(s)",
            f"target incentive {num(target)} x employed days {days} / ({per_year} x "
            f"{span} days in the period) = {quotient(target * days, Decimal(per_year * span))}"
            f" -> {row['period_target']:.{plan.decimals}f} "
            f"({plan.rounding}, {plan.decimals} places)",
        ],
        header=["row", *(c.name for c in TABLES["reps"].columns)],
        rows=_file_rows(run, "reps", reps),
    )


def _quota_rows(run: Reopened, rep: str, index: int) -> list[Section]:
    """The quotas rows that make the row's quota: its period's, or in a quarterly plan the
    months' rows summed; and what the run warned of them."""
    if run.inputs.quotas is None:  # the plan uses none
        return []
    mine = run.inputs.tables["quotas"].filter((pl.col("rep_id") == rep) & (pl.col(PERIOD) == index))
    if mine.is_empty():
        return []
    label = periods.label(index, run.loaded.plan.period)
    said = [f"warning {w}" for w in run.inputs.warnings if f"rep {rep!r}" in w and label in w]
    return [
        Section(
            f"quotas: {mine.height} row(s) summed",
            said,
            header=["row", *(c.name for c in TABLES["quotas"].columns)],
            rows=_file_rows(run, "quotas", mine),
        )
    ]


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
        cond = where_text(m)
        if isinstance(m, models.SumMeasure):
            what = "amount x split" if m.sum == "transactions.amount" else "value (empty: 1)"
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
    """Print the trace: a heading per section, its table of input rows, its lines.

    On a terminal the tables fit the window; written to a file or a pipe, nothing is cut or
    wrapped, so every number stays on its line.
    """
    for section in sections:
        if console.is_terminal:
            console.rule(Text(section.title, style="bold"), align="left")
        else:
            console.print(f"== {section.title}", soft_wrap=True, highlight=False, markup=False)
        if section.rows:
            table = Table(*section.header, header_style="bold", box=None, pad_edge=False)
            for r in section.rows:
                table.add_row(*(Text(cell) for cell in r))  # data as written, not markup
            if console.is_terminal:
                console.print(table)
            else:
                wide = console.options.update_width(10_000)
                width = max(console.width, console.measure(table, options=wide).maximum)
                Console(file=console.file, width=width, color_system=None, emoji=False).print(table)
        for line in section.lines:
            console.print(line, soft_wrap=True, highlight=False, markup=False)
