"""The database tables: the only ``table=True`` models of the project.

Every table here is append-only (the migrations install triggers that reject UPDATE and
DELETE): a run, its lines and the period events are written once and read ever after. A
period's state is the last of its events; reopening is a new event, not an edit.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

APPEND_ONLY = ("run", "payout_row", "measure_row", "audit_step", "period_event")


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


class RowOfRun(SQLModel):
    """The key and names of one row (rep, period) of a run, shared by its tables of rows."""

    run_key: int = Field(primary_key=True)
    row: int = Field(primary_key=True)  # the row's place in payouts.csv, from 0
    rep_id: str
    period: str


class PayoutRow(RowOfRun, table=True):
    """The amounts of one row of payouts.csv: a JSON array of exact decimal texts.

    The amounts follow the run's ``payout_columns`` after ``rep_id`` and ``period`` (each
    component, ``adjustments``, ``total``); ``null`` for an empty cell. The ``payout_line``
    view (migration 0003) unfolds them into one line per component: run_key, row,
    component, rep_id, period, amount (NUMERIC on PostgreSQL, text on SQLite). One row per
    rep and period rather than per amount keeps a 20,000-rep year quick to store.
    """

    __tablename__ = "payout_row"

    amounts: str


class MeasureRow(RowOfRun, table=True):
    """One row of measures.csv: ``period_target`` and every measure, a JSON array of texts.

    Measures are what the payouts were computed from, not amounts paid; one row per rep and
    period (rather than per value) keeps a 20,000-rep year quick to store.
    """

    __tablename__ = "measure_row"

    measures: str


class AuditStep(RowOfRun, table=True):
    """The steps the engine took for one row, as a JSON array of exact decimal texts.

    The steps of the run's ``audit_columns`` that are neither a payout line nor a measure
    (those are stored once, in their own tables), in that order; see
    :mod:`compengine.store.breakdown`.
    """

    __tablename__ = "audit_step"

    steps: str


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
