"""``python -m compengine`` and the ``compengine`` command: the data files of a run start
loading before anything else (:mod:`compengine.data.early`, then
:func:`compengine.data.reading.begin`), then the command line runs."""

from __future__ import annotations

import gc
import os
import sys
from typing import NoReturn


def main() -> None:
    """Entry point of the ``compengine`` console script and of ``python -m compengine``.

    Python's cycle collector is off for the command. What a command makes in Python is
    mostly its modules, which live until it ends, and values that reference counting frees,
    the tables being polars'; the few cycles it leaves (a comparison's charts, a few dozen
    objects per value of a sweep) are freed when it ends. The collector spent 0.09 s of a
    20,000-rep run walking the modules' objects as they loaded; without it a run, a sweep of
    200 values, a comparison and the audit workbook peak at the same memory.
    """
    gc.disable()
    from compengine import stopping

    stopping.install()  # kill and a closed terminal stop a command as Ctrl-C does
    try:
        _start()
    except KeyboardInterrupt:  # Ctrl-C while the modules load, before a command can take it
        _exit_now(SystemExit(130))  # as a stopped command exits, with nothing to clean up


def _start() -> None:
    from compengine import stopping
    from compengine.data import early

    folder = early.start(sys.argv[1:])
    with stopping.spawning():  # the thread polars starts as it loads leaves the stops too
        import polars  # noqa: F401
    if folder is None:
        _command_line()
        return
    from compengine.data import reading

    try:
        reading.begin(folder)  # polars loads; the files are read and parsed on their threads
        _command_line()
    except SystemExit as done:
        # refused before the command took the reading, or stopped while the modules load
        if reading.abandon():
            _exit_now(done)
        raise
    finally:
        reading.abandon()


def _command_line() -> None:
    from compengine.cli import main as cli

    cli()


def _exit_now(done: SystemExit) -> NoReturn:
    """Exit as ``done`` would, without waiting for the reads and parses under way to end
    (nothing else is left to do: the command never ran)."""
    if done.code is None or isinstance(done.code, int):
        code = done.code or 0
    else:
        print(done.code, file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
