"""A run's files read before polars loads give the same tables, and only when unchanged."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest

from compengine.data import early
from compengine.data.reading import Reading
from tests.data.folder import folder, load


@pytest.fixture(autouse=True)
def nothing_read_early() -> Iterator[None]:
    """Each test starts, and leaves, with no file read early."""
    early._read.clear()
    yield
    early._read.clear()


def test_it_should_read_every_table_file_of_a_run_with_its_sha256(tmp_path: Path) -> None:
    data = folder(tmp_path)
    (data / "notes.txt").write_text("not a table")

    early.start(["run", "plan.yaml", "--data", str(data), "--out", "out"])

    tables = sorted(p for p in data.iterdir() if p.suffix == ".csv")
    assert sorted(early._read) == [p.resolve() for p in tables]
    for path in tables:
        raw = path.read_bytes()
        assert early.take(path) == (raw, hashlib.sha256(raw).hexdigest())
        assert early.take(path) is None  # handed over once


def test_it_should_read_early_no_more_than_its_budget_largest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = folder(tmp_path)
    sizes = {p.resolve(): p.stat().st_size for p in data.iterdir()}
    largest, *others = sorted(sizes, key=lambda p: -sizes[p])
    monkeypatch.setattr(early, "MOST_BYTES", sizes[largest] + sizes[others[-1]])

    early.start(["run", "plan.yaml", "--data", str(data)])

    # the largest file, then the first of the others that still fits: one of the smallest
    first, second = early._read
    assert sizes[first] == sizes[largest]
    assert sizes[second] == sizes[others[-1]]


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "plan.yaml", "--data", "DATA"],
        ["run", "plan.yaml", "--data", "DATA", "--streaming"],
        ["run", "--data", "DATA", "--help"],
        ["run", "plan.yaml", "--out", "out"],
        ["run", "plan.yaml", "--data", "DATA/missing"],
        [],
    ],
)
def test_it_should_read_nothing_for_another_command_line(tmp_path: Path, argv: list[str]) -> None:
    data = folder(tmp_path)

    early.start([word.replace("DATA", str(data)) for word in argv])

    assert early._read == {}


def test_it_should_take_the_data_folder_written_with_an_equals_sign(tmp_path: Path) -> None:
    data = folder(tmp_path)

    early.start(["run", "plan.yaml", f"--data={data}"])

    assert early.take(data / "reps.csv") == (
        (data / "reps.csv").read_bytes(),
        hashlib.sha256((data / "reps.csv").read_bytes()).hexdigest(),
    )


@pytest.mark.parametrize("same_size", [False, True])
def test_it_should_read_a_file_again_when_it_changed_after_the_early_read(
    tmp_path: Path, same_size: bool
) -> None:
    data = folder(tmp_path)
    early.start(["run", "plan.yaml", "--data", str(data)])
    reps = data / "reps.csv"
    early._read[reps.resolve()].result()  # read early, then changed
    text = reps.read_text()
    time.sleep(0.05)  # past the clock tick of the file's times
    if same_size:  # rewritten in place, its modification time put back
        before = reps.stat()
        changed = text.replace("2026-", "2025-", 1)
        assert len(changed) == len(text)
        with reps.open("r+") as file:
            file.write(changed)
        os.utime(reps, ns=(before.st_atime_ns, before.st_mtime_ns))
        expected = changed.encode()
    else:
        reps.write_text(text + "R3,Cy Dee,,2026-13-01,,1000\n")
        expected = reps.read_bytes()

    with Reading(data) as reading:  # what a run reads: the file as it is now
        assert reading.raw("reps").sha256 == hashlib.sha256(expected).hexdigest()
    assert reps.resolve() not in early._read


def test_it_should_leave_a_file_it_failed_to_read_to_the_run(tmp_path: Path) -> None:
    reps = folder(tmp_path) / "reps.csv"
    failed: early.Read = Future()
    failed.set_exception(MemoryError())
    early._read[reps.resolve()] = failed

    assert early.take(reps) is None


def test_it_should_load_the_same_tables_from_files_read_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = folder(tmp_path)
    now = load(data)

    early.start(["run", "plan.yaml", "--data", str(data)])
    for read in list(early._read.values()):
        read.result()

    def unread(path: Path) -> bytes:
        raise AssertionError(f"{path} read again")

    monkeypatch.setattr(Path, "read_bytes", unread)  # every file comes from the early read
    with Reading(data) as reading:
        ahead = load(reading)

    assert early._read == {}
    assert ahead.files.keys() == now.files.keys()
    for name, raw in now.files.items():
        assert ahead.files[name].sha256 == raw.sha256
        assert ahead.tables[name].equals(now.tables[name])


def test_it_should_pay_the_same_from_the_command_as_from_the_library(tmp_path: Path) -> None:
    # `python -m compengine run` reads the files early; the CLI's app in-process does not.
    from typer.testing import CliRunner

    from compengine.cli import app

    plan = Path(__file__).parents[2] / "plans" / "relationship-first.yaml"
    data = Path(__file__).parents[2] / "fixtures" / "demo"
    command = [sys.executable, "-m", "compengine", "run", str(plan), "--data", str(data)]
    command += ["--out", str(tmp_path / "early"), "--db", str(tmp_path / "early.db")]
    command += ["--no-audit-xlsx"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr

    late = ["run", str(plan), "--data", str(data), "--out", str(tmp_path / "late")]
    late += ["--db", str(tmp_path / "late.db"), "--no-audit-xlsx"]
    assert CliRunner().invoke(app, late).exit_code == 0

    for name in ("payouts.csv", "measures.csv"):
        assert (tmp_path / "early" / name).read_bytes() == (tmp_path / "late" / name).read_bytes()
    early_run, late_run = (
        json.loads((tmp_path / run / "manifest.json").read_text()) for run in ("early", "late")
    )
    assert early_run["inputs"] == late_run["inputs"]  # the files' hashes among them
