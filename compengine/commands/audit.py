"""Commands for auditors: ``explain`` and ``audit``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from compengine.commands.common import (
    guard,
    out_console,
    progress,
    refuse,
)


def explain(
    out: Annotated[
        Path, typer.Option("--out", help="The finished run's output folder.", show_default=False)
    ],
    rep: Annotated[str, typer.Option("--rep", help="The rep's id.", show_default=False)],
    period: Annotated[
        str, typer.Option("--period", help="The period (2027-01 or 2027-Q1).", show_default=False)
    ],
) -> None:
    """Trace one row of a finished run: rows, measures, tiers, curve, factors, caps, rounding."""
    from compengine.audit.explain import render, trace
    from compengine.audit.rerun import reopen

    def work() -> None:
        with progress() as step:
            step("checking the run's inputs and calculating it again")
            run = reopen(out)
        render(trace(run, rep, period), out_console)

    guard(work)


def audit(
    out: Annotated[
        Path, typer.Option("--out", help="The finished run's output folder.", show_default=False)
    ],
    rep: Annotated[
        str | None, typer.Option("--rep", help="The rep's id.", show_default=False)
    ] = None,
    manager: Annotated[
        str | None,
        typer.Option("--manager", help="Every rep with this manager_id.", show_default=False),
    ] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="Only this period; default: all of them.")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="Where to write; default: DIR/audit-REP[-PERIOD].xlsx "
            "(audit-team-M[-PERIOD].xlsx for --manager M).",
        ),
    ] = None,
) -> None:
    """Write the audit workbook of one rep (or a manager's team) with its raw input rows."""
    from compengine.audit.rerun import reopen
    from compengine.audit.single import team, write_for

    if (rep is None) == (manager is None):
        raise refuse(
            f"give --rep or --manager (one of them). Hint: compengine audit --out {out} --rep R",
        )

    def work() -> None:
        with progress() as step:
            step("checking the run's inputs and calculating it again")
            run = reopen(out)
            reps = [rep] if rep is not None else team(run, str(manager))
            name = rep if rep is not None else f"team-{manager}"
            target = file or out / f"audit-{name}{f'-{period}' if period else ''}.xlsx"
            step(f"writing {target.name}")
            rows = write_for(run, target, reps, period)
        out_console.print(f"{rows:,} rep-period(s) of {', '.join(reps)} written to {target}")

    guard(work)
