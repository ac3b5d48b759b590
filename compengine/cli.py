"""The ``compengine`` command. Parsing arguments and printing only: no calculation here."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from compengine.errors import CompengineError, InputDataError, PlanError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from compengine.data.inputs import Inputs
    from compengine.engine.calculate import Result
    from compengine.store.closed import Reconciled

app = typer.Typer(
    help="Incentive compensation that pays for revenue and relationships, to the cent.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Sentences are never broken at the terminal's width: scripts and pipes read whole lines.
out_console = Console(soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
T = TypeVar("T")
# the example plan beside the package, whichever folder the command runs in
DEFAULT_PLAN = Path(__file__).resolve().parent.parent / "plans" / "relationship-first.yaml"

PlanArg = Annotated[Path, typer.Argument(help="The plan file (YAML).", show_default=False)]
DataOpt = Annotated[
    Path, typer.Option("--data", help="The data folder: one file per table.", show_default=False)
]
FromOpt = Annotated[
    str | None,
    typer.Option("--from", help="First period (2027-01 or 2027-Q1); default: the data's first."),
]
ToOpt = Annotated[
    str | None, typer.Option("--to", help="Last period; default: the last one the data falls in.")
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The run store: a SQLAlchemy URL or a SQLite file; default $COMPENGINE_DB, "
        "else ./compengine.db.",
        show_default=False,
    ),
]


def _fail(error: CompengineError) -> typer.Exit:
    """Print every message of ``error``; exit status 2 for a wrong plan or data, else 1."""
    for message in error.messages:
        err_console.print(f"[red]error[/red] {message}", soft_wrap=True)
    if len(error.messages) > 1:
        err_console.print(f"{len(error.messages)} problems; nothing was written.")
    return typer.Exit(2 if isinstance(error, PlanError | InputDataError) else 1)


@contextmanager
def _steps() -> Iterator[Callable[[str], None]]:
    """A progress line on a terminal; silence when output goes elsewhere."""
    if not err_console.is_terminal:
        yield lambda _text: None
        return
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=err_console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("starting")
        yield lambda text: progress.update(task, description=text)


def _guard(work: Callable[[], T]) -> T:
    try:
        return work()
    except CompengineError as error:
        raise _fail(error) from None


@app.command()
def run(
    plan: PlanArg,
    data: DataOpt,
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the outputs.", show_default=False)
    ],
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    no_audit_xlsx: Annotated[
        bool, typer.Option("--no-audit-xlsx", help="Write the CSVs and manifest only, no workbook.")
    ] = False,
    audit_raw_rows: Annotated[
        int,
        typer.Option(
            "--audit-raw-rows", min=0, help="Put the input rows in audit.xlsx up to this many."
        ),
    ] = 50_000,
    db: DbOpt = None,
    true_up: Annotated[
        bool,
        typer.Option(
            "--true-up",
            help="Book what moved in closed periods as adjustments in the first open period.",
        ),
    ] = False,
) -> None:
    """Calculate every rep and period and write payouts.csv, measures.csv, manifest.json.

    The run is recorded in the store. A closed period the run covers is recomputed and
    compared with what was paid: identical, the run goes on; different, it stops with exit
    status 2 and the deltas, unless --true-up books them in the first open period.
    """
    from datetime import UTC, datetime

    from compengine.audit.workbook import audit_writer
    from compengine.data.inputs import load_inputs
    from compengine.engine.calculate import calculate
    from compengine.outputs import new_run_id, write_run
    from compengine.plan.load import load_plan
    from compengine.store.closed import reconcile
    from compengine.store.write import record_run

    def work() -> None:
        with _steps() as step:
            step("reading the plan")
            loaded = load_plan(plan)
            step("reading and checking the data")
            inputs = load_inputs(data, loaded.plan, period_from, period_to)
            step(f"calculating {inputs.rows.height:,} rows")
            started, run_id = datetime.now(UTC), new_run_id()
            result = calculate(loaded.plan, inputs)
            step("comparing with the closed periods")
            with _store(db) as store:
                settled = reconcile(store, loaded.plan, inputs, result, run_id, true_up)
                _report_closed(settled, run_id)
                inputs, result = settled.inputs, settled.result
                status = "true-up" if settled.booked else "complete"
                step("writing the outputs and recording the run")
                writer = audit_writer(loaded, inputs, result, run_id, audit_raw_rows)
                extra = {"audit.xlsx": writer}
                record = write_run(
                    out, loaded, inputs, result, run_id=run_id,
                    extra={} if no_audit_xlsx else extra,
                    keep=lambda r: record_run(store, r, loaded, inputs, result, started, status),
                    notes={"true_ups": [t.as_json() for t in settled.added]} if settled.added
                    else None,
                )  # fmt: skip
        _summary(result, inputs, record.run_id, out)

    _guard(work)


def _summary(result: Result, inputs: Inputs, run_id: str, out: Path) -> None:
    import polars as pl

    from compengine.data import periods
    from compengine.engine.calculate import component_column

    payouts = result.payouts
    names = payouts.columns[2:]  # the components, then adjustments and total
    steps = [*(component_column(n) for n in names[:-2]), "adjustments", "total"]
    sums = result.steps.select(pl.col(c).sum() for c in steps).row(0)
    table = Table(title=f"Run {run_id}", header_style="bold")
    table.add_column("paid")
    table.add_column("amount", justify="right")
    for name, column, total in zip(names, steps, sums, strict=True):
        table.add_row(name, f"{Decimal(int(total)).scaleb(-result.scales[column]):,}")
    first, last = (periods.label(p, inputs.granularity) for p in (inputs.first, inputs.last))
    ignored = ", ".join(f"{name} {n:,}" for name, n in inputs.ignored.items() if n)
    out_console.print(table)
    out_console.print(
        f"{payouts.height:,} rows ({payouts['rep_id'].n_unique():,} reps), periods {first} to "
        f"{last}; input rows outside the periods ignored: {ignored or 'none'}.\n"
        f"Written to {out}/"
    )


@app.command()
def validate(
    plan: PlanArg,
    data: Annotated[
        Path | None, typer.Option("--data", help="Also check this data folder against the plan.")
    ] = None,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
) -> None:
    """Check the plan (and the data against it); print every problem; write nothing."""
    from compengine.data.inputs import load_inputs
    from compengine.plan.load import load_plan

    if data is None and (period_from is not None or period_to is not None):
        err_console.print(
            "[red]error[/red] --from and --to choose the data's periods, and there is no data "
            f"to check. Hint: compengine validate {plan} --data DIR, with --from or --to.",
            soft_wrap=True,
        )
        raise typer.Exit(2)

    def work() -> None:
        loaded = load_plan(plan)
        out_console.print(f"{plan}: plan {loaded.plan.plan} v{loaded.plan.version} is valid.")
        if data is not None:
            inputs = load_inputs(data, loaded.plan, period_from, period_to)
            ignored = sum(inputs.ignored.values())
            out_console.print(
                f"{data}: valid; {inputs.rows.height:,} rows to calculate, "
                f"{ignored:,} input rows outside the periods."
            )

    _guard(work)


@app.command()
def generate(
    out: Annotated[
        Path, typer.Argument(help="Folder to write the tables into.", show_default=False)
    ],
    reps: Annotated[int, typer.Option("--reps", min=1, help="Number of reps.")] = 50,
    months: Annotated[int, typer.Option("--months", min=1, help="Number of months.")] = 6,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same bytes.")] = 1,
    start: Annotated[str, typer.Option("--start", help="First month, YYYY-MM.")] = "2027-01",
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="Plan whose report-card behaviours the grades use; default: the project's "
            "plans/relationship-first.yaml.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write realistic, valid synthetic data for every table."""
    from compengine.generate import generate as write_tables
    from compengine.plan.load import load_plan

    def work() -> None:
        loaded = load_plan(plan or DEFAULT_PLAN)
        card = loaded.plan.report_card
        behaviours = list(card.behaviours) if card else []
        with _steps() as step:
            step(f"generating {reps:,} reps x {months} months")
            counts = write_tables(
                out, reps=reps, months=months, seed=seed, behaviours=behaviours, start=start
            )
        out_console.print(
            ", ".join(f"{name} {n:,}" for name, n in counts.items()) + f" rows in {out}/"
        )

    _guard(work)


def _report_closed(settled: Reconciled, run_id: str) -> None:
    """Say what the closed periods did; stop with exit 2 if one moved and nothing was booked."""
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
    if settled.moved and not settled.booked:
        err_console.print(
            "[red]error[/red] the data changes closed periods; nothing was written or recorded. "
            "Hint: restore the inputs, reopen the period, or rerun with --true-up to book the "
            "deltas in the first open period.",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    if settled.booked:
        n = sum(len(c.deltas) for c in settled.moved)
        out_console.print(f"{n} true-up adjustments booked by run {run_id}.", soft_wrap=True)


@contextmanager
def _store(db: str | None) -> Iterator[Engine]:
    """The open store, its connections closed when the command ends."""
    from compengine.store.db import open_store

    engine = _guard(lambda: open_store(db))
    try:
        yield engine
    finally:
        engine.dispose()


@app.command("runs")
def list_runs(db: DbOpt = None) -> None:
    """List the recorded runs, oldest first, with the periods each one closes."""
    from compengine.store import closes, read

    with _store(db) as store:
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


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="Run id (or a unique prefix).")],
    db: DbOpt = None,
) -> None:
    """Summarise one run: plan, inputs, periods, totals paid, closes."""
    from compengine.store import closes, read

    with _store(db) as store:
        info = _guard(lambda: read.run(store, run_id))
        lines = read.lines(store, info.id)
        out_console.print(
            f"Run {info.id} ({info.status}): plan {info.plan_id} v{info.plan_version} "
            f"(sha256 {info.plan_sha256[:12]}), periods {info.first_period} to {info.last_period}, "
            f"compengine {info.engine_version}, finished {info.finished_at:%Y-%m-%d %H:%M:%S} UTC."
        )
        for name, meta in info.inputs.items():
            out_console.print(f"  input {name}: {meta.get('file')} sha256 {meta.get('sha256')}")
        table = Table(header_style="bold")
        table.add_column("paid")
        table.add_column("amount", justify="right")
        for name in info.payout_columns[2:]:
            amounts = lines.filter(lines["component"] == name)["amount"].drop_nulls()
            table.add_row(name, f"{sum((Decimal(v) for v in amounts), Decimal(0)):,}")
        out_console.print(table)
        with store.connect() as connection:
            for event in closes.events(connection, info.plan_id):
                if event.run_id == info.id:
                    why = f": {event.reason}" if event.reason else ""
                    out_console.print(
                        f"  {event.action} {event.period} by {event.by} at "
                        f"{event.at:%Y-%m-%d %H:%M:%S} UTC{why}"
                    )


ByOpt = Annotated[
    str | None, typer.Option("--by", help="Who does it; default: the operating-system user.")
]


def _user(by: str | None) -> str:
    import getpass

    return by or getpass.getuser()


@app.command()
def close(
    period: Annotated[str, typer.Argument(help="The period paid: 2027-01 or 2027-Q1.")],
    run_id: Annotated[
        str, typer.Option("--run", help="The run whose payouts were paid.", show_default=False)
    ],
    by: ByOpt = None,
    db: DbOpt = None,
) -> None:
    """Close a period: the run's payouts for it are the ones paid, and stay so."""
    from compengine.store import closes

    with _store(db) as store:
        event = _guard(lambda: closes.close(store, period, run_id, _user(by)))
        out_console.print(
            f"{event.plan_id} {event.period} closed, paid from run {event.run_id}, by {event.by} "
            f"at {event.at:%Y-%m-%d %H:%M:%S} UTC.",
            soft_wrap=True,
        )


@app.command()
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

    with _store(db) as store:
        event = _guard(lambda: closes.reopen(store, period, reason, _user(by), plan_id))
        out_console.print(
            f"{event.plan_id} {event.period} reopened by {event.by}: {event.reason}",
            soft_wrap=True,
        )


@app.command()
def export(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="Run id (or a unique prefix).")],
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the files.", show_default=False)
    ],
    db: DbOpt = None,
) -> None:
    """Rewrite a run's payouts.csv, measures.csv and manifest.json from the store."""
    from compengine.store.export import export_run

    with _store(db) as store:
        written = _guard(lambda: export_run(store, run_id, out))
        out_console.print(f"{', '.join(written)} written to {out}/")


SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="PATH=VALUE",
        help="Change one plan key (repeatable), "
        "e.g. components.relationship_bonus.target_share=0.3",
    ),
]
ScenarioOut = Annotated[
    Path, typer.Option("--out", help="Where to write the tables and charts.", show_default=False)
]


@app.command()
def compare(
    base: Annotated[Path, typer.Argument(help="The plan in force (YAML).", show_default=False)],
    data: DataOpt,
    out: ScenarioOut,
    proposed: Annotated[
        Path | None,
        typer.Argument(help="The proposed plan; default: BASE with the --set changes."),
    ] = None,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    sets: SetOpt = None,
) -> None:
    """Cost, winners and losers, and relationship pay of a proposed plan against BASE."""
    from compengine.errors import Reason
    from compengine.plan.load import load_plan
    from compengine.plan.overrides import apply_overrides
    from compengine.scenarios.compare import compare as compare_plans
    from compengine.scenarios.report import comparison_summary
    from compengine.scenarios.write import write_comparison

    def work() -> None:
        if proposed is None and not sets:
            raise PlanError(
                "nothing to compare. Hint: give PROPOSED.yaml, or --set PATH=VALUE to change BASE.",
                Reason.PLAN_SYNTAX,
            )
        with _steps() as step:
            step("reading the plans")
            base_plan = load_plan(base)
            changed = apply_overrides(load_plan(proposed) if proposed else base_plan, sets or [])
            step("reading the data and calculating both plans")
            comparison = compare_plans(base_plan, changed, data, period_from, period_to)
            step("writing the comparison")
            written = write_comparison(comparison, out, changed.text if sets else None)
        out_console.print(comparison_summary(comparison))
        out_console.print(f"Written to {out}/: {', '.join(p.name for p in written)}")

    _guard(work)


@app.command()
def sweep(
    plan: PlanArg,
    data: DataOpt,
    vary: Annotated[
        str,
        typer.Option(
            "--vary",
            metavar="PATH=START:STOP:STEP",
            help="The key and its values, STOP included, e.g. "
            "components.relationship_bonus.target_share=0.1:0.4:0.05",
            show_default=False,
        ),
    ],
    out: ScenarioOut,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    sets: SetOpt = None,
) -> None:
    """Run PLAN for each value of one key: total cost and relationship share per value."""
    from compengine.plan.load import load_plan
    from compengine.scenarios.report import sweep_summary
    from compengine.scenarios.sweep import run_sweep, write_sweep

    def work() -> None:
        with _steps() as step:
            step("reading the plan")
            loaded = load_plan(plan)
            step(f"calculating each value of {vary.partition('=')[0]}")
            result = run_sweep(loaded, data, vary, period_from, period_to, sets or [])
            step("writing the sweep")
            written = write_sweep(result, out)
        out_console.print(sweep_summary(result))
        out_console.print(f"Written to {out}/: {', '.join(p.name for p in written)}")

    _guard(work)


@app.command()
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
        with _steps() as step:
            step("checking the run's inputs and calculating it again")
            run = reopen(out)
        render(trace(run, rep, period), out_console)

    _guard(work)


@app.command()
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
        err_console.print(
            "[red]error[/red] give --rep or --manager (one of them). "
            f"Hint: compengine audit --out {out} --rep R",
            soft_wrap=True,
        )
        raise typer.Exit(2)

    def work() -> None:
        with _steps() as step:
            step("checking the run's inputs and calculating it again")
            run = reopen(out)
            reps = [rep] if rep is not None else team(run, str(manager))
            name = rep if rep is not None else f"team-{manager}"
            target = file or out / f"audit-{name}{f'-{period}' if period else ''}.xlsx"
            step(f"writing {target.name}")
            rows = write_for(run, target, reps, period)
        out_console.print(f"{rows:,} rep-period(s) of {', '.join(reps)} written to {target}")

    _guard(work)


def main() -> None:
    """Entry point of the ``compengine`` console script."""
    sys.exit(app())
