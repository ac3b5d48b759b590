"""A run is written in one transaction: killed half-way, it leaves nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from compengine.outputs import RESULT_FILES
from compengine.store import read
from tests.conftest import ROOT
from tests.store.conftest import record_small

# Record the small example, but stop for a minute once the run's rows are in, so the test
# can kill the process while the run's transaction is open.
SLOW_WRITER = """
import sys, time
from pathlib import Path
from compengine.store import write
from compengine.store.db import open_store
from tests.store.conftest import record_small

written = write.bulk
def bulk(connection, target, frame):
    written(connection, target, frame)
    if target == "row_block":
        print("rows written", flush=True)
        time.sleep(60)

write.bulk = bulk
record_small(open_store(sys.argv[1]), Path(sys.argv[2]))
"""


def _counts(store: Engine) -> dict[str, int]:
    with store.connect() as connection:
        return {
            table: int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() or 0)
            for table in ("run", "row_block", "payout_row", "measure_row", "audit_step")
        }


def test_it_should_leave_no_partial_run_when_killed_mid_write(
    store: Engine, db_url: str, tmp_path: Path
) -> None:
    earlier, _ = record_small(store, tmp_path / "earlier")
    before = _counts(store)
    lines_before = read.lines(store, read.run(store, earlier.run_id))
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, db_url, str(tmp_path / "killed")],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "rows written"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert [r.id for r in read.runs(store)] == [earlier.run_id]
    assert _counts(store) == before
    assert read.lines(store, read.run(store, earlier.run_id)).equals(lines_before)
    killed = tmp_path / "killed"
    assert not any((killed / name).exists() for name in RESULT_FILES)
    after, _ = record_small(store, tmp_path / "after")
    assert [r.id for r in read.runs(store)] == [earlier.run_id, after.run_id]
