"""Commands of the run store: ``runs``, ``show``, ``close``, ``reopen`` and ``export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from compengine.commands.common import (
    DbOpt,
    guard,
    not_empty,
    out_console,
    refuse,
    run_store,
)


def list_runs(db: DbOpt = None) -> None:
    """List the recorded runs, oldest first, with the periods each one closes."""
    from compengine.store import closes, read

    with run_store(db) as store:
        with store.connect() as connection:
            held = closes.closed(connection)
        for info in read.runs(store):
            shut = sorted(p for (_, p), e in held.items() if e.run_id == info.id)
            out_console.print(
                f"{info.id}  {info.plan_id} v{info.plan_version}  {info.first_period}.."
                f"{info.last_period}  {info.status}  {info.finished_at:%Y-%m-%d %H:%M:%S}"
                + (f"  closes {', '.join(shut)}" if shut else ""),
                soft_wrap=True,
            )


def show(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="Run id (or a unique prefix).")],
    db: DbOpt = None,
) -> None:
    """Summarise one run: plan, inputs, periods, totals over all its periods, true-ups, closes."""
    from compengine.store import closes, read
    from compengine.store.closed import true_ups_of
    from compengine.store.types import total

    with run_store(db) as store:
        info = guard(lambda: read.run(store, run_id))
        payouts = read.payouts(store, info)
        out_console.print(
            f"Run {info.id} ({info.status}): plan {info.plan_id} v{info.plan_version} "
            f"(sha256 {info.plan_sha256[:12]}), periods {info.first_period} to {info.last_period}, "
            f"compengine {info.engine_version}, finished {info.finished_at:%Y-%m-%d %H:%M:%S} UTC."
        )
        for name, meta in info.inputs.items():
            read_from = (
                f"{meta['file']} sha256 {meta['sha256']}" if meta.get("file") else "absent, no rows"
            )
            out_console.print(f"  input {name}: {read_from}")
        table = Table(header_style="bold")
        table.add_column("component")
        table.add_column("all periods", justify="right")
        for name in info.payout_columns[2:]:
            table.add_row(name, f"{total(payouts[name]):,}")
        out_console.print(table)
        trued = true_ups_of(info)
        if trued:
            out_console.print(
                f"  {len(trued)} true-up(s) among its adjustments (a closed period it covers is "
                "shown recomputed, and what moved in it is paid through its true-up: the totals "
                "over all periods count that twice):",
                soft_wrap=True,
            )
        for t in trued[:SHOWN]:
            out_console.print(f"  {t.period} {t.rep_id} {t.amount:,}: {t.reason}")
        if len(trued) > SHOWN:
            out_console.print(f"  ... and {len(trued) - SHOWN} more: the manifest lists them all")
        with store.connect() as connection:
            for event in closes.events(connection, info.plan_id):
                if event.run_id == info.id:
                    why = f": {event.reason}" if event.reason else ""
                    out_console.print(
                        f"  {event.action} {event.period} by {event.by} at "
                        f"{event.at:%Y-%m-%d %H:%M:%S} UTC{why}"
                    )


SHOWN = 20  # true-ups listed by `show`, then a count


ByOpt = Annotated[
    str | None, typer.Option("--by", help="Who does it; default: the operating-system user.")
]


def _user(by: str | None) -> str:
    """Who closes or reopens: ``--by``, else the user logged in.

    Raises:
        typer.Exit: ``--by`` is given empty (status 2).
    """
    import getpass

    not_empty("--by", by, "name who does it, or leave --by out for the user logged in.")
    return getpass.getuser() if by is None else by.strip()


def _period(text: str) -> str:
    """The period a command line names, as the store keeps it: a close or reopen of
    `` 2027-01`` is one of ``2027-01``.

    Raises:
        typer.Exit: the text names no period (status 2).
    """
    from compengine.data.periods import canonical

    period = canonical(text)
    if period is None:
        raise refuse(
            f"{text!r} is not a period. Hint: write a month as 2027-01 or a quarter as 2027-Q1."
        )
    return period


def close(
    period: Annotated[str, typer.Argument(help="The period paid: 2027-01 or 2027-Q1.")],
    run_id: Annotated[
        str, typer.Option("--run", help="The run whose payouts were paid.", show_default=False)
    ],
    by: ByOpt = None,
    db: DbOpt = None,
) -> None:
    """Close a period: the run's payouts for it are the ones paid, and stay so.

    A period closed before and reopened: where the run's amounts differ from what was paid
    for it (the earlier close's, with the true-ups paid since), the differences are shown,
    for finance to settle; from then on the run's amounts are what was paid. A run whose
    true-ups were booked against a close since replaced is refused.
    """
    from compengine.store import closes
    from compengine.store.closed import reclosed, refuse_stale_true_ups

    period, closer = _period(period), _user(by)
    with run_store(db) as store:
        guard(lambda: refuse_stale_true_ups(store, period, run_id))
        changed = guard(lambda: reclosed(store, period, run_id))
        event = guard(lambda: closes.close(store, period, run_id, closer))
        out_console.print(
            f"{event.plan_id} {event.period} closed, paid from run {event.run_id}, by {event.by} "
            f"at {event.at:%Y-%m-%d %H:%M:%S} UTC.",
            soft_wrap=True,
        )
        if changed:
            table = Table(
                title=f"{event.period} was paid differently before it was reopened: "
                "settle the differences",
                header_style="bold",
            )
            for name in ("rep", "component", "paid before", "now paid", "to settle"):
                table.add_column(name, justify="left" if name in ("rep", "component") else "right")
            for d in changed:
                table.add_row(
                    d.rep_id, d.component, f"{d.paid:,}", f"{d.recomputed:,}", f"{d.amount:,}"
                )
            out_console.print(table)


def reopen(
    period: Annotated[str, typer.Argument(help="The closed period: 2027-01 or 2027-Q1.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why it reopens (logged).", show_default=False)
    ],
    plan_id: Annotated[
        str | None, typer.Option("--plan", help="The plan id, when several closed the period.")
    ] = None,
    by: ByOpt = None,
    db: DbOpt = None,
) -> None:
    """Reopen a closed period; the close stays in the history, with this reason after it."""
    from compengine.store import closes

    period, opener = _period(period), _user(by)
    not_empty("--reason", reason, "say why the period reopens.")
    not_empty("--plan", plan_id, "give the plan id that closed the period.")
    with run_store(db) as store:
        event = guard(lambda: closes.reopen(store, period, reason, opener, plan_id))
        out_console.print(
            f"{event.plan_id} {event.period} reopened by {event.by}: {event.reason}",
            soft_wrap=True,
        )


def export(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="Run id (or a unique prefix).")],
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the files.", show_default=False)
    ],
    db: DbOpt = None,
) -> None:
    """Rewrite a run's payouts.csv, measures.csv and manifest.json from the store."""
    from compengine.store.export import export_run

    with run_store(db) as store:
        written = guard(lambda: export_run(store, run_id, out))
        out_console.print(f"{', '.join(written)} written to {out}/")
