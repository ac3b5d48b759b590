"""A stop asked of a command reaches its main thread, whatever its worker threads do."""

from __future__ import annotations

import signal

from compengine.data.reading import Reading
from tests.conftest import EXAMPLES

STOPS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def _blocked() -> set[signal.Signals]:
    return set(signal.pthread_sigmask(signal.SIG_BLOCK, []))


def test_it_should_leave_the_stop_signals_to_the_main_thread() -> None:
    """A signal a worker took would not wake a main thread waiting in a blocking call."""
    with Reading(EXAMPLES / "small" / "data") as reading:
        reading.tell("month")  # the parses of dated tables wait for it, ahead of this
        assert reading.pool.submit(_blocked).result() >= STOPS
    assert not STOPS & _blocked()  # the main thread takes them
