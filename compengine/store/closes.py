"""Close a period (it was paid from a run) and reopen it; both are new events.

A period's state is its newest event: closed when that is a ``close``. Events of one plan's
period are numbered by ``seq`` under a unique constraint, so of two processes closing the
same period at once exactly one succeeds.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from compengine.data import periods
from compengine.errors import Reason, StoreError
from compengine.store import read
from compengine.store.db import writing
from compengine.store.records import PeriodEventInfo
from compengine.store.tables import PeriodEvent, table

EVENTS = table(PeriodEvent)


def _event(row: sa.Row[tuple[object, ...]]) -> PeriodEventInfo:
    m = row._mapping
    return PeriodEventInfo(
        plan_id=m["plan_id"],
        period=m["period"],
        seq=m["seq"],
        action=m["action"],
        run_id=m["run_id"],
        by=m["by"],
        at=read.utc(m["at"]),
        reason=m["reason"],
    )


def events(connection: sa.Connection, plan_id: str | None = None) -> list[PeriodEventInfo]:
    """Every close and reopen (of one plan), oldest first."""
    query = sa.select(EVENTS).order_by(EVENTS.c.plan_id, EVENTS.c.period, EVENTS.c.seq)
    if plan_id is not None:
        query = query.where(EVENTS.c.plan_id == plan_id)
    return [_event(r) for r in connection.execute(query)]


def closed(
    connection: sa.Connection, plan_id: str | None = None
) -> dict[tuple[str, str], PeriodEventInfo]:
    """The closed periods, (plan, period) -> the close event that holds them."""
    last: dict[tuple[str, str], PeriodEventInfo] = {}
    for event in events(connection, plan_id):
        last[event.plan_id, event.period] = event
    return {key: e for key, e in last.items() if e.action == "close"}


def reopened(connection: sa.Connection, plan_id: str) -> dict[str, PeriodEventInfo]:
    """The plan's periods that were closed and are open again, period -> the reopen."""
    last: dict[str, PeriodEventInfo] = {}
    for event in events(connection, plan_id):
        last[event.period] = event
    return {period: e for period, e in last.items() if e.action == "reopen"}


def _append(connection: sa.Connection, event: PeriodEventInfo) -> None:
    try:
        with connection.begin_nested():
            connection.execute(
                sa.insert(EVENTS).values(
                    plan_id=event.plan_id, period=event.period, seq=event.seq,
                    action=event.action, run_id=event.run_id, by=event.by, at=event.at,
                    reason=event.reason,
                )
            )  # fmt: skip
    except IntegrityError:
        raise StoreError(
            f"{event.plan_id} {event.period}: another process changed this period at the same "
            "time; nothing was recorded. Hint: `compengine runs` shows its state now.",
            Reason.STORE,
        ) from None


def _last(connection: sa.Connection, plan_id: str, period: str) -> PeriodEventInfo | None:
    """The period's newest event.

    The state and the next ``seq`` both come from this one read, so a close committed by
    another process after it makes our insert collide on ``seq`` instead of closing twice.
    """
    query = (
        sa.select(EVENTS)
        .where(EVENTS.c.plan_id == plan_id, EVENTS.c.period == period)
        .order_by(EVENTS.c.seq.desc())
        .limit(1)
    )
    row = connection.execute(query).first()
    return None if row is None else _event(row)


def close(engine: Engine, period: str, run_id: str, by: str) -> PeriodEventInfo:
    """Close ``period`` of the run's plan: its payouts in ``run_id`` are the ones paid.

    Raises:
        StoreError: no such run, the period is not one of the run's, or already closed.
    """
    info = read.run(engine, run_id)
    granularity: periods.Granularity = "quarter" if info.granularity == "quarter" else "month"
    index = periods.parse(period, granularity)
    first = periods.parse(info.first_period, granularity)
    last = periods.parse(info.last_period, granularity)
    if index is None or first is None or last is None or not first <= index <= last:
        raise StoreError(
            f"{period!r} is not a period of run {info.id} ({info.first_period} to "
            f"{info.last_period}). Hint: close a period the run calculated.",
            Reason.STORE,
        )
    with writing(engine) as connection:
        held = _last(connection, info.plan_id, period)
        if held is not None and held.action == "close":
            raise StoreError(
                f"{info.plan_id} {period} is already closed (run {held.run_id}, by {held.by} "
                f"at {held.at:%Y-%m-%d %H:%M} UTC). Hint: reopen it first, with a reason.",
                Reason.STORE,
            )
        event = PeriodEventInfo(
            plan_id=info.plan_id, period=period, seq=held.seq + 1 if held else 1,
            action="close", run_id=info.id, by=by, at=datetime.now(UTC), reason=None,
        )  # fmt: skip
        _append(connection, event)
    return event


def reopen(
    engine: Engine, period: str, reason: str, by: str, plan_id: str | None = None
) -> PeriodEventInfo:
    """Reopen a closed period, logging who, when and why.

    Raises:
        StoreError: the period is not closed, or closed in more than one plan and no
            ``plan_id`` says which.
    """
    with writing(engine) as connection:
        held = [e for (_, p), e in closed(connection, plan_id).items() if p == period]
        if not held:
            raise StoreError(
                f"{period} is not closed{f' in {plan_id}' if plan_id else ''}; nothing to reopen.",
                Reason.STORE,
            )
        if len(held) > 1:
            plans = ", ".join(e.plan_id for e in held)
            raise StoreError(
                f"{period} is closed in several plans ({plans}). Hint: add --plan.", Reason.STORE
            )
        close_event = held[0]
        event = PeriodEventInfo(
            plan_id=close_event.plan_id, period=period,
            seq=close_event.seq + 1, action="reopen",
            run_id=close_event.run_id, by=by, at=datetime.now(UTC), reason=reason.strip(),
        )  # fmt: skip
        _append(connection, event)
    return event
