"""A stop asked of a command reaches its main thread, whatever its worker threads do."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from compengine.data.reading import Reading
from compengine.generate import BEHAVIOURS, generate
from tests.conftest import EXAMPLES, PLANS

STOPS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def _blocked() -> set[signal.Signals]:
    return set(signal.pthread_sigmask(signal.SIG_BLOCK, []))


def test_it_should_leave_the_stop_signals_to_the_main_thread() -> None:
    """A signal a worker took would not wake a main thread waiting in a blocking call."""
    with Reading(EXAMPLES / "small" / "data") as reading:
        reading.tell("month")  # the parses of dated tables wait for it, ahead of this
        assert reading.pool.submit(_blocked).result() >= STOPS
    assert not STOPS & _blocked()  # the main thread takes them


def test_it_should_leave_them_to_the_main_thread_in_every_thread_of_a_run(
    tmp_path: Path,
) -> None:
    """polars' own threads too (its cleaner starts as it loads): each thread's blocked
    signals read from the kernel, again and again while `compengine run` works."""
    data = tmp_path / "data"
    generate(data, reps=400, months=6, seed=5, behaviours=list(BEHAVIOURS), start="2027-01")
    child = subprocess.Popen(
        [sys.executable, "-m", "compengine", "run", str(PLANS / "relationship-first.yaml"),
         "--data", str(data), "--out", str(tmp_path / "out"), "--db", str(tmp_path / "s.db")],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    masks: dict[str, int] = {}
    while child.poll() is None:
        for task in Path(f"/proc/{child.pid}/task").glob("*"):
            try:
                status = (task / "status").read_text()
            except OSError:  # ended meanwhile
                continue
            if task.name != str(child.pid) and "SigBlk:" in status:
                masks[task.name] = int(status.split("SigBlk:")[1].split()[0], 16)
    assert child.wait() == 0
    stops = sum(1 << (s - 1) for s in STOPS)
    assert len(masks) > 3  # the reading's, polars' and the store's threads were seen
    assert all(mask & stops == stops for mask in masks.values()), masks
