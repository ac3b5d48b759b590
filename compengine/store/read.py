"""Read runs and their lines back from the store."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from compengine.errors import Reason, StoreError
from compengine.store import tables
from compengine.store.records import RunInfo
from compengine.store.tables import RowBlock, Run


def utc(stamp: datetime) -> datetime:
    """A stored timestamp as aware UTC (SQLite hands them back naive)."""
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _info(run: Run) -> RunInfo:
    assert run.key is not None  # every run has one (migration 0002 numbered the earlier ones)
    return RunInfo(
        id=run.id,
        key=run.key,
        plan_id=run.plan_id,
        plan_version=run.plan_version,
        plan_sha256=run.plan_sha256,
        granularity=run.granularity,
        inputs=json.loads(run.inputs),
        first_period=run.first_period,
        last_period=run.last_period,
        status=run.status,
        started_at=utc(run.started_at),
        finished_at=utc(run.finished_at),
        engine_version=run.engine_version,
        payout_columns=json.loads(run.payout_columns),
        measure_columns=json.loads(run.measure_columns),
        audit_columns=json.loads(run.audit_columns),
        manifest=run.manifest,
    )


def runs(engine: Engine) -> list[RunInfo]:
    """Every recorded run, oldest first."""
    with Session(engine) as session:
        found = session.exec(select(Run).order_by(col(Run.started_at), col(Run.id))).all()
        return [_info(r) for r in found]


def run(engine: Engine, run_id: str) -> RunInfo:
    """One run by id, or by a unique prefix of it.

    Raises:
        StoreError: no run, or more than one, matches.
    """
    with Session(engine) as session:
        found = session.exec(
            select(Run).where(col(Run.id).startswith(run_id, autoescape=True)).limit(2)
        ).all()
    if len(found) != 1:
        what = "no run" if not found else "more than one run"
        raise StoreError(
            f"{what} has the id {run_id!r}. Hint: `compengine runs` lists them.", Reason.STORE
        )
    return _info(found[0])


def _key(run_id: str) -> sa.ScalarSelect[int | None]:
    """The store's number of the run, which its rows carry."""
    runs = tables.table(Run)
    return sa.select(runs.c.key).where(runs.c.id == run_id).scalar_subquery()


# A block's rows, as :class:`RowBlock` writes them: each [[rep_id, period], amounts,
# measures, steps]. KINDS gives each kind's place in a row.
ROWS = pl.List(pl.List(pl.List(pl.String)))
KINDS = {"payout": 1, "measure": 2, "step": 3}


def kinds(
    engine: Engine,
    info: RunInfo,
    named: dict[str, list[str]],
    period: str | Collection[str] | None = None,
) -> dict[str, pl.DataFrame]:
    """For each kind of ``named`` (payout, measure, step): row, rep_id, period, then each of
    its names from the values of that kind of the run's rows (see :class:`RowBlock`), in
    row order; only the rows of ``period`` if it is given.

    Blocks hold rows in payouts.csv order, not by period, and a row holds every kind: the
    run's blocks are read and decoded once, whichever kinds are asked for, then the period's
    rows are kept.
    """
    blocks = tables.table(RowBlock)
    query = (
        sa.select(blocks.c.first_row, blocks.c.rows)
        .where(blocks.c.run_key == _key(info.id))
        .order_by(blocks.c.first_row)
    )
    with engine.connect() as connection:
        found = connection.execute(query).all()
    row = pl.col("rows")
    rows = (
        pl.DataFrame(found, schema={"first_row": pl.Int64, "rows": pl.String}, orient="row")
        .select("first_row", row.str.json_decode(ROWS))
        .with_columns(at=pl.int_ranges(row.list.len(), dtype=pl.Int64))
        .explode("rows", "at")
        .select(
            (pl.col("first_row") + pl.col("at")).alias("row"),
            row.list.get(0).list.get(0).alias("rep_id"),
            row.list.get(0).list.get(1).alias("period"),
            *(row.list.get(KINDS[kind], null_on_oob=True).alias(kind) for kind in named),
        )
    )
    if isinstance(period, str):
        rows = rows.filter(pl.col("period") == period)
    elif period is not None:
        rows = rows.filter(pl.col("period").is_in(list(period)))
    return {
        kind: rows.filter(pl.col(kind).is_not_null())  # a row stored without this kind
        .select(
            "row",
            "rep_id",
            "period",
            *(pl.col(kind).list.get(i).alias(n) for i, n in enumerate(names)),
        )
        .sort("row")
        for kind, names in named.items()
    }


def payouts(
    engine: Engine, info: RunInfo, period: str | Collection[str] | None = None
) -> pl.DataFrame:
    """A run's payouts: row, rep_id, period, then each amount column as exact text.

    Args:
        engine: The store.
        info: The run.
        period: Only the rows of this period, or of these periods (one scan of the run).
    """
    return kinds(engine, info, {"payout": info.payout_columns[2:]}, period)["payout"]


def lines(
    engine: Engine, info: RunInfo, period: str | Collection[str] | None = None
) -> pl.DataFrame:
    """A run's payout lines: row, rep_id, period, component, amount (exact text), in the
    order of the rows, then of the components in payouts.csv."""
    return (
        payouts(engine, info, period)
        .unpivot(
            index=["row", "rep_id", "period"],
            on=info.payout_columns[2:],
            variable_name="component",
            value_name="amount",
        )
        .sort("row", maintain_order=True)
    )


def measures(engine: Engine, info: RunInfo) -> pl.DataFrame:
    """A run's measures: row, rep_id, period, then each measure column as exact text."""
    return kinds(engine, info, {"measure": info.measure_columns[2:]})["measure"]


def audit_steps(engine: Engine, info: RunInfo, names: list[str]) -> pl.DataFrame:
    """A run's kept Breakdown steps: row, rep_id, period, then each of ``names`` as text."""
    return kinds(engine, info, {"step": names})["step"]
