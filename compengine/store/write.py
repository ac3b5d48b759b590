"""Record a run: one transaction, bulk loaded (COPY on PostgreSQL, executemany on SQLite).

The engine's frames are turned into blocks of rows here, with polars (one JSON array per
rep and period holding its payouts, measures and audit steps,
:data:`~compengine.store.tables.BLOCK_ROWS` of them to a ``row_block``), and handed to the
driver in one stream; no ORM object is created per row. The blocks are written while the
run's files are (:func:`recording`); the run row comes last and commits with them, so a run
killed half-way leaves nothing behind.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import chain, islice
from typing import TYPE_CHECKING, Any, cast

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from compengine.data import periods
from compengine.data.inputs import Inputs
from compengine.engine.calculate import Result
from compengine.engine.fixed import texts
from compengine.outputs import RunRecord
from compengine.plan.load import LoadedPlan
from compengine.stopping import spawning
from compengine.store.breakdown import kept
from compengine.store.db import writing
from compengine.store.tables import BLOCK_ROWS, RowBlock, Run, table

if TYPE_CHECKING:
    import sqlite3

    import psycopg

ROWS_PER_INSERT = 100  # rows of one INSERT on SQLite (3 columns: 300 of its 32,766 variables)
CHUNK_ROWS = 50 * BLOCK_ROWS  # rows made into text at a time: whole blocks, never a part
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
    """Write the run, its payouts, measures and audit steps in one transaction (see
    :func:`recording`, which does it while the run's files are written)."""
    with recording(engine, loaded, inputs, result, started_at, status) as keep:
        keep(record)


class _Abandoned(Exception):
    """The run's files could not be written: its recording is rolled back."""


@contextmanager
def recording(
    engine: Engine,
    loaded: LoadedPlan,
    inputs: Inputs,
    result: Result,
    started_at: datetime,
    status: str = "complete",
) -> Iterator[Callable[[RunRecord], None]]:
    """Record a run on a thread while the caller writes its files; yields ``keep``.

    The thread opens the transaction and stores the payouts, measures and audit steps at
    once; ``keep(record)`` hands it the finished run (its manifest needs the files' hashes),
    whose row it writes last, and returns when the transaction has committed, or raises what
    stopped it. Leaving the block without calling ``keep`` (the files failed) rolls the run
    back: a run is stored whole, with the files that it wrote, or not at all.
    """
    handed: Future[RunRecord] = Future()
    with ThreadPoolExecutor(max_workers=1) as thread:
        with spawning():
            stored = thread.submit(
                _record, engine, handed, loaded, inputs, result, started_at, status
            )

        def keep(record: RunRecord) -> None:
            handed.set_result(record)
            stored.result()

        try:
            yield keep
        finally:
            if not handed.done():
                handed.set_exception(_Abandoned())
                stored.exception()  # wait for the rollback; the caller's error is the one


def _record(
    engine: Engine,
    handed: Future[RunRecord],
    loaded: LoadedPlan,
    inputs: Inputs,
    result: Result,
    started_at: datetime,
    status: str,
) -> None:
    """:func:`recording`'s transaction: the run's number, its blocks, then its row.

    Each value is stored once: the Breakdown's paid amounts and measures are the payouts
    and measures, so a row's steps keep only its other steps
    (:mod:`compengine.store.breakdown` reads them back together).
    """
    breakdown = [*COUNTS, *result.scales]  # every step, in order
    # The paid amounts and the measures are stored as such; the steps keep the others.
    steps = kept(breakdown, result.payouts.columns, result.measures.columns)
    scaled = {c: result.scales[c] for c in steps if c not in COUNTS}
    as_text = {
        c: shortest(text).alias(c) if scaled[c] else text
        for c, text in zip(scaled, texts(result.steps, scaled), strict=True)
    }
    kept_steps = [as_text.get(c, pl.col(c)) for c in steps]
    runs = table(Run)
    with writing(engine) as connection:
        if connection.dialect.name == "sqlite":  # writers queue here: the next number is free
            next_key = sa.select(sa.func.coalesce(sa.func.max(runs.c.key), 0) + 1)
        else:  # the identity's next number, taken now: the run's row is written last
            next_key = sa.select(sa.func.nextval(sa.func.pg_get_serial_sequence("run", "key")))
        key = connection.execute(next_key).scalar_one()
        run_key = pl.lit(key, pl.Int64).alias("run_key")

        def chunk(start: int) -> pl.DataFrame:
            """The blocks of the CHUNK_ROWS rows from ``start``."""
            payouts = result.payouts.slice(start, CHUNK_ROWS)
            kinds = [
                payouts.drop("rep_id", "period"),
                result.measures.slice(start, CHUNK_ROWS).drop("rep_id", "period"),
                result.steps.slice(start, CHUNK_ROWS).select(kept_steps),
            ]
            return row_blocks(payouts, kinds, start, escape).select(run_key, pl.all())

        # CHUNK_ROWS rows at a time: the text of a large run is never held whole, and the
        # next chunk's text is made while the driver inserts this one's (outside the GIL).
        # The three frames have one row per rep and period, in the same order.
        assert result.payouts.height == result.measures.height == result.steps.height
        escape = needs_escape(result.payouts["rep_id"])
        starts = range(0, result.steps.height, CHUNK_ROWS)
        # (started by the store's thread, it blocks the stop signals as that thread does)
        with ThreadPoolExecutor(max_workers=1) as ahead:
            made = [ahead.submit(chunk, start) for start in starts[:1]]
            for start in starts[1:]:
                made.append(ahead.submit(chunk, start))
                bulk(connection, RowBlock.__tablename__, made.pop(0).result())
            for rest in made:
                bulk(connection, RowBlock.__tablename__, rest.result())
        record = handed.result()  # the files are written: the run's row comes last
        row = _run_row(record, loaded, inputs, result, breakdown, started_at, status)
        connection.execute(sa.insert(runs).values(row | {"key": key}))


def _run_row(
    record: RunRecord,
    loaded: LoadedPlan,
    inputs: Inputs,
    result: Result,
    breakdown: list[str],
    started_at: datetime,
    status: str,
) -> dict[str, object]:
    """The run's :class:`~compengine.store.tables.Run` row, but for its number."""
    plan = loaded.plan
    return {
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


def row_blocks(
    keys: pl.DataFrame, kinds: list[pl.DataFrame], first: int, escape: bool = True
) -> pl.DataFrame:
    """first_row, rows: the rows (rep, period) whose ``keys`` (rep_id, period) and values
    (each frame of ``kinds``: payouts, measures, steps, as text or integers) are given, the
    first of them the run's row ``first``, as the JSON arrays of
    :class:`~compengine.store.tables.RowBlock`, ``BLOCK_ROWS`` to a block.

    ``escape``: some rep id needs JSON escaping (:func:`needs_escape`); polars then writes
    them. Periods and values are labels and decimal texts, which need none.
    """
    rep_id = pl.col("rep_id")
    if escape:
        encoded = pl.struct(rep_id).struct.json_encode()
        rep_id = encoded.str.slice(len('{"rep_id":')).str.strip_suffix("}")
    else:
        rep_id = pl.concat_str([pl.lit('"'), rep_id, pl.lit('"')])
    values = [
        kind.rename({c: f"{i}:{j}" for j, c in enumerate(kind.columns)})
        for i, kind in enumerate(kinds)
    ]
    # Each array is a column of its own first: polars makes them side by side.
    arrays = pl.concat([keys.select("rep_id", "period"), *values], how="horizontal").select(
        "period",
        rep_id.alias("rep_id"),
        *(json_array(v).alias(f"{i}") for i, v in enumerate(values)),
    )
    one = pl.concat_str(
        [pl.lit("[["), pl.col("rep_id"), pl.lit(',"'), pl.col("period"), pl.lit('"]'),
         *(e for i in range(len(kinds)) for e in (pl.lit(","), pl.col(f"{i}"))), pl.lit("]")]
    )  # fmt: skip
    block = pl.int_range(pl.len(), dtype=pl.Int64) // BLOCK_ROWS * BLOCK_ROWS + first
    return (
        arrays.lazy()
        .select(block.alias("first_row"), one.alias("rows"))
        .group_by("first_row", maintain_order=True)
        .agg(pl.concat_str([pl.lit("["), pl.col("rows").str.join(","), pl.lit("]")]).alias("rows"))
        .collect()
    )


def shortest(text: pl.Expr) -> pl.Expr:
    """Decimal text with a point (``429.167000000``, ``0.000000000``), without the zeros that
    end its fraction (``429.167``, ``0``): the same number, exactly.

    For the Breakdown's other steps: their scale is the engine's working one, not an
    amount's, and a third of their text was such zeros. (Paid amounts and measures keep
    their scale: ``compengine export`` writes them back byte for byte.)
    """
    return text.str.strip_chars_end("0").str.strip_chars_end(".")


def needs_escape(rep_ids: pl.Series) -> bool:
    """Whether a rep id holds a character JSON text escapes: a quote, a backslash or a
    control character."""
    return bool(rep_ids.str.contains(r'["\\\x00-\x1f]').any())


def json_array(values: pl.DataFrame) -> pl.Expr:
    """A JSON array of each row's values as strings (``null`` for a null):
    ``["1.50",null,"7"]``.

    The values are plain decimal texts or integers, which need no escaping; their names are
    kept once, in the run row, instead of on every row. Only the columns that hold a null
    are quoted cell by cell; the others' quotes are written with the separators around them.
    """
    if not values.width:
        return pl.lit("[]")
    holes = dict(zip(values.columns, values.null_count().row(0), strict=True))
    pieces: list[pl.Expr] = []
    before = "["  # what comes before the next cell: "[" or a separator, opening quote aside
    for name in values.columns:
        cell = pl.col(name).cast(pl.String)
        if holes[name]:
            quoted = pl.concat_str([pl.lit('"'), cell, pl.lit('"')])
            pieces += [
                pl.lit(before),
                pl.when(cell.is_null()).then(pl.lit("null")).otherwise(quoted),
            ]
            before = ","
        else:
            pieces += [pl.lit(before + '"'), cell]
            before = '",'
    return pl.concat_str([*pieces, pl.lit(before.removesuffix(",") + "]")])


def bulk(connection: sa.Connection, target: str, frame: pl.DataFrame) -> None:
    """Insert every row of ``frame`` into table ``target`` (same column names): COPY on
    PostgreSQL, batches of :data:`ROWS_PER_INSERT` rows on SQLite."""
    if frame.is_empty():
        return
    names = ", ".join(f'"{c}"' for c in frame.columns)
    if connection.dialect.name == "postgresql":
        data = io.BytesIO()
        frame.write_csv(data, include_header=False, null_value="", line_terminator="\n")
        raw = cast("psycopg.Connection[Any]", connection.connection.driver_connection)
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {target} ({names}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            copy.write(data.getbuffer())
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
