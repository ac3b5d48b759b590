"""The database tables: the only ``table=True`` models of the project.

Every table here is append-only (the migrations install triggers that reject UPDATE and
DELETE): a run, its lines and the period events are written once and read ever after. A
period's state is the last of its events; reopening is a new event, not an edit.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

APPEND_ONLY = ("run", "row_block", "period_event")
BLOCK_ROWS = 1000  # rows (rep, period) in one row_block


class Run(SQLModel, table=True):
    """One recorded run: what it read, what it is, and the exact manifest it wrote."""

    __tablename__ = "run"

    id: str = Field(primary_key=True)
    # The run's number in this store, which its rows carry (``run_key``): an identity on
    # PostgreSQL, the next number on SQLite, whose writers queue.
    key: int | None = Field(default=None, unique=True)
    plan_id: str = Field(index=True)
    plan_version: int
    plan_file: str
    plan_text: str
    plan_sha256: str
    inputs: str  # JSON: table -> {file, sha256, rows}
    granularity: str
    first_period: str
    last_period: str
    status: str  # "complete", or "true-up" when it booked deltas of closed periods
    started_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    finished_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    engine_version: str
    polars_version: str
    payout_columns: str  # JSON list: the header of payouts.csv
    measure_columns: str  # JSON list: the header of measures.csv
    audit_columns: str  # JSON list: every step of the Breakdown, in order
    manifest: str  # manifest.json as written


class RowBlock(SQLModel, table=True):
    """Up to :data:`BLOCK_ROWS` consecutive rows (rep, period) of a run, from its row
    ``first_row`` on (a row's place in payouts.csv, from 0).

    ``rows`` is a JSON array of one array per row, in the run's order, holding its rep and
    period, then its payout amounts, its measures and its other Breakdown steps; a row::

        [["R001", "2027-01"], ["1.50", "0.00", "1.50"], ["12.5", null], ["31", "31", "0.9"]]

    Values are exact decimal texts (``null`` for an empty cell) in the order of the run's
    ``payout_columns`` after ``rep_id`` and ``period``, of its ``measure_columns`` after
    them, and of the steps of its ``audit_columns`` that are neither a paid amount nor a
    measure (see :mod:`compengine.store.breakdown`). Amounts and measures keep the scale
    they are written with in the run's files; the other steps are written without the zeros
    that end a fraction (``429.167`` for ``429.167000000``).

    A run recorded before migration 0005 may lack a kind for some rows (``null`` in place
    of its array), and its blocks may start at any row; a block always holds consecutive
    rows.

    The views ``payout_row``, ``measure_row`` and ``audit_step`` (migration 0005) unfold the
    blocks into one row per rep and period: run_key, row, rep_id, period and one of the
    values' JSON arrays (``amounts``, ``measures``, ``steps``); ``payout_line`` unfolds the
    amounts further, one line per component. A block of rows is one database row, so a run
    of 20,000 reps x 12 months is 224 rows to write instead of 670,000.
    """

    __tablename__ = "row_block"

    run_key: int = Field(primary_key=True)
    first_row: int = Field(primary_key=True)
    rows: str


class PeriodEvent(SQLModel, table=True):
    """A period of a plan closed (paid from a run) or reopened; ``seq`` numbers them.

    ``(plan_id, period, seq)`` is unique, so two processes closing the same period at once
    cannot both succeed: both read the same last event and both try the same next ``seq``.
    """

    __tablename__ = "period_event"
    __table_args__ = (sa.UniqueConstraint("plan_id", "period", "seq", name="period_event_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: str
    period: str
    seq: int
    action: str  # "close" or "reopen"
    run_id: str = Field(foreign_key="run.id")
    by: str
    at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    reason: str | None = None


def table(model: type[SQLModel]) -> sa.Table:
    """The SQLAlchemy table of a model, for bulk and Core statements."""
    return SQLModel.metadata.tables[str(model.__tablename__)]
