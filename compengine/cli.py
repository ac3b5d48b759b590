"""The ``compengine`` command. Parsing arguments and printing only: no calculation here.

Each group of commands lives in :mod:`compengine.commands`; this module puts them together.
"""

from __future__ import annotations

import atexit
import gc
import inspect
import sys
from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

from compengine.commands import audit, calculate, finance, scenarios


class _Command(TyperCommand):
    """A command whose ``--help`` shows as the flag it is (typer would show ``<bool>``)."""

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        return _flag(super().get_help_option(ctx))


class _Group(TyperGroup):
    """The command group, its ``--help`` shown as :class:`_Command`'s."""

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        return _flag(super().get_help_option(ctx))


def _flag(option: TyperOption | None) -> TyperOption | None:
    """The help option without a value type beside it, as the other flags are shown."""
    if option is not None:
        option.metavar = ""
    return option


app = typer.Typer(
    cls=_Group,
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
    app.command(name, help=_help(command), cls=_Command)(command)


def main() -> None:
    """Run the command line (the ``compengine`` console script starts in
    :func:`compengine.__main__.main`)."""
    # What a command leaves in memory lives until the process ends: frozen at exit, it is
    # not collected and freed object by object at shutdown (0.2 s after a large run; files
    # and the store are closed by then, so nothing is lost).
    atexit.register(gc.freeze)
    sys.exit(app())
