"""``python -m compengine`` and the ``compengine`` command: the data files of a run start
loading before anything else (:mod:`compengine.data.early`, then
:func:`compengine.data.reading.begin`), then the command line runs."""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the ``compengine`` console script and of ``python -m compengine``."""
    from compengine.data import early

    folder = early.start(sys.argv[1:])
    if folder is None:
        _command_line()
        return
    from compengine.data import reading

    reading.begin(folder)  # polars loads; the files are read and parsed on their threads
    try:
        _command_line()
    finally:
        reading.abandon()  # what a command line that failed before it ran did not take


def _command_line() -> None:
    from compengine.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
