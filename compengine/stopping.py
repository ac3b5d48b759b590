"""A command asked to stop stops as on Ctrl-C, except while a run lands.

``kill``, a scheduler's timeout or a closed terminal (SIGTERM, SIGHUP) would end the process
at once, leaving a staging folder full of results in ``--out`` and skipping every cleanup.
:func:`install` makes them raise ``SystemExit(128 + signal)`` instead, as Ctrl-C raises
``KeyboardInterrupt``: the files being written are removed and the store's transaction
rolled back. A signal a parent set to be ignored (``nohup``) stays ignored.

Worker threads block the three signals (:func:`spawning`, :func:`main_thread_only`), so
that they reach the main thread, whatever it waits for.

Between the store's commit and the last file moved into ``--out``, stopping would leave a
recorded run without its files (or files half moved): :func:`held` keeps the three signals
pending until such a moment ends, then stops.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_DEFAULTS = {signal.SIGINT: signal.default_int_handler}  # Python's own Ctrl-C


class _Held:
    depth = 0  # how many held() blocks the main thread is in
    pending: int | None = None  # the signal received meanwhile


_held = _Held()


def install() -> None:
    """Stop on SIGINT, SIGTERM and SIGHUP by raising, where they have their default action
    (from the main thread, before the command runs)."""
    for number in _STOPS:
        if signal.getsignal(number) in (signal.SIG_DFL, _DEFAULTS.get(number)):
            signal.signal(number, _stop)


def _stop(number: int, _frame: FrameType | None) -> None:
    if _held.depth:
        _held.pending = number
        return
    _raise(number)


def _raise(number: int) -> None:
    if number == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + number)


def main_thread_only() -> None:
    """Leave the stop signals to the main thread: a worker thread's first step (for a thread
    started outside :func:`spawning`).

    The kernel may give a process's signal to any thread that does not block it, and
    Python runs the handler on the main thread only once that thread runs again: a main
    thread waiting in a blocking call (a sleep, a lock, a database's answer) would not stop
    until the call returns. Threads that a worker starts (polars' among them) inherit its
    mask.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)


@contextmanager
def spawning() -> Iterator[None]:
    """Start worker threads inside: they are born blocking the stop signals, not only once
    their first step runs. A stop asked meanwhile waits for the block's end (main thread)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def held() -> Iterator[None]:
    """Keep a stop asked for during the block until it ends, then stop (main thread)."""
    _held.depth += 1
    try:
        yield
    finally:
        _held.depth -= 1
    if not _held.depth and _held.pending is not None:
        number, _held.pending = _held.pending, None
        _raise(number)
