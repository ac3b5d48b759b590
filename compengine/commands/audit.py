"""Commands for auditors: ``explain`` and ``audit``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from compengine.commands.common import (
    guard,
    not_empty,
    out_console,
    progress,
    refuse,
)

if TYPE_CHECKING:
    from compengine.audit.rerun import Reopened

OutOpt = Annotated[
    Path, typer.Option("--out", help="The finished run's output folder.", show_default=False)
]
CopiesDataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="A folder of the run's input files, when they are no longer where it read them "
        "(checked against the SHA-256s the run recorded).",
        show_default=False,
    ),
]
CopiesPlanOpt = Annotated[
    Path | None,
    typer.Option(
        "--plan",
        help="The run's plan file, when it is no longer where the run read it (checked likewise).",
        show_default=False,
    ),
]


def explain(
    out: OutOpt,
    rep: Annotated[str, typer.Option("--rep", help="The rep's id.", show_default=False)],
    period: Annotated[
        str, typer.Option("--period", help="The period (2027-01 or 2027-Q1).", show_default=False)
    ],
    data: CopiesDataOpt = None,
    plan: CopiesPlanOpt = None,
) -> None:
    """Trace one row of a finished run: rows, measures, tiers, curve, factors, caps, rounding."""
    from compengine.audit.explain import render, trace
    from compengine.audit.rerun import reopen

    not_empty("--rep", rep, "give a rep_id of the run.")

    def work() -> None:
        with progress() as step:
            step("checking the run's files and inputs and calculating it again")
            run = reopen(out, data, plan)
        render(trace(run, rep, period), out_console)

    guard(work)


def audit(
    out: OutOpt,
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
    data: CopiesDataOpt = None,
    plan: CopiesPlanOpt = None,
) -> None:
    """Write the audit workbook of one rep (or a manager's team) with its raw input rows."""
    from compengine.audit.rerun import reopen
    from compengine.audit.single import team, write_for

    if (rep is None) == (manager is None):
        raise refuse(
            f"give --rep or --manager (one of them). Hint: compengine audit --out {out} --rep R",
        )
    not_empty("--rep", rep, "give a rep_id of the run.")
    not_empty("--manager", manager, "give the manager_id of a team of the run.")
    name = rep if rep is not None else f"team-{manager}"
    default = out / f"audit-{name}{f'-{period}' if period else ''}.xlsx"
    if file is not None and file.suffix.lower() != ".xlsx" and not file.is_dir():
        raise refuse(f"--file {file}: a workbook's name ends in .xlsx. Hint: --file {default}")

    def work() -> None:
        with progress() as step:
            step("checking the run's files and inputs and calculating it again")
            run = reopen(out, data, plan)
            target = file or default
            _not_the_runs_own(target, run, out, default)
            reps = [rep] if rep is not None else team(run, str(manager))
            step(f"writing {target.name}")
            rows, written = write_for(run, target, reps, period)
        out_console.print(f"{rows:,} rep-period(s) of {', '.join(written)} written to {target}")

    guard(work)


def _not_the_runs_own(target: Path, run: Reopened, out: Path, default: Path) -> None:
    """Refuse to write the workbook over the run's evidence: its audit.xlsx (a workbook's
    name ends in .xlsx, so of its outputs only that one could be), its plan, or into its data
    folder, where a workbook would replace an input or be read as a second file of a table.

    Raises:
        typer.Exit: status 2.
    """
    where = target.resolve()
    if where in (out.resolve() / "audit.xlsx", run.loaded.path.resolve()):
        said = "the run wrote or read this file; the workbook would replace it"
    elif where.parent == run.data.resolve():
        said = "this is the run's data folder, which holds its inputs only"
    else:
        return
    raise refuse(
        f"--file {target}: {said}. Hint: give another place, or leave --file out for {default}."
    )
