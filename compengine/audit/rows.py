"""``Rows <table>`` sheets: input rows as the files hold them, and Inputs formulas over them.

In a workbook that carries raw rows (``compengine audit``, or a run's ``audit.xlsx`` while
the run reads at most ``--audit-raw-rows`` input rows), each table's rows get a sheet:
the file's row number, the period the row counts in, every column (numbers as numbers, dates
as dates), and per-row helper formulas: the credited amount (``amount x split``), an event's
value (1 when empty), a grade's points and behaviour weight from the ``Plan`` sheet, whether
a feedback item or incident was resolved within each measure's days. Each sheet lists the
rows rep by rep and period by period (file order within), so the rows of one (rep, period)
are one block; the ``Inputs`` aggregates then become formulas over their row's block (with
the measure's ``where`` compared exactly as text), and the workbook leads from the raw rows
to the paid amount at any size, each formula reading only its own rows. ``where`` on a
number or date column compares the text as written; those aggregates stay values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

from compengine.audit.layout import ROW as R
from compengine.audit.layout import Columns, Context, RawSheet
from compengine.audit.xlsx import Sheet, number
from compengine.data import periods
from compengine.data.inputs import PERIOD, Inputs
from compengine.data.read import ROW
from compengine.data.schema import TABLES
from compengine.engine import measures
from compengine.plan import models

EXCEL_EPOCH = date(1899, 12, 30)


def build(ctx: Context, chosen: dict[str, pl.DataFrame]) -> tuple[list[Sheet], dict[str, RawSheet]]:
    """The ``Rows <table>`` sheets of the ``chosen`` rows and their layout.

    ``chosen`` holds typed rows by table (from :func:`input_rows`); a row without a file row
    number (a true-up the run booked) shows its typed values.
    """
    plan, inputs = ctx.loaded.plan, ctx.inputs
    sheets, layout = [], {}
    for table, rows in chosen.items():
        if rows.height == 0:
            continue
        typed = rows.rename({c: f"t:{c}" for c in rows.columns if c != ROW})
        text = inputs.files[table].frame
        key = ["t:rep_id", f"t:{PERIOD}"] if f"t:{PERIOD}" in typed.columns else ["t:rep_id"]
        frame = typed.join(text, on=ROW, how="left").sort([*key, ROW], nulls_last=True)
        frame = frame.with_columns((pl.int_range(pl.len()) + 2).alias("r"))
        blocks = (
            frame.group_by(key)
            .agg(pl.col("r").min().alias("first"), pl.col("r").max().alias("last"), pl.len())
            .rename({k: k.removeprefix("t:") for k in key} | {"len": "rows"})
        )
        cols = Columns()
        cols.value("_row", "file row", 8, ROW, 0, ctx.fixed(0))
        if f"t:{PERIOD}" in frame.columns:
            frame = frame.with_columns(
                periods.label_expr(pl.col(f"t:{PERIOD}"), plan.period).alias("_label")
            )
            cols.text("_period", "counts in period", 10, pl.col("_label"))
        for column in TABLES[table].columns:
            name = column.name
            if column.kind == "number":
                scale = inputs.scales[table][name]
                cols.value(name, name, 12, f"t:{name}", scale, ctx.fixed(scale))
            elif column.kind == "date":
                serial = (pl.col(f"t:{name}") - pl.lit(EXCEL_EPOCH)).dt.total_days()
                style = ctx.styles.style("yyyy-mm-dd")
                cols.add(name, name, 11, _dates(serial, style))
            elif column.kind == "period":
                cols.text(name, name, 10, pl.coalesce(pl.col(name), pl.col("_label")))
            else:
                cols.text(name, name, 14, pl.coalesce(pl.col(name), pl.col(f"t:{name}")))
        _helpers(ctx, table, cols)
        layout[table] = RawSheet(f"Rows {table}", table, blocks, dict(cols.letters))
        sheets.append(
            Sheet(f"Rows {table}", cols.columns, frame, header_style=ctx.styles.style(bold=True))
        )
    return sheets, layout


def _dates(serial: pl.Expr, style: int) -> Callable[[str], pl.Expr]:
    """Date cells: the Excel serial day number with a date format."""
    return lambda col: number(col, serial, R, style)


def _helpers(ctx: Context, table: str, cols: Columns) -> None:
    """Per-row helper formulas the Inputs aggregates sum."""
    plan, scales = ctx.loaded.plan, ctx.inputs.scales
    at = cols.letters
    refs = ctx.plan_refs.cells

    def points(grade_col: str) -> str:
        g = f"{at[grade_col]}{{r}}"
        a, b, d = refs["points:A"], refs["points:B"], refs["points:D"]
        return f'IF({g}="A",{a},IF({g}="B",{b},IF({g}="D",{d},0)))'

    if table == "transactions":
        a, s = f"{at['amount']}{{r}}", f"{at['split']}{{r}}"
        scale = scales[table]["amount"] + scales[table]["split"]
        cols.formula(
            "credited", "credited (amount x split)", 14,
            f'ROUND({a}*IF({s}="",1,{s}),{scale})', ctx.fixed(scale),
        )  # fmt: skip
    elif table == "events":
        v = f"{at['value']}{{r}}"
        cols.formula("value1", "value (empty: 1)", 12, f'IF({v}="",1,{v})', ctx.fixed(0))
    elif table == "grades" and plan.report_card is not None:
        b = f"{at['behaviour']}{{r}}"
        weight = "0"
        for behaviour in reversed(list(plan.report_card.behaviours)):
            weight = f'IF({b}="{behaviour}",{refs[f"weight:{behaviour}"]},{weight})'
        p = cols.formula("points", "grade points", 10, points("grade"), ctx.styles.style())
        w = cols.formula("weight", "behaviour weight", 10, weight, ctx.styles.style())
        cols.formula("pw", "points x weight", 12, f"{p}{{r}}*{w}{{r}}", ctx.styles.style())
    elif table in ("feedback", "incidents"):
        opened, resolved = f"{at['opened']}{{r}}", f"{at['resolved']}{{r}}"
        for name, m in plan.measures.items():
            if measures.table_of(m) != table or not hasattr(m, "within_days"):
                continue
            days = m.within_days
            score = "1" if table == "feedback" else points("recovery_grade")
            cols.formula(
                f"within:{name}", f"{name}: within {days} days", 12,
                f'IF({resolved}="",0,IF({resolved}-{opened}<={days},{score},0))',
                ctx.styles.style(),
            )  # fmt: skip


# The Inputs columns read straight from one table's rows: key -> (table, column summed)
_READ = {
    "adjustments": ("adjustments", "amount"),
    "adjustments:n": ("adjustments", None),
    "quota": ("quotas", "quota"),
    "target_incentive": ("reps", "target_incentive"),
}


def aggregate(ctx: Context, layout: dict[str, RawSheet], key: str) -> Aggregated | None:
    """The Inputs formula of aggregate ``key`` over its row's block of a Rows sheet (fields
    :meth:`RawSheet.fields` of the Inputs frame), or None for a value."""
    if key in _READ or key.startswith("rows:"):
        table, column = _READ.get(key, (key.removeprefix("rows:"), None))
        raw = layout.get(table)
        if raw is None:
            return None
        if column is None:  # the rows counted
            return _over(raw, f"ROWS({raw.block('_row')})")
        scale = ctx.inputs.scales[table][column]
        return _over(raw, f"ROUND(SUM({raw.block(column)}),{scale})")
    return _measure_aggregate(ctx, layout, key)


def _measure_aggregate(ctx: Context, layout: dict[str, RawSheet], key: str) -> Aggregated | None:
    """:func:`aggregate` of a measure's sum, count, points, weights or items on time."""
    plan = ctx.loaded.plan
    name, _, part = key.removeprefix("measure:").partition(":")
    m = plan.measures.get(name)
    table = measures.table_of(m)
    if m is None or table is None or table not in layout:
        return None
    raw = layout[table]
    where = _where(m, table, raw)
    if where is None:
        return None
    if isinstance(m, models.CountMeasure) or part == "n":
        count = f"SUMPRODUCT({where.removeprefix('*')})" if where else f"ROWS({raw.block('_row')})"
        return _over(raw, count)
    if isinstance(m, models.SumMeasure):
        column = "credited" if table == "transactions" else "value1"
    else:
        column = {"points": "pw", "weight": "weight"}.get(part, f"within:{name}")
    if column not in raw.letters:
        return None
    scale = {a.name: a.scale for a in measures.aggregates(plan, ctx.inputs)}[key]
    summed = f"SUMPRODUCT({raw.block(column)}{where})" if where else f"SUM({raw.block(column)})"
    return _over(raw, f"ROUND({summed},{scale})")


@dataclass(frozen=True)
class Aggregated:
    """An Inputs formula over a row's block, and the rows without one (their value is 0)."""

    template: str
    none: pl.Expr


def _over(raw: RawSheet, formula: str) -> Aggregated:
    """``formula`` over the row's block of ``raw``; 0 where the row has no rows there."""
    _, _, count = raw.fields()
    return Aggregated(formula, pl.col(count) == 0)


def _where(m: object, table: str, raw: RawSheet) -> str | None:
    """The measure's ``where`` as exact text comparisons over the block, each a factor
    (``*(EXACT(...)+...)``); None when a column is not text."""
    kinds = {c.name: c.kind for c in TABLES[table].columns}
    where: dict[str, str | list[str]] | None = getattr(m, "where", None)
    out = ""
    for column, wanted in (where or {}).items():
        if kinds[column] not in ("text", "grade"):
            return None
        values = [wanted] if isinstance(wanted, str) else wanted
        quoted = (v.replace('"', '""') for v in values)
        out += "*(" + "+".join(f'EXACT({raw.block(column)},"{v}")' for v in quoted) + ")"
    return out


def blocks_of(frame: pl.DataFrame, layout: dict[str, RawSheet]) -> pl.DataFrame:
    """``frame`` (rep_id and period per row) with each row's block in every Rows sheet."""
    for raw in layout.values():
        first, last, count = raw.fields()
        keys = [k for k in ("rep_id", PERIOD) if k in raw.blocks.columns]
        found = raw.blocks.select(
            *keys, pl.col("first").alias(first), pl.col("last").alias(last),
            pl.col("rows").alias(count),
        )  # fmt: skip
        frame = frame.join(found, on=keys, how="left", maintain_order="left").with_columns(
            pl.col(count).fill_null(0)
        )
    return frame


def input_rows(inputs: Inputs, steps: pl.DataFrame | None = None) -> dict[str, pl.DataFrame]:
    """The typed input rows behind ``steps`` (default: every row of the run), by table.

    Dated rows and adjustments count for their (rep, period); quotas and reps for their rep.
    """
    keys = (steps if steps is not None else inputs.rows).select("rep_id", PERIOD)
    reps = keys["rep_id"].unique().to_list()
    out = {}
    for name, typed in inputs.tables.items():
        if PERIOD in typed.columns and name != "quotas":
            out[name] = typed.join(keys, on=["rep_id", PERIOD], how="semi")
        else:
            out[name] = typed.filter(pl.col("rep_id").is_in(reps))
    return out
