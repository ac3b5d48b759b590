"""A run is written in one transaction: killed half-way, or when its files or its row
cannot be written, it leaves nothing behind, in the store or in its folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from subprocess import Popen

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from compengine.errors import ExportError, Reason, StoreError
from compengine.outputs import RESULT_FILES, write_run
from compengine.store import read
from compengine.store.write import recording
from tests.conftest import ROOT
from tests.store.conftest import PLAN, SMALL, record_small, small

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
record_small(open_store(sys.argv[1], create=True), Path(sys.argv[2]))
"""


# `compengine run` on the small example, pausing for PAUSE seconds where WHERE says: once its
# data's reading has begun, before the command line's modules load ("loading"), once it
# has taken its data's reading ("begun"), once its files are written into the staging folder
# ("staged"), or in the store's transaction, its rows written ("commit"), so the test can
# stop it there as `kill` or a scheduler would.
PAUSED_RUN = """
import os, sys, time
from compengine import stopping
with stopping.spawning():  # as compengine.__main__ loads polars: its threads leave the stops
    from compengine import outputs
    from compengine.__main__ import main
    from compengine.data import reading
    from compengine.store import write

def paused(module, name):
    real = getattr(module, name)
    def pause(*args, **kwargs):
        value = real(*args, **kwargs)
        print("paused", flush=True)
        time.sleep(float(os.environ["PAUSE"]))
        return value
    setattr(module, name, pause)

paused(*{"staged": (outputs, "manifest"), "commit": (write, "_run_row"),
         "begun": (reading, "begun"), "loading": (reading, "begin")}[os.environ["WHERE"]])
sys.argv = ["compengine", "run", *sys.argv[1:]]
main()
"""


def _paused_run(db_url: str, out: Path, where: str, pause: float, **kwargs: object) -> Popen:
    args = [str(PLAN), "--data", str(SMALL), "--out", str(out), "--db", db_url]
    child = subprocess.Popen(
        [sys.executable, "-c", PAUSED_RUN, *args], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=os.environ | {"WHERE": where, "PAUSE": str(pause)},
        **kwargs,  # type: ignore[call-overload]
    )  # fmt: skip
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "paused"
    return child


def _signalled(child: Popen, number: int) -> str:
    """Send the paused child signal ``number`` and wait for it to end; its stderr."""
    try:
        child.send_signal(number)
        _, stderr = child.communicate(timeout=60)
    finally:
        child.kill()
    return stderr


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


def test_it_should_roll_the_run_back_when_its_files_cannot_be_written(
    store: Engine, tmp_path: Path
) -> None:
    loaded, inputs, result = small()
    before = _counts(store)

    def broken(_path: Path) -> None:
        raise ExportError("the workbook could not be written", Reason.EXPORT)

    with (
        pytest.raises(ExportError, match="workbook"),
        recording(store, loaded, inputs, result, datetime.now(UTC)) as keep,
    ):
        write_run(tmp_path / "out", loaded, inputs, result, extra={"audit.xlsx": broken}, keep=keep)
    assert _counts(store) == before
    assert not any((tmp_path / "out" / name).exists() for name in RESULT_FILES)


def test_it_should_move_no_file_when_the_store_refuses_the_run(
    store: Engine, tmp_path: Path
) -> None:
    loaded, inputs, result = small()
    earlier, _ = record_small(store, tmp_path / "earlier")
    before = _counts(store)
    with (  # the same run id twice: the run row breaks its primary key
        pytest.raises(StoreError, match=r"cannot write to the store \(.*(UNIQUE|unique)"),
        recording(store, loaded, inputs, result, datetime.now(UTC)) as keep,
    ):
        write_run(tmp_path / "out", loaded, inputs, result, run_id=earlier.run_id, keep=keep)
    assert _counts(store) == before
    assert not any((tmp_path / "out" / name).exists() for name in RESULT_FILES)


def test_it_should_record_nothing_and_move_nothing_where_a_folder_holds_a_file_s_name(
    store: Engine, tmp_path: Path
) -> None:
    """A folder manifest.json in --out: the run is refused before it is recorded, and the
    earlier result there stays whole (no new measures.csv beside an old payouts.csv)."""
    loaded, inputs, result = small()
    out = tmp_path / "out"
    record_small(store, out)
    earlier = {name: (out / name).read_bytes() for name in ("payouts.csv", "measures.csv")}
    (out / "manifest.json").unlink()
    (out / "manifest.json").mkdir()
    before = _counts(store)
    with (
        pytest.raises(ExportError, match=r"manifest\.json: a folder where the file manifest"),
        recording(store, loaded, inputs, result, datetime.now(UTC)) as keep,
    ):
        write_run(out, loaded, inputs, result, keep=keep)
    assert _counts(store) == before
    assert {name: (out / name).read_bytes() for name in earlier} == earlier
    assert sorted(os.listdir(out)) == ["manifest.json", "measures.csv", "payouts.csv"]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_it_should_leave_nothing_behind_when_asked_to_stop(
    store: Engine, db_url: str, tmp_path: Path, stop: signal.Signals
) -> None:
    out = tmp_path / "stopped"
    child = _paused_run(db_url, out, "staged", 60)
    assert any(p.name.startswith(".compengine-") for p in out.iterdir())  # it is there
    stderr = _signalled(child, stop)
    assert child.returncode != 0, stderr
    if stop != signal.SIGINT:  # Ctrl-C's status is the command line's own
        assert child.returncode == 128 + stop, stderr
    assert "Traceback" not in stderr
    assert list(out.iterdir()) == []  # no result, and no staging folder holding one
    assert read.runs(store) == []


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_it_should_stop_without_a_traceback_while_its_modules_load(
    store: Engine, db_url: str, tmp_path: Path, stop: signal.Signals
) -> None:
    out = tmp_path / "out"
    child = _paused_run(db_url, out, "loading", 60)
    stderr = _signalled(child, stop)
    assert child.returncode == 128 + stop, stderr  # 130 for Ctrl-C, as a stopped command
    assert "Traceback" not in stderr
    assert not out.exists()
    assert read.runs(store) == []


def test_it_should_stop_right_after_taking_its_reading_without_hanging(
    store: Engine, db_url: str, tmp_path: Path
) -> None:
    """The reading's parses wait for the plan's granularity: the reading is closed, or the
    process would wait for them forever at exit."""
    child = _paused_run(db_url, tmp_path / "out", "begun", 3)
    stderr = _signalled(child, signal.SIGTERM)
    assert child.returncode == 128 + signal.SIGTERM, stderr
    assert read.runs(store) == []


def test_it_should_land_the_run_whole_when_asked_to_stop_during_its_commit(
    store: Engine, db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "stopped"
    child = _paused_run(db_url, out, "commit", 2)
    stderr = _signalled(child, signal.SIGTERM)
    assert child.returncode == 128 + signal.SIGTERM, stderr
    [run] = read.runs(store)  # recorded, and its files moved in
    assert sorted(p.name for p in out.iterdir()) == sorted(RESULT_FILES)
    assert run.id in (out / "manifest.json").read_text()


def test_it_should_keep_running_when_its_parent_ignores_hangups(
    store: Engine, db_url: str, tmp_path: Path
) -> None:
    """As under `nohup`: a closed terminal does not stop the run."""
    ignore = lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)  # noqa: E731
    child = _paused_run(db_url, tmp_path / "out", "staged", 2, preexec_fn=ignore)
    stderr = _signalled(child, signal.SIGHUP)
    assert child.returncode == 0, stderr
    assert len(read.runs(store)) == 1
