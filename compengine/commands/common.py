"""What every command shares: consoles, options, progress, error exits, the run store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from compengine.errors import CompengineError, InputDataError, PlanError
from compengine.stopping import spawning

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# Sentences are never broken at the terminal's width: scripts and pipes read whole lines.
# Data is shown as written: no emoji for :smile:, and no markup for [b] in a rep's id.
out_console = Console(soft_wrap=True, emoji=False, markup=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False, markup=False)
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
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The run store: a SQLAlchemy URL or a SQLite file; default $COMPENGINE_DB, "
        "else ./compengine.db.",
        show_default=False,
    ),
]


def fail(error: CompengineError) -> typer.Exit:
    """Print every message of ``error``; exit status 2 for a wrong plan or data, else 1."""
    for message in error.messages:
        err_console.print(Text.assemble(("error", "red"), f" {message}"), soft_wrap=True)
    if error.count > 1:
        err_console.print(f"{error.count:,} problems; nothing was written.")
    return typer.Exit(2 if isinstance(error, PlanError | InputDataError) else 1)


def warn(messages: list[str]) -> None:
    """Say what the data holds that is allowed but may not be meant; the command goes on."""
    for message in messages:
        err_console.print(Text.assemble(("warning", "yellow"), f" {message}"), soft_wrap=True)


def refuse(message: str) -> typer.Exit:
    """Print why the command will not go on; exit status 2, like a wrong plan or data."""
    err_console.print(Text.assemble(("error", "red"), f" {message}"), soft_wrap=True)
    return typer.Exit(2)


def not_empty(option: str, value: str | None, hint: str) -> None:
    """Refuse an option given as empty text (``--by ""``): it names nothing.

    Raises:
        typer.Exit: status 2, as for any mistake in the command line.
    """
    if value is not None and not value.strip():
        raise refuse(f"{option} is empty. Hint: {hint}")


@contextmanager
def progress() -> Iterator[Callable[[str], None]]:
    """A progress line on a terminal; silence when output goes elsewhere."""
    if not err_console.is_terminal:
        yield lambda _text: None
        return
    with ExitStack() as shown:
        with spawning():  # its refresh thread leaves Ctrl-C to the command
            progress = shown.enter_context(
                Progress(
                    SpinnerColumn(),
                    TextColumn("{task.description}", markup=False),
                    TimeElapsedColumn(),
                    console=err_console,
                    transient=True,
                )
            )
        task = progress.add_task("starting")
        yield lambda text: progress.update(task, description=text)


def guard(work: Callable[[], T]) -> T:
    try:
        return work()
    except CompengineError as error:
        raise fail(error) from None


@contextmanager
def run_store(db: str | None, create: bool = False) -> Iterator[Engine]:
    """The open store, its connections closed when the command ends; ``create`` makes a
    SQLite store that does not exist yet (see :func:`~compengine.store.db.open_store`)."""
    from compengine.store.db import open_store

    not_empty(
        "--db", db, "give a file path or a database URL, or leave --db out for $COMPENGINE_DB, "
        "else ./compengine.db."
    )  # fmt: skip
    engine = guard(lambda: open_store(db, create))
    try:
        yield engine
    finally:
        engine.dispose()
