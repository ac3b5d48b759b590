"""Two runs at once both land whole; two closes of one period at once close it once."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from compengine.errors import StoreError
from compengine.store import closes, read
from tests.conftest import ROOT
from tests.store.conftest import PLAN, SMALL, record_small

ROWS, AMOUNTS = 36, 7  # the small example: 12 reps x 3 months; 5 components, adjustments, total


def test_it_should_land_two_simultaneous_runs_whole(
    store: Engine, db_url: str, tmp_path: Path
) -> None:
    command = [sys.executable, "-m", "compengine", "run", str(PLAN), "--data", str(SMALL)]
    children = [
        subprocess.Popen(
            [*command, "--out", str(tmp_path / f"out{i}"), "--no-audit-xlsx", "--db", db_url],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for child in children:
        _, errors = child.communicate(timeout=300)
        assert child.returncode == 0, errors
    runs = read.runs(store)
    assert len(runs) == 2
    for info in runs:
        assert read.lines(store, info).height == ROWS * AMOUNTS
        assert read.measures(store, info).height == ROWS
        with store.connect() as connection:
            steps = connection.execute(
                sa.text(
                    "SELECT count(*) FROM audit_step JOIN run ON run.key = audit_step.run_key "
                    "WHERE run.id = :run"
                ),
                {"run": info.id},
            ).scalar()
        assert steps == ROWS


@pytest.mark.parametrize("closers", [2, 6])
def test_it_should_close_a_period_once_when_closers_race(
    store: Engine, tmp_path: Path, closers: int
) -> None:
    record, _ = record_small(store, tmp_path / "out")
    start = threading.Barrier(closers)
    outcomes: list[str] = []

    def close(who: int) -> None:
        start.wait()
        try:
            closes.close(store, "2027-01", record.run_id, f"clerk{who}")
            outcomes.append("closed")
        except StoreError as error:
            outcomes.append(error.messages[0])

    threads = [threading.Thread(target=close, args=(i,)) for i in range(closers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("closed") == 1
    assert all("already closed" in o or "at the same time" in o for o in outcomes if o != "closed")
    with store.connect() as connection:
        assert [(e.seq, e.action) for e in closes.events(connection)] == [(1, "close")]
