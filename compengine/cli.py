"""The ``compengine`` command. Parsing arguments and printing only: no calculation here.

Each group of commands lives in :mod:`compengine.commands`; this module puts them together.
"""

from __future__ import annotations

import atexit
import gc
import inspect
import sys
from collections.abc import Callable

import typer

from compengine.commands import audit, calculate, finance, scenarios

app = typer.Typer(
    help="Incentive compensation that pays for revenue and relationships, to the cent.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
COMMANDS: dict[str, Callable[..., None]] = {
    "run": calculate.run,
    "validate": calculate.validate,
    "generate": calculate.generate,
    "runs": finance.list_runs,
    "show": finance.show,
    "close": finance.close,
    "reopen": finance.reopen,
    "export": finance.export,
    "compare": scenarios.compare,
    "sweep": scenarios.sweep,
    "explain": audit.explain,
    "audit": audit.audit,
}


def _help(command: Callable[..., None]) -> str:
    """The command's docstring as ``--help`` shows it: each paragraph one line, which the
    terminal wraps at its width (typer would keep the docstring's own line breaks)."""
    paragraphs = inspect.cleandoc(command.__doc__ or "").split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


for name, command in COMMANDS.items():
    app.command(name, help=_help(command))(command)


def main() -> None:
    """Run the command line (the ``compengine`` console script starts in
    :func:`compengine.__main__.main`)."""
    # What a command leaves in memory lives until the process ends: frozen at exit, it is
    # not collected and freed object by object at shutdown (0.2 s after a large run; files
    # and the store are closed by then, so nothing is lost).
    atexit.register(gc.freeze)
    sys.exit(app())
