"""``python -m compengine`` and the ``compengine`` command: the data files of a run start
loading before anything else (:mod:`compengine.data.early`), then the command line runs."""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the ``compengine`` console script and of ``python -m compengine``."""
    from compengine.data import early

    early.start(sys.argv[1:])
    from compengine.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
