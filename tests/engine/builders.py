"""Tiny plans and data folders for hand-worked engine tests.

A test writes only what it is about: a plan body (measures, components, modifiers) under a
fixed header, and a few short rows per table. Rows are tuples in the column order of
:data:`SHORT`; trailing values may be left off, and ids, names and accounts are filled in so
that rows never collide by accident. Unless a test gives its own ``reps``, the folder has one
rep, ``r1``, employed since 2020 with a target incentive of 12,000 (a period target of
1,000.00 a month or 3,000.00 a quarter).
"""

from __future__ import annotations

import csv
import textwrap
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import polars as pl

from compengine.data.inputs import load_inputs
from compengine.data.schema import TABLES
from compengine.engine.calculate import Result, calculate
from compengine.plan import models
from compengine.plan.load import parse_plan

Row = Sequence[str]

# The short column order of each table's rows; other columns are filled in.
SHORT: dict[str, tuple[str, ...]] = {
    "reps": ("rep_id", "hire_date", "termination_date", "target_incentive"),
    "quotas": ("rep_id", "period", "quota"),
    "transactions": ("rep_id", "date", "amount", "deal_type", "split", "txn_id"),
    "grades": ("rep_id", "period", "behaviour", "grade", "account_id"),
    "feedback": ("rep_id", "opened", "resolved", "source"),
    "incidents": ("rep_id", "opened", "resolved", "recovery_grade"),
    "events": ("rep_id", "date", "kind", "value"),
    "adjustments": ("rep_id", "period", "amount", "reason"),
}
ONE_REP: Sequence[Row] = [("r1", "2020-01-01", "", "12000")]

HEADER = """\
plan: t
version: 1
period: {period}
currency: USD
rounding: {rounding}
decimals: {decimals}
"""


def plan(
    *parts: str, period: str = "month", rounding: str = "half_even", decimals: int = 2
) -> models.Plan:
    """A plan from ``parts`` (top-level sections, each dedented) under a small header."""
    text = HEADER.format(period=period, rounding=rounding, decimals=decimals)
    body = "".join(textwrap.dedent(part).strip("\n") + "\n" for part in parts)
    return parse_plan(text + body, Path("t.yaml")).plan


def _filled(table: str, i: int, row: Row) -> dict[str, str]:
    """All columns of one row: the short values given, then the fill-ins."""
    short = SHORT[table]
    assert len(row) <= len(short), f"{table} rows hold at most {short}"
    cells = dict.fromkeys(TABLES[table].column_names, "")
    cells.update(zip(short, row, strict=False))
    fill = {
        "reps": {"name": cells["rep_id"]},
        "transactions": {"txn_id": f"t{i}", "account_id": "a1"},
        "grades": {"account_id": f"a{i}"},
        "feedback": {"feedback_id": f"f{i}"},
        "incidents": {"incident_id": f"i{i}"},
        "events": {"event_id": f"e{i}"},
        "adjustments": {"reason": "correction"},
    }.get(table, {})
    for column, value in fill.items():
        if not cells[column]:
            cells[column] = value
    return cells


def write_data(folder: Path, reps: Sequence[Row] | None = None, **tables: Sequence[Row]) -> Path:
    """Write ``reps`` (default: :data:`ONE_REP`) and the given tables as CSVs in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in {"reps": reps if reps is not None else ONE_REP, **tables}.items():
        columns = TABLES[table].column_names
        with (folder / f"{table}.csv").open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            for i, row in enumerate(rows, start=1):
                writer.writerow(_filled(table, i, row))
    return folder


def run(
    the_plan: models.Plan,
    folder: Path,
    period_from: str | None = None,
    period_to: str | None = None,
) -> Result:
    """Load ``folder`` for ``the_plan`` and calculate it."""
    return calculate(the_plan, load_inputs(folder, the_plan, period_from, period_to))


def calc(the_plan: models.Plan, folder: Path, **tables: Sequence[Row]) -> Result:
    """Write the tables (``reps`` optional) into ``folder`` and calculate ``the_plan``."""
    return run(the_plan, write_data(folder, **tables))


def row(frame: pl.DataFrame, rep_id: str = "r1", period: str = "2027-01") -> dict[str, str]:
    """The one output row of ``rep_id`` in ``period``, as text (empty text for a null)."""
    found = frame.filter((pl.col("rep_id") == rep_id) & (pl.col("period") == period))
    assert found.height == 1, f"{found.height} rows for {rep_id} {period} in\n{frame}"
    return {k: "" if v is None else str(v) for k, v in found.row(0, named=True).items()}


def paid(result: Result, column: str, rep_id: str = "r1", period: str = "2027-01") -> str:
    """One payouts.csv cell, exactly as written."""
    return row(result.payouts, rep_id, period)[column]


def measure(
    result: Result, column: str, rep_id: str = "r1", period: str = "2027-01"
) -> Decimal | None:
    """One measures.csv cell as a number (None when empty)."""
    text = row(result.measures, rep_id, period)[column]
    return Decimal(text) if text else None


def keys(frame: pl.DataFrame) -> list[tuple[str, str]]:
    """The (rep_id, period) of every output row, in output order."""
    return list(frame.select("rep_id", "period").iter_rows())
