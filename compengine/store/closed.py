"""Closed periods stay as paid: compare a new run with them, and book true-ups.

A run that covers a closed period recomputes it and compares every paid amount (each
component and ``adjustments``) with the payout lines of the run the period was closed
from. Differences are refused unless booked: :func:`book` adds one row per
difference to the inputs' adjustments table, in the run's first open period, so the
engine pays it like any other adjustment.

A true-up, once the period it was booked in is closed, is paid: it is part of that
period's pay, and it settles that much of its closed period's delta. So every later run
books it again in its period (:func:`paid_true_ups`), and counts it as paid when it
compares the period it trues up; neither is refused nor booked twice.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from sqlalchemy.engine import Engine

from compengine.data import periods
from compengine.data.inputs import (
    PERIOD,
    Inputs,
    calculation_rows,
    missing_quota,
    quota_of_rows,
)
from compengine.data.parse import MONTH_FLAG
from compengine.engine.calculate import Result, calculate
from compengine.engine.fixed import I128
from compengine.errors import InputDataError, Reason, StoreError
from compengine.plan.load import LoadedPlan
from compengine.plan.models import Plan
from compengine.store import read
from compengine.store.closes import closed, events, reopened
from compengine.store.records import Delta, PeriodEventInfo, RunInfo
from compengine.store.types import plain

FLAG = PERIOD + MONTH_FLAG  # whether an adjustment's period was written as a month


@dataclass(frozen=True)
class ClosedCheck:
    """A closed period the new run covers, and how its recomputation differs."""

    period: str
    close: PeriodEventInfo
    deltas: list[Delta]


Settled = dict[tuple[str, str, str], Decimal]  # (closed period, rep, component) -> paid


def check_closed(
    engine: Engine,
    plan_id: str,
    labels: list[str],
    payouts: pl.DataFrame,
    settled: Settled | None = None,
) -> list[ClosedCheck]:
    """Compare the new ``payouts`` with every closed period of the plan among ``labels``.

    ``settled`` holds what paid true-ups already added to a closed period's amounts
    (:func:`paid_true_ups`); a delta is the recomputed amount minus the paid line and them.
    """
    settled = settled or {}
    with engine.connect() as connection:
        held = closed(connection, plan_id)
    money = [c for c in payouts.columns[2:] if c != "total"]
    covered = {p: held[plan_id, p] for p in labels if (plan_id, p) in held}
    by_run: dict[str, list[str]] = defaultdict(list)
    for label, event in covered.items():
        by_run[event.run_id].append(label)
    paid_lines = {  # one read of each paying run's lines
        run_id: read.lines(engine, read.run(engine, run_id), paid).filter(
            pl.col("component") != "total"
        )
        for run_id, paid in by_run.items()
    }
    checks = []
    for label, event in covered.items():
        paid = paid_lines[event.run_id].filter(pl.col("period") == label)
        now = payouts.filter(pl.col("period") == label).unpivot(
            index=["rep_id"], on=money, variable_name="component", value_name="recomputed"
        )
        trued = pl.DataFrame(
            [(rep, component) for (p, rep, component) in settled if p == label],
            schema={"rep_id": pl.String, "component": pl.String},
            orient="row",
        ).with_columns(pl.lit(True).alias("trued"))
        joined = (
            paid.select("rep_id", "component", pl.col("amount").alias("paid"))
            .join(now, on=["rep_id", "component"], how="full", coalesce=True)
            .join(trued, on=["rep_id", "component"], how="full", coalesce=True)
            .filter(
                (pl.col("paid").fill_null("") != pl.col("recomputed").fill_null(""))
                | pl.col("trued").is_not_null()
            )
            .sort("rep_id", "component")
        )
        deltas = [
            Delta(
                label,
                rep,
                component,
                _or_zero(was, new) + settled.get((label, rep, component), Decimal(0)),
                _or_zero(new, was),
            )
            for rep, component, was, new, _ in joined.iter_rows()
        ]
        checks.append(ClosedCheck(label, event, [d for d in deltas if d.amount]))
    return checks


def first_open(inputs: Inputs, plan: Plan, checks: list[ClosedCheck], engine: Engine) -> int:
    """The index of the run's first period never paid after every closed period that moved:
    neither closed nor reopened (a reopened period was paid; closing it again settles only
    the difference from what was paid, so a true-up booked there would never be paid).

    Raises:
        StoreError: the run has no such period (:func:`reconcile` says why in
            :attr:`Reconciled.no_room`).
    """
    with engine.connect() as connection:
        held = {p for (_, p) in closed(connection, plan.plan)} | set(
            reopened(connection, plan.plan)
        )
    moved = [periods.parse(c.period, plan.period) for c in checks if c.deltas]
    after = max(i for i in moved if i is not None) + 1
    for index in range(after, inputs.last + 1):
        if periods.label(index, plan.period) not in held:
            return index
    last = periods.label(inputs.last, plan.period)
    raise StoreError(
        f"no period after {periods.label(after - 1, plan.period)} up to {last} that was never "
        "paid, to book the true-ups in. Hint: extend --to to the next period not paid yet.",
        Reason.STORE,
    )


@dataclass(frozen=True)
class TrueUp:
    """One booked delta: an adjustment row added to the run's inputs.

    ``closed``, ``paid_by`` and ``component`` name the delta it books: the closed period,
    the run that period was paid from, and the amount that moved.
    """

    rep_id: str
    period: str  # the open period it is paid in
    amount: Decimal
    reason: str
    closed: str | None = None
    paid_by: str | None = None
    component: str | None = None

    @classmethod
    def from_json(cls, entry: dict[str, str]) -> TrueUp:
        """A true-up from its manifest record, to replay a run's inputs with :func:`book`."""
        return cls(
            entry["rep_id"],
            entry["period"],
            Decimal(entry["amount"]),
            entry["reason"],
            entry.get("closed"),
            entry.get("paid_by"),
            entry.get("component"),
        )

    def as_json(self) -> dict[str, str]:
        """The manifest's record of it; :meth:`from_json` reads it back."""
        entry = {
            "rep_id": self.rep_id,
            "period": self.period,
            "amount": plain(self.amount),
            "reason": self.reason,
        }
        for key, value in (
            ("closed", self.closed),
            ("paid_by", self.paid_by),
            ("component", self.component),
        ):
            if value is not None:
                entry[key] = value
        return entry


def paid_true_ups(engine: Engine, plan_id: str) -> tuple[list[TrueUp], Settled]:
    """The true-ups paid in the plan's closed periods, and what they settle.

    A closed period's paid true-ups are those the run it was closed from booked in it
    (its manifest's ``true_ups``). Each settles its delta while the period it trues up is
    still closed from the run it names; once that period is reopened and closed again, the
    new close is what was paid.
    """
    with engine.connect() as connection:
        held = closed(connection, plan_id)
    paid = _paid_in(engine, [event for _, event in sorted(held.items())])
    settled: defaultdict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for t in paid:
        source = held.get((plan_id, t.closed or ""))
        if t.component is not None and source is not None and source.run_id == t.paid_by:
            settled[t.closed or "", t.rep_id, t.component] += t.amount
    return paid, dict(settled)


def reclosed(engine: Engine, period: str, run_id: str) -> list[Delta]:
    """What closing ``period`` from ``run_id`` would change in what was paid for it, when
    the run's plan closed it before (and reopened it).

    What was paid for a closed period is its closing run's amounts and the true-ups paid for
    it as closed from that run (paid once the period they are booked in was closed, even if
    it is open again). Closing it again from another run makes that run's amounts, with the
    true-ups paid against it, what was paid: per rep and component, the amount paid before
    and the new one (``paid``, ``recomputed``) where they differ. Finance settles the
    difference with the close; later runs compare with the new amounts, as
    :func:`check_closed` does. Worked out before the close is recorded, so that a close
    stands only once what it settles is known.
    """
    info = read.run(engine, run_id)  # the whole id of a run named by a prefix
    with engine.connect() as connection:
        history = events(connection, info.plan_id)
    before = [e for e in history if e.period == period and e.action == "close"]
    if not before:
        return []
    paid = _paid_in(engine, history)  # reopening pays nothing back
    was, now = (_paid_for(engine, period, run, paid) for run in (before[-1].run_id, info.id))
    zero = Decimal(0).quantize(next(iter((*was.values(), *now.values())), Decimal(0)))
    return [
        Delta(period, rep, component, before, after)
        for rep, component in sorted(was.keys() | now.keys())
        for before, after in [(was.get((rep, component), zero), now.get((rep, component), zero))]
        if before != after
    ]


def _or_zero(amount: str | None, other: str | None) -> Decimal:
    """An amount as text, or for a row one side does not have, 0 at the other's scale
    (``0.00``, as the paid amounts are written)."""
    if amount is not None:
        return Decimal(amount)
    return Decimal(0).quantize(Decimal(other)) if other is not None else Decimal(0)


def _paid_for(
    engine: Engine, period: str, run_id: str, paid: list[TrueUp]
) -> dict[tuple[str, str], Decimal]:
    """(rep, component) -> what was paid for ``period`` closed from ``run_id``: the run's
    amounts, but for the true-ups it pays in the period (they pay for earlier periods), and
    the paid true-ups of the period as closed from that run."""
    info = read.run(engine, run_id)
    amounts = {
        (rep, component): Decimal(amount or 0)
        for rep, component, amount in read.lines(engine, info, period)
        .filter(pl.col("component") != "total")
        .select("rep_id", "component", "amount")
        .iter_rows()
    }
    for t in true_ups_of(info):
        if t.period == period:
            key = (t.rep_id, "adjustments")
            amounts[key] = amounts.get(key, Decimal(0)) - t.amount
    for t in paid:
        if t.closed == period and t.paid_by == run_id and t.component is not None:
            key = (t.rep_id, t.component)
            amounts[key] = amounts.get(key, Decimal(0)) + t.amount
    return amounts


def _paid_in(engine: Engine, history: list[PeriodEventInfo]) -> list[TrueUp]:
    """The true-ups the closes of ``history`` paid: each booked in its period by the run the
    period was closed from, once however often that period closed."""
    paid: dict[tuple[str, ...], TrueUp] = {}
    runs: dict[str, RunInfo] = {}  # one read of each paying run
    for e in history:
        if e.action == "close" and e.run_id is not None:
            info = runs.setdefault(e.run_id, read.run(engine, e.run_id))
            for t in true_ups_of(info):
                if t.period == e.period:
                    paid.setdefault(tuple(t.as_json().values()), t)
    return list(paid.values())


def true_ups_of(info: RunInfo) -> list[TrueUp]:
    """The true-ups a run's adjustments hold (its manifest's ``true_ups``)."""
    return [TrueUp.from_json(t) for t in json.loads(info.manifest).get("true_ups") or []]


def refuse_stale_true_ups(engine: Engine, period: str, run_id: str) -> None:
    """Refuse to close ``period`` from ``run_id`` when the run pays a true-up in it for a
    closed period that has been closed from another run since (reopened and closed again):
    paid, it would pay again what that close settled.

    Raises:
        StoreError: one line per such true-up.
    """
    info = read.run(engine, run_id)
    booked = [t for t in true_ups_of(info) if t.period == period]
    with engine.connect() as connection:
        held = closed(connection, info.plan_id)
    stale = [
        f"run {info.id} books {plain(t.amount)} for {t.rep_id} in {t.period} as a true-up of "
        f"{t.closed} closed from run {t.paid_by}, and {t.closed} has been closed from run "
        f"{source.run_id} since; nothing was closed. Hint: run again, with --true-up, and "
        f"close {t.period} from that run."
        for t in booked
        for source in [held.get((info.plan_id, t.closed or ""))]
        if t.paid_by is not None and source is not None and source.run_id != t.paid_by
    ]
    if stale:
        raise StoreError(stale, Reason.STORE)


def true_ups(checks: list[ClosedCheck], run_id: str, into: str) -> list[TrueUp]:
    """One adjustment per delta, paid in period ``into``, its reason naming what it trues up."""
    return [
        TrueUp(
            d.rep_id,
            into,
            d.amount,
            f"true-up of closed {c.period} (paid by run {c.close.run_id}): {d.component} "
            f"recomputed by run {run_id}",
            c.period,
            c.close.run_id,
            d.component,
        )
        for c in checks
        for d in c.deltas
    ]


def book(inputs: Inputs, plan: Plan, booked: list[TrueUp], streaming: bool = False) -> Inputs:
    """``inputs`` with the true-ups added to its adjustments table (the caller's is kept).

    The engine then pays them like any adjustment, so they reach payouts.csv, the workbook
    and ``explain``; a rep with no row in that period gets one.
    """
    if not booked:
        return inputs
    _refuse_strangers(inputs, booked)
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
    rows = calculation_rows(tables, inputs.first, inputs.last, plan.period, streaming)
    quotas = inputs.quotas
    if quotas is not None:  # the true-ups' rows of their own need their quotas too
        quotas = quota_of_rows(
            tables["quotas"].drop_nulls(["rep_id", PERIOD, "quota"]), rows, plan.period
        )
        quotas = quotas.drop("_months_short")
        _refuse_without_quota(inputs, quotas, booked, plan)
    return dataclasses.replace(inputs, tables=tables, scales=scales, rows=rows, quotas=quotas)


def _refuse_without_quota(
    inputs: Inputs, quotas: pl.DataFrame, booked: list[TrueUp], plan: Plan
) -> None:
    """A true-up that gives a rep a row of its own (a rep who left before the period it is
    due in) needs that row's quota, as any row of a plan using one does (DATA.md).

    Raises:
        InputDataError: one line per row (rep, period) without a quota that true-ups are due
            in, with what they add up to.
    """
    missing = {
        (rep, periods.label(period, plan.period))
        for rep, period in quotas.filter(pl.col("quota").is_null())
        .select("rep_id", PERIOD)
        .iter_rows()
    }
    due: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for t in booked:
        if (t.rep_id, t.period) in missing:
            due[t.rep_id, t.period] += t.amount
    if due:
        label = inputs.files["quotas"].label
        why = ": true-ups of closed periods add up to {} there"
        raise InputDataError(
            [
                (Reason.MISSING_QUOTA, missing_quota(label, rep, period, why.format(plain(amount))))
                for (rep, period), amount in due.items()
            ]
        )


def _refuse_strangers(inputs: Inputs, booked: list[TrueUp]) -> None:
    """A true-up is paid to a rep of the data's reps table, like any adjustment.

    Raises:
        InputDataError: one line per true-up whose rep is not in reps (say a rep paid in a
            closed period, then removed from reps.csv).
    """
    known = inputs.tables["reps"]["rep_id"].drop_nulls().unique().implode()
    reps = pl.Series([t.rep_id for t in booked], dtype=pl.String)
    strangers = [t for t, ok in zip(booked, reps.is_in(known), strict=True) if not ok]
    if strangers:
        label = inputs.files["reps"].label
        raise InputDataError(
            [
                (
                    Reason.UNKNOWN_REP,
                    f"{label}: rep {t.rep_id!r} has a true-up of {plain(t.amount)} due in "
                    f"{t.period} ({t.reason}), and no row in reps. Hint: keep every rep a "
                    "closed period paid in reps (a rep who left keeps the row, with a "
                    "termination_date).",
                )
                for t in strangers
            ]
        )


@dataclass(frozen=True)
class Reconciled:
    """The closed periods a run covers, and the inputs and result it should record."""

    checks: list[ClosedCheck]
    inputs: Inputs
    result: Result
    booked: list[TrueUp]  # the adjustments this run books for deltas
    carried: list[TrueUp] = dataclasses.field(default_factory=list)  # paid in its periods
    no_room: str | None = None  # why deltas to true up were not booked: no open period

    @property
    def moved(self) -> list[ClosedCheck]:
        return [c for c in self.checks if c.deltas]

    @property
    def added(self) -> list[TrueUp]:
        """Every adjustment added to the data folder's: the manifest's ``true_ups``."""
        return [*self.carried, *self.booked]


def reconcile(
    engine: Engine,
    loaded: LoadedPlan,
    inputs: Inputs,
    run_id: str,
    true_up: bool,
    streaming: bool = False,
) -> Reconciled:
    """Calculate ``inputs`` and compare the result with the closed periods; with
    ``true_up``, book the deltas and calculate again.

    True-ups paid in a closed period the run covers are added to the inputs before the
    calculation, so that period recomputes to what was paid.
    """
    plan = loaded.plan
    labels = [periods.label(p, plan.period) for p in range(inputs.first, inputs.last + 1)]
    paid, settled = paid_true_ups(engine, plan.plan)
    carried = [t for t in paid if t.period in labels]
    data = inputs
    inputs = book(data, plan, carried, streaming)
    result = calculate(plan, inputs, streaming, loaded.where)
    checks = check_closed(engine, plan.plan, labels, result.payouts, settled)
    if not true_up or not any(c.deltas for c in checks):
        return Reconciled(checks, inputs, result, [], carried)
    try:
        into = periods.label(first_open(inputs, plan, checks, engine), plan.period)
    except StoreError as full:
        return Reconciled(checks, inputs, result, [], carried, no_room=full.messages[0])
    booked = true_ups(checks, run_id, into)
    adjusted = book(data, plan, [*carried, *booked], streaming)
    result = calculate(plan, adjusted, streaming, loaded.where)
    return Reconciled(checks, adjusted, result, booked, carried)
