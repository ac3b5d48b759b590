"""Closed periods stay as paid: compare a new run with them, and book true-ups.

A run that covers a closed period recomputes it and compares every paid amount (each
component and ``adjustments``) with the payout lines of the run the period was closed
from. Differences are refused unless booked: :func:`book` adds one row per
difference to the inputs' adjustments table, in the run's first open period, so the
engine pays it like any other adjustment.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from sqlalchemy.engine import Engine

from compengine.data import periods
from compengine.data.inputs import PERIOD, Inputs
from compengine.data.inputs import _rows as calculation_rows  # the rows an input row adds
from compengine.data.parse import MONTH_FLAG
from compengine.engine.calculate import Result, calculate
from compengine.engine.fixed import I128
from compengine.errors import Reason, StoreError
from compengine.plan.models import Plan
from compengine.store import read
from compengine.store.closes import closed
from compengine.store.records import Delta, PeriodEventInfo
from compengine.store.types import plain

FLAG = PERIOD + MONTH_FLAG  # whether an adjustment's period was written as a month


@dataclass(frozen=True)
class ClosedCheck:
    """A closed period the new run covers, and how its recomputation differs."""

    period: str
    close: PeriodEventInfo
    deltas: list[Delta]


def check_closed(
    engine: Engine, plan_id: str, labels: list[str], payouts: pl.DataFrame
) -> list[ClosedCheck]:
    """Compare the new ``payouts`` with every closed period of the plan among ``labels``."""
    with engine.connect() as connection:
        held = closed(connection, plan_id)
    money = [c for c in payouts.columns[2:] if c != "total"]
    checks = []
    for label in labels:
        event = held.get((plan_id, label))
        if event is None:
            continue
        paid = read.lines(engine, event.run_id, label).filter(pl.col("component") != "total")
        now = payouts.filter(pl.col("period") == label).unpivot(
            index=["rep_id"], on=money, variable_name="component", value_name="recomputed"
        )
        joined = (
            paid.select("rep_id", "component", pl.col("amount").alias("paid"))
            .join(now, on=["rep_id", "component"], how="full", coalesce=True)
            .filter(pl.col("paid").fill_null("") != pl.col("recomputed").fill_null(""))
            .sort("rep_id", "component")
        )
        deltas = [
            Delta(label, rep, component, Decimal(was or 0), Decimal(new or 0))
            for rep, component, was, new in joined.iter_rows()
        ]
        checks.append(ClosedCheck(label, event, [d for d in deltas if d.amount]))
    return checks


def first_open(inputs: Inputs, plan: Plan, checks: list[ClosedCheck], engine: Engine) -> int:
    """The index of the run's first open period after every closed period that moved.

    Raises:
        StoreError: the run has no such period.
    """
    with engine.connect() as connection:
        held = {p for (_, p) in closed(connection, plan.plan)}
    moved = [periods.parse(c.period, plan.period) for c in checks if c.deltas]
    after = max(i for i in moved if i is not None) + 1
    for index in range(after, inputs.last + 1):
        if periods.label(index, plan.period) not in held:
            return index
    last = periods.label(inputs.last, plan.period)
    raise StoreError(
        f"no open period after {periods.label(after - 1, plan.period)} up to {last} to book the "
        "true-ups in. Hint: extend --to to the next open period.",
        Reason.STORE,
    )


@dataclass(frozen=True)
class TrueUp:
    """One booked delta: an adjustment row added to the run's inputs."""

    rep_id: str
    period: str  # the open period it is paid in
    amount: Decimal
    reason: str

    @classmethod
    def from_json(cls, entry: dict[str, str]) -> TrueUp:
        """A true-up from its manifest record, to replay a run's inputs with :func:`book`."""
        return cls(entry["rep_id"], entry["period"], Decimal(entry["amount"]), entry["reason"])

    def as_json(self) -> dict[str, str]:
        """The manifest's record of it; :meth:`from_json` reads it back."""
        return {
            "rep_id": self.rep_id,
            "period": self.period,
            "amount": plain(self.amount),
            "reason": self.reason,
        }


def true_ups(checks: list[ClosedCheck], run_id: str, into: str) -> list[TrueUp]:
    """One adjustment per delta, paid in period ``into``, its reason naming what it trues up."""
    return [
        TrueUp(
            d.rep_id,
            into,
            d.amount,
            f"true-up of closed {c.period} (paid by run {c.close.run_id}): {d.component} "
            f"recomputed by run {run_id}",
        )
        for c in checks
        for d in c.deltas
    ]


def book(inputs: Inputs, plan: Plan, booked: list[TrueUp]) -> Inputs:
    """``inputs`` with the true-ups added to its adjustments table (the caller's is kept).

    The engine then pays them like any adjustment, so they reach payouts.csv, the workbook
    and ``explain``; a rep with no row in that period gets one.
    """
    if not booked:
        return inputs
    old_scale = inputs.scales["adjustments"]["amount"]
    scale = max(old_scale, *(-int(t.amount.as_tuple().exponent) for t in booked))
    table = inputs.tables["adjustments"]
    indices = [periods.parse(t.period, plan.period) for t in booked]
    added = pl.DataFrame(
        {
            "rep_id": [t.rep_id for t in booked],
            PERIOD: indices,
            "amount": [int(t.amount.scaleb(scale)) for t in booked],
            "reason": [t.reason for t in booked],
        },
        schema_overrides={"amount": I128, PERIOD: table.schema[PERIOD]},
    )
    if FLAG in table.columns:
        added = added.with_columns(pl.lit(plan.period == "month").alias(FLAG))
    widened = table.with_columns(pl.col("amount") * pl.lit(10 ** (scale - old_scale), I128))
    adjustments = pl.concat([widened, added], how="diagonal_relaxed").select(table.columns)
    tables = inputs.tables | {"adjustments": adjustments}
    scales = inputs.scales | {"adjustments": inputs.scales["adjustments"] | {"amount": scale}}
    rows = calculation_rows(tables, inputs.first, inputs.last, plan.period)
    quotas = inputs.quotas
    if quotas is not None:
        quotas = rows.select("rep_id", PERIOD).join(quotas, on=["rep_id", PERIOD], how="left")
    return dataclasses.replace(inputs, tables=tables, scales=scales, rows=rows, quotas=quotas)


@dataclass(frozen=True)
class Reconciled:
    """The closed periods a run covers, and the inputs and result it should record."""

    checks: list[ClosedCheck]
    inputs: Inputs
    result: Result
    booked: list[TrueUp]  # the adjustments added to the inputs

    @property
    def moved(self) -> list[ClosedCheck]:
        return [c for c in self.checks if c.deltas]


def reconcile(
    engine: Engine, plan: Plan, inputs: Inputs, result: Result, run_id: str, true_up: bool
) -> Reconciled:
    """Compare ``result`` with the closed periods; with ``true_up``, book and recalculate."""
    labels = [periods.label(p, plan.period) for p in range(inputs.first, inputs.last + 1)]
    checks = check_closed(engine, plan.plan, labels, result.payouts)
    if not true_up or not any(c.deltas for c in checks):
        return Reconciled(checks, inputs, result, [])
    into = periods.label(first_open(inputs, plan, checks, engine), plan.period)
    booked = true_ups(checks, run_id, into)
    adjusted = book(inputs, plan, booked)
    return Reconciled(checks, adjusted, calculate(plan, adjusted), booked)
