"""A run's Breakdown (every step the engine took for each row), each value stored once.

The Breakdown's paid amounts (``component:<name>``, ``adjustments``, ``total``) are the run's
payout lines, and its ``period_target`` and ``measure:<name>`` steps are the run's measures;
a row's steps keep only the other steps. :func:`breakdown` puts the three back together.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy.engine import Engine

from compengine.engine.calculate import component_column
from compengine.engine.measures import measure_column
from compengine.store import read
from compengine.store.records import RunInfo

UNNAMED = ("period_target", "adjustments", "total")  # steps named like their column


def payout_steps(payout_columns: list[str]) -> dict[str, str]:
    """payouts.csv's amount columns and the Breakdown steps they are: column -> step."""
    return {c: c if c in UNNAMED else component_column(c) for c in payout_columns[2:]}


def measure_steps(measure_columns: list[str]) -> dict[str, str]:
    """measures.csv's value columns and the Breakdown steps they are: column -> step."""
    return {c: c if c in UNNAMED else measure_column(c) for c in measure_columns[2:]}


def kept(
    audit_columns: list[str], payout_columns: list[str], measure_columns: list[str]
) -> list[str]:
    """The steps a row's steps keep: those neither a payout line nor a measure, in order."""
    elsewhere = {*payout_steps(payout_columns).values(), *measure_steps(measure_columns).values()}
    return [name for name in audit_columns if name not in elsewhere]


def breakdown(engine: Engine, info: RunInfo) -> pl.DataFrame:
    """Every step of every row of a run as exact text: row, rep_id, period, then the steps
    in the run's ``audit_columns`` order."""
    paid, measured = payout_steps(info.payout_columns), measure_steps(info.measure_columns)
    found = read.kinds(
        engine,
        info,
        {
            "step": kept(info.audit_columns, info.payout_columns, info.measure_columns),
            "payout": list(paid.values()),
            "measure": list(measured.values()),
        },
    )
    keys = ["rep_id", "period"]
    return (
        found["step"]
        .join(found["payout"].drop(keys), on="row", how="left")
        .join(found["measure"].drop(keys), on="row", how="left")
        .select("row", "rep_id", "period", *info.audit_columns)
        .sort("row")
    )
