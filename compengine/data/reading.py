"""A data folder's tables, read and parsed on a few threads from the moment a command starts.

:class:`Reading` reads each table's file (:func:`~compengine.data.read.read`) and parses it
(:func:`~compengine.data.parse.parse_table`) on its threads, the largest files first, while
the command goes on loading its modules and the plan. polars releases the GIL, so one
table's single-threaded steps overlap another's and the main thread's imports.

A table without a period column parses the same under any plan: it is parsed as soon as it
is read. Grades, quotas and adjustments name periods, whose parsing depends on the plan's
granularity: they are parsed once :meth:`Reading.tell` tells it.
:func:`~compengine.data.inputs.load_inputs` then takes each table, and reports its problems
in table order, whichever was read first.

``compengine run`` begins its folder's reading first thing (:func:`begin`, from
:mod:`compengine.__main__`), before typer, pydantic and the run store's modules load, and
takes it with :func:`begun`.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import polars as pl

from compengine.data.early import find
from compengine.data.parse import parse_table
from compengine.data.periods import Granularity
from compengine.data.problems import Problems
from compengine.data.read import RawTable, read
from compengine.data.schema import TABLES, Table
from compengine.stopping import main_thread_only, spawning

WORKERS = 3  # threads reading, parsing and checking tables side by side (best on 2 cores)

# A table's typed columns, the scale of each number column, and the problems parsing found
Parsed = tuple[pl.DataFrame, dict[str, int], Problems]


class Reading:
    """A data folder's files, read and parsed on a few threads from the moment this is made.

    Used once, by one :func:`~compengine.data.inputs.load_inputs`, as a context manager:
    leaving it stops the reads and parses a failed command no longer needs.
    """

    def __init__(self, folder: Path, streaming: bool = False) -> None:
        self.folder = folder
        self.streaming = streaming
        self.found = {
            name: find(folder, table) if folder.is_dir() else [] for name, table in TABLES.items()
        }
        self.pool = ThreadPoolExecutor(WORKERS, initializer=main_thread_only)
        single = [name for name, paths in self.found.items() if len(paths) == 1]
        self.order = sorted(single, key=lambda name: -_size(self.found[name][0]))
        self._granularity: Future[Granularity] = Future()
        try:
            with spawning():  # the pool's threads start here
                self._raws: dict[str, Future[RawTable]] = {
                    name: self.pool.submit(read, self.found[name][0], TABLES[name], streaming)
                    for name in self.order
                }
                # Submitted after every read, so that no read waits behind a parse; those
                # that wait for the plan's granularity last, so that they hold no thread
                # another could.
                self._parsed: dict[str, Future[Parsed | None]] = {
                    name: self.pool.submit(self._parse, name)
                    for name in sorted(self.order, key=lambda name: _dated(TABLES[name]))
                }
        except BaseException:  # no thread to be had: nothing may wait for a granularity
            self.close(wait=False)
            raise

    def raw(self, name: str) -> RawTable:
        """The table's text cells, once read (its only file: see :attr:`found`).

        Raises:
            Unreadable: as :func:`~compengine.data.read.read`.
        """
        return self._raws[name].result()

    def tell(self, granularity: Granularity) -> None:
        """Tell the parses waiting for it the plan's granularity (from one thread).

        Raises:
            ValueError: another granularity was told before (a reading serves one plan).
        """
        if not self._granularity.done():
            self._granularity.set_result(granularity)
        if self._granularity.result() != granularity:
            raise ValueError(f"read for a {self._granularity.result()} plan, not {granularity}")

    def parsed(self, name: str, granularity: Granularity) -> Parsed | None:
        """The table parsed for a plan of ``granularity``, once it is; None when its header
        lacks one of the table's columns (not parsed: the caller reports it).

        Raises:
            Unreadable: as :func:`~compengine.data.read.read`.
            ValueError: as :meth:`tell`.
        """
        self.tell(granularity)
        return self._parsed[name].result()

    def _parse(self, name: str) -> Parsed | None:
        """:meth:`parsed`, on a reading thread; a dated table waits for the granularity."""
        raw, table = self.raw(name), TABLES[name]
        if any(c not in raw.frame.columns for c in table.column_names):
            return None
        # A table without a period column parses alike under any granularity.
        granularity = self._granularity.result() if _dated(table) else "month"
        found = Problems()
        typed, scales = parse_table(raw, granularity, found, self.streaming)
        return typed, scales, found

    def __enter__(self) -> Reading:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close(wait=error is None)

    def close(self, wait: bool) -> None:
        """Stop the reads and parses not yet started (a command that failed before it took
        the tables), and the parses waiting for a granularity no one will tell."""
        self._granularity.cancel()  # a no-op once told
        self.pool.shutdown(wait=wait, cancel_futures=True)


def _dated(table: Table) -> bool:
    """Whether the table has a period column, whose parsing depends on the plan."""
    return any(column.kind == "period" for column in table.columns)


def _size(path: Path) -> int:
    """The file's size; 0 for a file gone since it was found (its read then says so)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


_begun: dict[Path, Reading] = {}  # folders begun by begin(), not yet taken


def begin(folder: Path) -> None:
    """Start reading ``folder`` for the command about to run, which takes it with
    :func:`begun`.

    ``compengine run`` begins here, before the command line's own modules load (see
    :mod:`compengine.__main__`): the files are then read and parsed while typer, pydantic and
    the run store's modules load on the main thread.
    """
    try:
        _begun[folder.resolve()] = Reading(folder)
    except RuntimeError:  # no thread to be had: the command reads the folder itself
        return


def begun(folder: Path, streaming: bool = False) -> Reading:
    """The reading :func:`begin` started for ``folder``, or a new one."""
    started = None if streaming else _begun.pop(folder.resolve(), None)
    return started or Reading(folder, streaming)


def abandon() -> bool:
    """Stop the readings no command took (a command line that failed before it ran); whether
    there was one.

    What is queued is dropped; a read or parse under way goes on (Python waits for its pool's
    threads at exit: :mod:`compengine.__main__` does not).
    """
    abandoned = bool(_begun)
    while _begun:
        _begun.popitem()[1].close(wait=False)
    return abandoned
