"""Record a run: one transaction, bulk loaded (COPY on PostgreSQL, executemany on SQLite).

The engine's frames are turned into rows here, with polars (one per rep and period, its
values a JSON array), and handed to the driver in one stream per table; no ORM object is
created per row. The run row and its rows commit together, so a run killed half-way leaves
nothing behind.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import chain, islice
from typing import TYPE_CHECKING, Any, cast

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from compengine.data import periods
from compengine.data.inputs import PERIOD, Inputs
from compengine.engine.calculate import Result
from compengine.engine.fixed import texts
from compengine.outputs import RunRecord
from compengine.plan.load import LoadedPlan
from compengine.store.breakdown import kept
from compengine.store.db import writing
from compengine.store.tables import AuditStep, MeasureRow, PayoutRow, Run, table

if TYPE_CHECKING:
    import sqlite3

    import psycopg

KEYS = ("row", "rep_id", "period")
ROWS_PER_INSERT = 100  # rows of one INSERT on SQLite (5 columns: 500 of its 32,766 variables)
COUNTS = ("employed_days", "days_in_period")  # the audit's integer steps, before the scaled ones


def record_run(
    engine: Engine,
    record: RunRecord,
    loaded: LoadedPlan,
    inputs: Inputs,
    result: Result,
    started_at: datetime,
    status: str = "complete",
) -> None:
    """Write the run, its payouts, measures and audit steps in one transaction.

    Each value is stored once: the Breakdown's paid amounts and measures are the payouts
    and measures, so ``audit_step`` keeps only its other steps
    (:mod:`compengine.store.breakdown` reads them back together).
    """
    payouts = result.payouts.with_row_index("row")
    measures = result.measures.with_row_index("row")
    money = result.payouts.columns[2:]
    named = measures.columns[3:]
    breakdown = [*COUNTS, *result.scales]  # every step, in order
    plan = loaded.plan
    run = {
        "id": record.run_id,
        "plan_id": plan.plan,
        "plan_version": plan.version,
        "plan_file": loaded.path.name,
        "plan_text": loaded.text,
        "plan_sha256": loaded.sha256,
        "inputs": json.dumps(record.manifest["inputs"], sort_keys=True),
        "granularity": plan.period,
        "first_period": periods.label(inputs.first, plan.period),
        "last_period": periods.label(inputs.last, plan.period),
        "status": status,
        "started_at": started_at,
        "finished_at": datetime.now(UTC),
        "engine_version": record.manifest["engine"]["compengine"],
        "polars_version": record.manifest["engine"]["polars"],
        "payout_columns": json.dumps(result.payouts.columns),
        "measure_columns": json.dumps(result.measures.columns),
        "audit_columns": json.dumps(breakdown),
        "manifest": record.text,
    }
    amounts = payouts.select(*KEYS, json_array([pl.col(c) for c in money]).alias("amounts"))
    values = measures.select(*KEYS, json_array([pl.col(c) for c in named]).alias("measures"))
    # The paid amounts and the measures are stored above; audit_step keeps the other steps.
    steps = kept(breakdown, result.payouts.columns, result.measures.columns)
    scaled = {c: result.scales[c] for c in steps if c not in COUNTS}
    as_text = dict(zip(scaled, texts(result.steps, scaled), strict=True))
    audit = (
        result.steps.lazy()
        .with_row_index("row")
        .select(
            "row",
            "rep_id",
            periods.label_expr(pl.col(PERIOD), plan.period).alias("period"),
            json_array([as_text.get(c, pl.col(c)) for c in steps]).alias("steps"),
        )
        .collect()
    )
    runs = table(Run)
    with writing(engine) as connection:
        if connection.dialect.name == "sqlite":  # writers queue here: the next number is free
            next_key = sa.select(sa.func.coalesce(sa.func.max(runs.c.key), 0) + 1)
            run["key"] = connection.execute(next_key).scalar_one()
        key = connection.execute(sa.insert(runs).values(run).returning(runs.c.key)).scalar_one()
        run_key = pl.lit(key, pl.Int64).alias("run_key")
        bulk(connection, PayoutRow.__tablename__, amounts.select(run_key, pl.all()))
        bulk(connection, MeasureRow.__tablename__, values.select(run_key, pl.all()))
        bulk(connection, AuditStep.__tablename__, audit.select(run_key, pl.all()))


def json_array(values: list[pl.Expr]) -> pl.Expr:
    """A JSON array of the values as strings (``null`` for a null): ``["1.50",null,"7"]``.

    The values are plain decimal texts or integers, which need no escaping; their names are
    kept once, in the run row, instead of on every row.
    """
    quoted = [
        (pl.lit('"') + v.cast(pl.String) + pl.lit('"')).fill_null(pl.lit("null")) for v in values
    ]
    return pl.concat_str([pl.lit("["), pl.concat_str(quoted, separator=","), pl.lit("]")])


def bulk(connection: sa.Connection, target: str, frame: pl.DataFrame) -> None:
    """Insert every row of ``frame`` into table ``target`` (same column names): COPY on
    PostgreSQL, batches of :data:`ROWS_PER_INSERT` rows on SQLite."""
    if frame.is_empty():
        return
    names = ", ".join(f'"{c}"' for c in frame.columns)
    if connection.dialect.name == "postgresql":
        data = frame.write_csv(include_header=False, null_value="", line_terminator="\n")
        raw = cast("psycopg.Connection[Any]", connection.connection.driver_connection)
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {target} ({names}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            copy.write(data)
        return
    # Rows go ROWS_PER_INSERT to a statement, streamed to the driver: no list of a million
    # tuples is held at once, and a hundredth of the statements to step (a quarter less time).
    one = "(" + ", ".join("?" for _ in frame.columns) + ")"
    full = frame.height - frame.height % ROWS_PER_INSERT
    rows = frame.head(full).iter_rows()
    batches = (
        tuple(chain.from_iterable(islice(rows, ROWS_PER_INSERT)))
        for _ in range(full // ROWS_PER_INSERT)
    )
    raw_sqlite = cast("sqlite3.Connection", connection.connection.driver_connection)
    insert = f"INSERT INTO {target} ({names}) VALUES "
    raw_sqlite.executemany(insert + ", ".join([one] * ROWS_PER_INSERT), batches)
    raw_sqlite.executemany(insert + one, frame.slice(full).iter_rows())
