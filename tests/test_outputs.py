"""Outputs move into their folder all at once, or not at all."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from compengine import outputs
from compengine.errors import ExportError
from compengine.outputs import staged


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text)


def test_it_should_replace_the_earlier_files_and_remove_the_stale_ones(tmp_path: Path) -> None:
    _write(tmp_path, {"a.csv": "old a", "b.csv": "old b", "keep.txt": "mine"})
    with staged(tmp_path, stale=["a.csv", "b.csv"]) as staging:
        _write(staging, {"a.csv": "new a"})
    assert sorted(os.listdir(tmp_path)) == ["a.csv", "keep.txt"]
    assert (tmp_path / "a.csv").read_text() == "new a"


def test_it_should_put_every_earlier_file_back_when_a_move_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second new file cannot move: the first goes back out, the earlier ones return."""
    _write(tmp_path, {"a.csv": "old a", "b.csv": "old b", "c.csv": "old c"})
    real = os.replace
    moved: list[str] = []

    def failing(source: Path, target: Path) -> None:
        if Path(source).parent.name.startswith(".compengine-") and Path(target).parent == tmp_path:
            moved.append(Path(source).name)
            if len(moved) == 2:
                raise OSError(28, "No space left on device")
        real(source, target)

    monkeypatch.setattr(outputs.os, "replace", failing)
    with (
        pytest.raises(ExportError, match="No space left"),
        staged(tmp_path, stale=["a.csv", "b.csv", "c.csv"]) as staging,
    ):
        _write(staging, {"a.csv": "new a", "b.csv": "new b"})
    assert moved == ["a.csv", "b.csv"]
    assert sorted(os.listdir(tmp_path)) == ["a.csv", "b.csv", "c.csv"]
    assert [(tmp_path / n).read_text() for n in ("a.csv", "b.csv", "c.csv")] == [
        "old a",
        "old b",
        "old c",
    ]


def test_it_should_refuse_a_folder_where_a_file_goes_before_the_block_runs(
    tmp_path: Path,
) -> None:
    (tmp_path / "b.csv").mkdir()
    ran = False
    with (
        pytest.raises(ExportError, match=r"b\.csv: a folder where the file b\.csv goes"),
        staged(tmp_path, stale=["a.csv", "b.csv"]),
    ):
        ran = True
    assert not ran
    assert os.listdir(tmp_path) == ["b.csv"]


def test_it_should_refuse_an_out_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("notes")
    with (
        pytest.raises(ExportError, match=r"out: a file, not a folder\. Hint: give a folder"),
        staged(tmp_path / "out"),
    ):
        pass
    assert (tmp_path / "out").read_text() == "notes"


def test_it_should_put_the_earlier_files_back_when_stopped_while_moving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal (SystemExit, KeyboardInterrupt) between two moves undoes the first."""
    _write(tmp_path, {"a.csv": "old a", "b.csv": "old b"})
    real = os.replace

    def stopped(source: Path, target: Path) -> None:
        if Path(source).parent.name.startswith(".compengine-") and Path(source).name == "b.csv":
            raise SystemExit(143)
        real(source, target)

    monkeypatch.setattr(outputs.os, "replace", stopped)
    with pytest.raises(SystemExit), staged(tmp_path, stale=["a.csv", "b.csv"]) as staging:
        _write(staging, {"a.csv": "new a", "b.csv": "new b"})
    assert sorted(os.listdir(tmp_path)) == ["a.csv", "b.csv"]
    assert [(tmp_path / n).read_text() for n in ("a.csv", "b.csv")] == ["old a", "old b"]


def test_it_should_remove_the_staging_folders_of_commands_killed_outright(
    tmp_path: Path,
) -> None:
    gone = tmp_path / f"{outputs.STAGING}abc"  # its lock file, not held: its command is gone
    running = tmp_path / f"{outputs.STAGING}def"  # its lock held, by a command still running
    making = tmp_path / f"{outputs.STAGING}ghi"  # no lock file yet: being made
    for folder in (gone, running, making):
        folder.mkdir()
        _write(folder, {"payouts.csv": "a result"})
    (gone / outputs.LOCK).touch()
    held = os.open(running / outputs.LOCK, os.O_CREAT | os.O_WRONLY)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        with staged(tmp_path) as staging:
            assert (staging / outputs.LOCK).exists()
            _write(staging, {"a.csv": "new a"})
    finally:
        os.close(held)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["a.csv", running.name, making.name])


def test_it_should_write_where_the_file_system_has_no_locks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some network file systems refuse flock: the outputs are written all the same, and
    an earlier staging folder there is never taken for abandoned."""
    left = tmp_path / f"{outputs.STAGING}abc"
    left.mkdir()
    (left / outputs.LOCK).touch()

    def no_locks(_descriptor: int, _operation: int) -> None:
        raise OSError(37, "No locks available")

    monkeypatch.setattr(outputs.fcntl, "flock", no_locks)
    with staged(tmp_path) as staging:
        _write(staging, {"a.csv": "new a"})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a.csv", left.name])
