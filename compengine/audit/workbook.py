"""The audit workbook (``audit.xlsx``): every paid amount as a live formula back to the inputs.

Sheets, in the order an auditor reads them:

- ``Read me``: how to read the workbook.
- ``Payouts``: ``payouts.csv`` with every component, adjustments and total cell a formula.
- ``Breakdown`` (``Breakdown2``, ... past a sheet's rows): one row per rep, period and
  component, one formula cell per engine step.
- ``Measures``: the period target and each measure, as formulas over ``Inputs``.
- ``Inputs``: per rep and period, the aggregates of the input rows behind each measure.
- ``Plan``: the plan's tables as cells the formulas reference, its text and SHA-256.
- ``Run``: the run's manifest (run id, input files and hashes, periods, engine).

The workbook is built from the engine's ``Result.steps`` (the lineage of every row) and the
plan: it never recalculates the plan its own way in Python; the formulas do, in the sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from compengine.audit import breakdown, plan_sheet, rows, sheets
from compengine.audit.layout import Context
from compengine.audit.xlsx import MAX_ROWS, Column, Sheet, Styles, small_rows, write
from compengine.data.inputs import Inputs
from compengine.engine.calculate import Result
from compengine.errors import ExportError, Reason
from compengine.plan.load import LoadedPlan

RAW_LIMIT = 50_000  # input rows a run's workbook carries as Rows sheets

READ_ME = """\
How to read this workbook

Payouts is payouts.csv: one row per rep and period, in the same order, with the same header.
Every amount there is a formula, not a pasted number: click a cell to see where it comes from.

Follow one amount from right to left:
1. Payouts: a component cell points at the paid (rounded) cell of its row in Breakdown.
2. Breakdown: one row per rep, period and component. Left to right, each cell is one step the
   engine took: the measure value, the quota and attainment, the amount in each tier band (or
   the retroactive band and its rate), the curve segment and its interpolated value, the
   period target and target share, each modifier's factor, the cap, the amount after the cap,
   and the paid amount. Past 1,048,576 rows the rows continue on Breakdown2, Breakdown3, ...
3. Measures: the period target and each measure per rep and period, as formulas over Inputs.
4. Inputs: per rep and period, what the input rows add up to (sums, counts, grade points and
   weights, on-time resolutions and recoveries), the proration days and the quota. When the
   workbook carries the input rows (sheets "Rows transactions", "Rows grades", ...: each row
   as in its file, with its file row number, the period it counts in, and helper cells such
   as the credited amount, a grade's points and weight, resolved within the days), listed rep
   by rep and period by period, these are formulas over the rep's rows in the period (0 where
   there are none), and the employed days are counted from the rep's hire and termination
   dates in "Rows reps" (both days count) and the period's first and last day. A run's
   workbook carries the rows when the run reads at most --audit-raw-rows of them (default
   50,000); `compengine audit --out DIR --rep R` always does, for one rep or a team.
5. Plan: the plan's tiers, curves, bands, gates, caps, weights and grade points, the cells the
   formulas reference, then the plan's text and its SHA-256. Change a rate there and every
   amount recalculates.
6. Run: the run id, the SHA-256 of every input file and of the plan, the periods, the engine.

Rounding: the plan rounds paid amounts {rounding} to {decimals} decimals; attainment, ratios,
report cards, resolution and recovery rates and curve values are rounded half-even to 6
places, where they are made. A step written ROUND(x, s) with s the step's exact number of
decimals only removes binary floating-point noise; it never changes an exact value. A rounded
division finds ties exactly: with n = INT(a/b*10^k), D = (2*a*10^k - (2n+1)*b)*SIGN(b) is
positive above the half-way point, negative below it and 0 on a tie, which then goes to the
even neighbour (half_even) or away from zero (half_up). Amounts are in {currency}.
"""


def write_workbook(
    path: Path,
    loaded: LoadedPlan,
    inputs: Inputs,
    result: Result,
    run: dict[str, Any] | None = None,
    rows_per_sheet: int = breakdown.ROWS_PER_SHEET,
    raw_rows: dict[str, pl.DataFrame] | None = None,
) -> None:
    """Write the audit workbook of a calculated run to ``path``.

    Args:
        path: The .xlsx file to write.
        loaded: The plan, with its text and SHA-256.
        inputs: The validated inputs of the run.
        result: The engine's result; its ``steps`` are the lineage the sheets show.
        run: The run's manifest (or what is known of it) for the ``Run`` sheet.
        rows_per_sheet: Breakdown rows per sheet before the next Breakdown sheet starts.
        raw_rows: Input rows to show as they are in the files, by table (text columns and
            the file's row number), each on its own ``Rows <table>`` sheet after Inputs.

    Raises:
        ExportError: when there are more rep-periods than one sheet holds.
    """
    height = result.steps.height
    if height + 1 > MAX_ROWS:
        raise ExportError(
            f"{path.name}: {height:,} rep-periods do not fit one sheet ({MAX_ROWS:,} rows). "
            "Hint: run with --no-audit-xlsx and use `compengine audit --out DIR --rep R` "
            "for the reps to audit.",
            Reason.EXPORT,
        )
    styles = Styles()
    plan_tab, refs = plan_sheet.build(loaded, styles)
    ctx = Context(loaded, inputs, result, styles, refs)
    frame = sheets.base_frame(ctx)
    raw_tabs, ctx.raw = rows.build(ctx, raw_rows or {})
    inputs_tab = sheets.inputs_sheet(ctx, frame)
    measures_tab = sheets.measures_sheet(ctx, frame)
    breakdown_tabs, frame = breakdown.build(ctx, frame, rows_per_sheet)
    payouts_tab = sheets.payouts_sheet(ctx, frame)
    plan = loaded.plan
    note = READ_ME.format(
        rounding=plan.rounding, decimals=plan.decimals, currency=plan.currency
    ).splitlines()
    read_me = Sheet(
        "Read me",
        [Column(note[0], 110)],
        pl.DataFrame(),
        header_style=styles.style(bold=True),
        freeze=None,
        rows=small_rows([[line] for line in note[2:]]),
    )
    write(
        path,
        [read_me, payouts_tab, *breakdown_tabs, measures_tab, inputs_tab,
         *raw_tabs, plan_tab, _run_sheet(run or {}, styles)],
        styles,
    )  # fmt: skip


def _run_sheet(run: dict[str, Any], styles: Styles) -> Sheet:
    rows: list[list[object]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            rows.append([prefix, ", ".join(str(v) for v in value)])
        else:
            rows.append([prefix, "" if value is None else str(value)])

    walk("", run)
    return Sheet(
        "Run",
        [Column("item", 40), Column("value", 80)],
        pl.DataFrame(),
        header_style=styles.style(bold=True),
        rows=small_rows(rows),
    )


@dataclass
class AuditWriter:
    """The writer of a run's ``audit.xlsx`` for :func:`compengine.outputs.write_run`.

    The ``Run`` sheet shows the manifest as far as it is known while the workbook is written:
    everything but the workbook's own SHA-256, which only ``manifest.json`` can hold. When
    the run reads at most ``raw_limit`` input rows, they are in the workbook too; otherwise
    ``rows_left_out`` says how many it read (once written), for the run to say so. A run of
    more than ``max_rows`` rep-periods (a sheet's rows) gets a workbook that says so and
    how to audit its reps, instead of a cut one.
    """

    loaded: LoadedPlan
    inputs: Inputs
    result: Result
    run_id: str
    raw_limit: int = RAW_LIMIT
    max_rows: int = MAX_ROWS - 1
    rows_left_out: int = field(default=0, init=False)  # set once written

    def __call__(self, path: Path) -> None:
        from compengine.outputs import csv_bytes, manifest

        outputs = {
            "payouts.csv": csv_bytes(self.result.payouts),
            "measures.csv": csv_bytes(self.result.measures),
        }
        run = manifest(self.run_id, self.loaded, self.inputs, outputs)
        height = self.result.steps.height
        if height > self.max_rows:
            _write_too_large(path, self.loaded, run, height, self.max_rows)
            return
        raw = rows.input_rows(self.inputs)
        count = sum(table.height for table in raw.values())
        if count > self.raw_limit:
            raw, self.rows_left_out = {}, count
        write_workbook(path, self.loaded, self.inputs, self.result, run, raw_rows=raw)


def _write_too_large(
    path: Path, loaded: LoadedPlan, run: dict[str, Any], height: int, max_rows: int
) -> None:
    """A workbook that says why it holds no payouts, and how to get them audited."""
    styles = Styles()
    plan_tab, _ = plan_sheet.build(loaded, styles)
    note = [
        f"This run has {height:,} rep-periods; a sheet holds {max_rows:,}, so this workbook",
        "leaves out Payouts, Breakdown, Measures and Inputs rather than cut them short.",
        "payouts.csv and measures.csv hold every row. To audit reps in a workbook, run",
        "`compengine audit --out DIR --rep R` (or `--manager M`, `--period P`) on this run.",
    ]
    read_me = Sheet(
        "Read me",
        [Column("Why this workbook holds no payouts", 110)],
        pl.DataFrame(),
        header_style=styles.style(bold=True),
        freeze=None,
        rows=small_rows([[line] for line in note]),
    )
    write(path, [read_me, plan_tab, _run_sheet(run, styles)], styles)
