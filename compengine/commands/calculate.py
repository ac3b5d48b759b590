"""Commands that calculate: ``run``, ``validate`` and ``generate``."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from compengine.commands.common import (
    DataOpt,
    DbOpt,
    FromOpt,
    PlanArg,
    ToOpt,
    err_console,
    guard,
    out_console,
    progress,
    refuse,
    run_store,
    warn,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from compengine.audit.workbook import AuditWriter
    from compengine.data.inputs import Inputs
    from compengine.engine.calculate import Result
    from compengine.store.closed import Reconciled


def run(
    plan: PlanArg,
    data: DataOpt,
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the outputs.", show_default=False)
    ],
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    no_audit_xlsx: Annotated[
        bool,
        typer.Option(
            "--no-audit-xlsx", metavar="", help="Write the CSVs and manifest only, no workbook."
        ),
    ] = False,
    audit_raw_rows: Annotated[
        int,
        typer.Option(
            "--audit-raw-rows",
            min=0,
            help="Put every input row in audit.xlsx when the run reads at most this many; "
            "above it the workbook's Inputs are values, and `compengine audit --rep` writes a "
            "rep's workbook with its rows.",
        ),
    ] = 50_000,
    db: DbOpt = None,
    true_up: Annotated[
        bool,
        typer.Option(
            "--true-up",
            metavar="",
            help="Book what moved in closed periods as adjustments in the first open period.",
        ),
    ] = False,
    streaming: Annotated[
        bool,
        typer.Option(
            "--streaming",
            metavar="",
            help="Scan Parquet and CSV inputs lazily and run the reading, parsing and "
            "aggregating queries on polars' streaming engine; the results are the same to "
            "the cent.",
        ),
    ] = False,
) -> None:
    """Calculate every rep and period; write payouts.csv, measures.csv, manifest.json and
    audit.xlsx.

    The run is recorded in the store. A closed period the run covers is recomputed and
    compared with what was paid: identical, the run goes on; different, it stops with exit
    status 2 and the deltas, unless --true-up books them in the first open period.
    """
    from datetime import UTC, datetime

    from compengine.data.reading import Reading, begun
    from compengine.plan.load import load_plan
    from compengine.stopping import held

    def work(reading: Reading) -> None:
        with progress() as step:
            step("reading the plan")
            loaded = load_plan(plan)
            reading.tell(loaded.plan.period)
            # The rest of the command loads while the tables are parsed.
            from compengine.data.inputs import load_inputs
            from compengine.outputs import new_run_id, require_folder, write_run
            from compengine.store.closed import reconcile
            from compengine.store.write import recording

            require_folder(out)  # before the data's checks and the store, which it would make
            step("reading and checking the data")
            inputs = load_inputs(reading, loaded.plan, period_from, period_to)
            started, run_id = datetime.now(UTC), new_run_id()
            with run_store(db, create=True) as store:
                step(f"calculating {inputs.rows.height:,} rows, comparing with closed periods")
                settled = reconcile(store, loaded, inputs, run_id, true_up, streaming)
                _report_closed(settled, run_id, _plan_changed(store, settled, loaded.sha256))
                paid_before = _reopened(store, loaded.plan.plan, inputs)
                inputs, result = settled.inputs, settled.result
                status = "true-up" if settled.booked else "complete"
                step("writing the outputs and recording the run")
                extra: dict[str, Callable[[Path], None]] = {}
                workbook: AuditWriter | None = None
                if not no_audit_xlsx:  # the workbook's modules load only when it is written
                    from compengine.audit.workbook import AuditWriter

                    workbook = AuditWriter(loaded, inputs, result, run_id, audit_raw_rows)
                    extra["audit.xlsx"] = workbook
                # The run is stored while its files are written; both land, or neither.
                with recording(store, loaded, inputs, result, started, status) as keep:
                    record = write_run(
                        out, loaded, inputs, result, run_id=run_id, extra=extra, keep=keep,
                        notes={"true_ups": [t.as_json() for t in settled.added]}
                        if settled.added else None,
                    )  # fmt: skip
        _summary(
            result, inputs, record.run_id, out, [c.period for c in settled.checks], paid_before
        )
        if workbook is not None and workbook.rows_left_out:
            out_console.print(
                f"audit.xlsx leaves out the {workbook.rows_left_out:,} input rows (more than "
                f"--audit-raw-rows {audit_raw_rows:,}): its Inputs are values. "
                f"`compengine audit --out {out} --rep R` writes a rep's workbook with its rows.",
                soft_wrap=True,
            )
        if settled.booked:
            out_console.print(
                "Closed periods are shown recomputed; what moved in them is paid through the "
                "true-ups: pay the rows of the periods not paid yet.",
                soft_wrap=True,
            )

    # The files are read and parsed from the process's start (see compengine.__main__), while
    # the rest of the command loads. Once taken, the reading is closed however the command
    # ends, a stop included: a parse waiting for the plan would keep the process alive.
    with ExitStack() as taken:
        with held():
            reading = taken.enter_context(begun(data, streaming))
        guard(lambda: work(reading))


def _reopened(store: Engine, plan_id: str, inputs: Inputs) -> dict[str, str]:
    """The run's periods that were paid, then reopened: period -> the run they were paid
    from."""
    from compengine.data import periods
    from compengine.store.closes import reopened

    with store.connect() as connection:
        held = reopened(connection, plan_id)
    labels = (periods.label(p, inputs.granularity) for p in range(inputs.first, inputs.last + 1))
    return {label: held[label].run_id for label in labels if label in held}


def _summary(
    result: Result,
    inputs: Inputs,
    run_id: str,
    out: Path,
    closed: list[str],
    reopened: dict[str, str],
) -> None:
    """The run's totals per component; with ``closed`` or ``reopened`` periods among the
    run's, beside them the totals of the periods not paid yet, the ones to pay (a closed
    period was paid when closed; a reopened one too, and its close again shows what to
    settle)."""
    import polars as pl

    from compengine.data import periods
    from compengine.data.inputs import PERIOD
    from compengine.engine.calculate import component_column

    payouts = result.payouts
    names = payouts.columns[2:]  # the components, then adjustments and total
    steps = [*(component_column(n) for n in names[:-2]), "adjustments", "total"]
    frames = [result.steps]
    table = Table(title=f"Run {run_id}", header_style="bold")
    table.add_column("component")
    paid = [*closed, *reopened]
    table.add_column("all periods" if paid else "amount", justify="right")
    if paid:
        shut = [periods.parse(label, inputs.granularity) for label in paid]
        frames.append(result.steps.filter(~pl.col(PERIOD).is_in(shut)))
        table.add_column("periods not paid yet, to pay", justify="right")
    sums = [frame.select(pl.col(c).sum() for c in steps).row(0) for frame in frames]
    for i, (name, column) in enumerate(zip(names, steps, strict=True)):
        scale = result.scales[column]
        table.add_row(name, *(f"{Decimal(int(row[i])).scaleb(-scale):,}" for row in sums))
    first, last = (periods.label(p, inputs.granularity) for p in (inputs.first, inputs.last))
    ignored = ", ".join(f"{name} {n:,}" for name, n in inputs.ignored.items() if n)
    out_console.print(table)
    out_console.print(
        f"{payouts.height:,} rows ({payouts['rep_id'].n_unique():,} reps), periods {first} to "
        f"{last}; input rows outside the periods ignored: {ignored or 'none'}.\n"
        f"Written to {out}/"
    )
    for period, paid_from in reopened.items():
        out_console.print(
            f"{period} was paid from run {paid_from} and reopened: it is not counted as to pay; "
            f"closing it from this run shows what to settle.",
            soft_wrap=True,
        )
    warn(inputs.warnings)


def validate(
    plan: PlanArg,
    data: Annotated[
        Path | None, typer.Option("--data", help="Also check this data folder against the plan.")
    ] = None,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
) -> None:
    """Check the plan (and the data against it); print every problem; write nothing.

    With the data, the rows are also calculated, as a run would (nothing is written or
    recorded), so that a plan too exact for the data's numbers is refused here as by run.
    """
    from compengine.data.inputs import load_inputs
    from compengine.engine.calculate import calculate
    from compengine.plan.load import load_plan

    if data is None and (period_from is not None or period_to is not None):
        raise refuse(
            "--from and --to choose the data's periods, and there is no data "
            f"to check. Hint: compengine validate {plan} --data DIR, with --from or --to.",
        )

    def work() -> None:
        loaded = load_plan(plan)
        if data is not None:
            inputs = load_inputs(data, loaded.plan, period_from, period_to)
            calculate(loaded.plan, inputs, where=loaded.where)
        out_console.print(f"{plan}: plan {loaded.plan.plan} v{loaded.plan.version} is valid.")
        if data is not None:
            ignored = sum(inputs.ignored.values())
            out_console.print(
                f"{data}: valid; {inputs.rows.height:,} rows to calculate, "
                f"{ignored:,} input rows outside the periods."
            )
            warn(inputs.warnings)

    guard(work)


def generate(
    out: Annotated[
        Path, typer.Argument(help="Folder to write the tables into.", show_default=False)
    ],
    reps: Annotated[int, typer.Option("--reps", min=1, help="Number of reps.")] = 50,
    months: Annotated[int, typer.Option("--months", min=1, help="Number of months.")] = 6,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Random seed: same seed, same bytes.")
    ] = 1,
    start: Annotated[str, typer.Option("--start", help="First month, YYYY-MM.")] = "2027-01",
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="Plan whose report-card behaviours the grades use (a quarterly plan's data "
            "covers whole quarters); default: the six behaviours of "
            "plans/relationship-first.yaml, monthly.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write realistic, valid synthetic data for every table.

    For a quarterly plan the months are widened to whole quarters.
    """
    from compengine.generate import BEHAVIOURS, month_index
    from compengine.generate import generate as write_tables
    from compengine.plan.load import load_plan

    if month_index(start) is None:
        raise refuse(f"--start {start!r} is not a month. Hint: write YYYY-MM, like 2027-01.")

    def work() -> None:
        behaviours, quarterly = list(BEHAVIOURS), False
        if plan is not None:
            chosen = load_plan(plan).plan
            card, quarterly = chosen.report_card, chosen.period == "quarter"
            behaviours = list(card.behaviours) if card else []
        with progress() as step:
            step(f"generating {reps:,} reps x {months} months")
            counts = write_tables(
                out,
                reps=reps,
                months=months,
                seed=seed,
                behaviours=behaviours,
                start=start,
                whole_quarters=quarterly,
            )
        out_console.print(
            ", ".join(f"{name} {n:,}" for name, n in counts.items()) + f" rows in {out}/"
        )

    guard(work)


def _plan_changed(store: Engine, settled: Reconciled, sha256: str) -> bool:
    """Whether a closed period that moved was paid under another text of the plan."""
    from compengine.store.read import run as stored_run

    paid_from = {check.close.run_id for check in settled.moved}
    return any(stored_run(store, run_id).plan_sha256 != sha256 for run_id in paid_from)


def _report_closed(settled: Reconciled, run_id: str, plan_changed: bool) -> None:
    """Say what the closed periods did; stop with exit 2 if one moved and nothing was booked.

    ``plan_changed``: a period that moved was paid under another text of the plan, which the
    refusal then names beside the data.
    """
    for check in settled.checks:
        paid = f"closed, paid from run {check.close.run_id}"
        if not check.deltas:
            out_console.print(
                f"{check.period} ({paid}): recomputed, identical to the cent.", soft_wrap=True
            )
            continue
        table = Table(title=f"{check.period} ({paid}): recomputed, it differs", header_style="bold")
        for name in ("rep", "component", "paid", "recomputed", "delta"):
            table.add_column(name, justify="left" if name in ("rep", "component") else "right")
        for d in check.deltas:
            table.add_row(
                d.rep_id, d.component, f"{d.paid:,}", f"{d.recomputed:,}", f"{d.amount:,}"
            )
        (out_console if settled.booked else err_console).print(table)
    if settled.no_room:
        raise refuse(f"{settled.no_room} Nothing was written or recorded.")
    if settled.moved and not settled.booked:
        what = "the plan's text or the data" if plan_changed else "the data"
        raise refuse(
            f"{what} changes closed periods; nothing was written or recorded. "
            "Hint: restore the inputs, reopen the period, or rerun with --true-up to book the "
            "deltas in the first open period.",
        )
    if settled.booked:
        n = sum(len(c.deltas) for c in settled.moved)
        out_console.print(f"{n} true-up adjustments booked by run {run_id}.", soft_wrap=True)
