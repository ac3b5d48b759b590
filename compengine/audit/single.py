"""``compengine audit``: the workbook of one rep (or one manager's team) with its raw rows.

The run is replayed from its verified inputs (:mod:`compengine.audit.rerun`); the rows of the
chosen reps (and period) are cut out of the engine's steps, and the workbook is the same as
the run's ``audit.xlsx`` for those rows, plus a ``Rows <table>`` sheet per input table with
the reps' rows exactly as the files hold them (transactions with their splits, grades with
their comments, feedback, incidents, events, adjustments, quotas, the reps themselves), each
with its row number in the file. So one payout leads back to the source rows.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl

from compengine.audit import rows
from compengine.audit.rerun import Reopened
from compengine.audit.workbook import write_workbook
from compengine.data.inputs import PERIOD
from compengine.errors import ExportError, InputDataError, Reason
from compengine.outputs import staged


def team(run: Reopened, manager: str) -> list[str]:
    """The reps whose manager is ``manager``.

    Raises:
        InputDataError: nobody reports to ``manager``.
    """
    reps = run.inputs.tables["reps"]
    found = reps.filter(pl.col("manager_id") == manager)["rep_id"].to_list()
    if not found:
        raise InputDataError(
            [(Reason.UNKNOWN_REP, f"reps.csv: no rep has manager_id {manager!r}.")]
        )
    return sorted(found)


def write_for(
    run: Reopened, path: Path, reps: list[str], period: str | None = None
) -> tuple[int, list[str]]:
    """Write the workbook of ``reps`` (in ``period``, else every period) to ``path``.

    Returns:
        The number of rep-periods in the workbook, and the reps it holds (of ``reps``, those
        with a row in the run, in their order).

    Raises:
        InputDataError: the period is not the plan's, or the run has no row for the reps.
        ExportError: ``path`` cannot be written.
    """
    mask = pl.col("rep_id").is_in(reps)
    if period is not None:
        mask &= pl.col(PERIOD) == run.period(period)
    result = run.result
    steps = result.steps.with_row_index("_at").filter(mask)
    if steps.height == 0:
        where = f" in {period}" if period else ""
        raise InputDataError(
            [
                (
                    Reason.UNKNOWN_REP,
                    f"the run has no row for {', '.join(reps)}{where}. "
                    "Hint: payouts.csv lists the run's reps and periods.",
                )
            ]
        )
    at = steps["_at"]
    chosen = replace(
        result,
        steps=steps.drop("_at"),
        payouts=result.payouts[at],
        measures=result.measures[at],
    )
    raw = rows.input_rows(run.inputs, steps)
    if path.is_dir():
        raise ExportError(
            f"{path}: is a folder. Hint: give --file the name of the .xlsx file to write.",
            Reason.EXPORT,
        )
    with staged(path.parent) as staging:  # a failed write leaves no partial workbook
        write_workbook(staging / path.name, run.loaded, run.inputs, chosen, run.manifest,
                       raw_rows=raw)  # fmt: skip
    held = set(steps["rep_id"])
    return steps.height, [r for r in reps if r in held]
