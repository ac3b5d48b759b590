"""``Rows <table>`` sheets: input rows as the files hold them, and Inputs formulas over them.

In a workbook that carries raw rows (``compengine audit``, or a run's ``audit.xlsx`` while
the run reads at most ``--audit-raw-rows`` input rows), each table's rows get a sheet:
the file's row number, the period the row counts in, every column (numbers as numbers, dates
as dates), and per-row helper formulas: the credited amount (``amount x split``), an event's
value (1 when empty), a grade's points and behaviour weight from the ``Plan`` sheet, whether
a feedback item or incident was resolved within each measure's days. The ``Inputs``
aggregates then become SUMPRODUCT formulas over these sheets (rep, period and the measure's
``where``, compared exactly as text), so the workbook leads from the raw rows to the paid
amount. ``where`` on a number or date column compares the text as written; those aggregates
stay values.
"""

from __future__ import annotations

from collections.abc import Callable
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
        frame = typed.join(text, on=ROW, how="left").sort(ROW, nulls_last=True)
        frame = frame.with_columns((pl.int_range(pl.len()) + 2).alias("r"))
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
        layout[table] = RawSheet(f"Rows {table}", frame.height + 1, dict(cols.letters))
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


def aggregate(ctx: Context, layout: dict[str, RawSheet], key: str) -> str | None:
    """The Inputs formula of aggregate ``key`` (``{r}`` is the row), or None for a value."""
    plan = ctx.loaded.plan
    if key in ("adjustments", "adjustments:n", "quota"):
        source = "adjustments" if key.startswith("adjustments") else "quotas"
        raw = layout.get(source)
        if raw is None:
            return None
        mask = _mask(raw)
        if key == "adjustments:n":
            return f"SUMPRODUCT({mask})"
        column = "amount" if source == "adjustments" else "quota"
        scale = ctx.inputs.scales[source][column]
        return f"ROUND(SUMPRODUCT({mask}*{raw.range(column)}),{scale})"
    if key == "target_incentive":
        raw = layout.get("reps")
        if raw is None:
            return None
        scale = ctx.inputs.scales["reps"]["target_incentive"]
        return (
            f"ROUND(SUMPRODUCT(({raw.range('rep_id')}=$A{{r}})*{raw.range('target_incentive')})"
            f",{scale})"
        )
    if key.startswith("rows:"):
        counted = layout.get(key.removeprefix("rows:"))
        return None if counted is None else f"SUMPRODUCT({_mask(counted)})"
    name, _, part = key.removeprefix("measure:").partition(":")
    m = plan.measures.get(name)
    table = measures.table_of(m)
    if m is None or table is None or table not in layout:
        return None
    raw = layout[table]
    where = _where(m, table, raw)
    if where is None:
        return None
    mask = _mask(raw) + where
    aggs = {a.name: a.scale for a in measures.aggregates(plan, ctx.inputs)}
    scale = aggs[key]
    if isinstance(m, models.SumMeasure):
        column = "credited" if table == "transactions" else "value1"
    elif isinstance(m, models.CountMeasure) or part == "n":
        return f"SUMPRODUCT({mask})"
    elif part == "points":
        column = "pw"
    elif part == "weight":
        column = "weight"
    else:
        column = f"within:{name}"
    if column not in raw.letters:
        return None
    return f"ROUND(SUMPRODUCT({mask}*{raw.range(column)}),{scale})"


def _mask(raw: RawSheet) -> str:
    return f"({raw.range('rep_id')}=$A{{r}})*({raw.range('_period')}=$B{{r}})"


def _where(m: object, table: str, raw: RawSheet) -> str | None:
    """The measure's ``where`` as exact text comparisons; None when a column is not text."""
    kinds = {c.name: c.kind for c in TABLES[table].columns}
    where: dict[str, str | list[str]] | None = getattr(m, "where", None)
    out = ""
    for column, wanted in (where or {}).items():
        if kinds[column] not in ("text", "grade"):
            return None
        values = [wanted] if isinstance(wanted, str) else wanted
        quoted = (v.replace('"', '""') for v in values)
        out += "*(" + "+".join(f'EXACT({raw.range(column)},"{v}")' for v in quoted) + ")"
    return out


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
