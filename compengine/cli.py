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
    from compengine.data.inputs import Inputs
    from compengine.engine.calculate import Result

app = typer.Typer(
    help="Incentive compensation that pays for revenue and relationships, to the cent.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out_console = Console()
err_console = Console(stderr=True, highlight=False)
T = TypeVar("T")

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


def _fail(error: CompengineError) -> typer.Exit:
    kind = (
        "plan"
        if isinstance(error, PlanError)
        else "data"
        if isinstance(error, InputDataError)
        else ""
    )
    for message in error.messages:
        err_console.print(f"[red]error[/red] {message}", soft_wrap=True)
    if len(error.messages) > 1:
        err_console.print(f"{len(error.messages)} problems; nothing was written.")
    return typer.Exit(2 if kind else 1)


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
) -> None:
    """Calculate every rep and period and write payouts.csv, measures.csv, manifest.json."""
    from compengine.data.inputs import load_inputs
    from compengine.engine.calculate import calculate
    from compengine.outputs import write_run
    from compengine.plan.load import load_plan

    def work() -> None:
        with _steps() as step:
            step("reading the plan")
            loaded = load_plan(plan)
            step("reading and checking the data")
            inputs = load_inputs(data, loaded.plan, period_from, period_to)
            step(f"calculating {inputs.rows.height:,} rows")
            result = calculate(loaded.plan, inputs)
            step("writing the outputs")
            record = write_run(out, loaded, inputs, result)
        _summary(result, inputs, record.run_id, out)

    _guard(work)


def _summary(result: Result, inputs: Inputs, run_id: str, out: Path) -> None:
    from compengine.data import periods

    payouts = result.payouts
    table = Table(title=f"Run {run_id}", header_style="bold")
    table.add_column("paid")
    table.add_column("amount", justify="right")
    for name in payouts.columns[2:]:
        total = sum((Decimal(v) for v in payouts[name]), Decimal(0))
        table.add_row(name, f"{total:,}")
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
        Path, typer.Option("--plan", help="Plan whose report-card behaviours the grades use.")
    ] = Path("plans/relationship-first.yaml"),
) -> None:
    """Write realistic, valid synthetic data for every table."""
    from compengine.generate import generate as write_tables
    from compengine.plan.load import load_plan

    def work() -> None:
        loaded = load_plan(plan)
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


def main() -> None:
    """Entry point of the ``compengine`` console script."""
    sys.exit(app())
