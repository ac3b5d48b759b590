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
        from compengine.cli import main as cli

        cli()
        return
    from compengine.data import reading

    reading.begin(folder)
    try:
        from compengine.cli import main as cli

        cli()
    finally:
        reading.abandon()


if __name__ == "__main__":
    main()
