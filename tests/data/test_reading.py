"""A data folder read and parsed on threads before the plan is known gives the same tables."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from compengine.data import reading
from compengine.data.reading import Reading, begin, begun
from tests.data.folder import folder, load, plan, quarterly


def test_it_should_parse_the_tables_without_periods_before_the_plan_is_known(
    tmp_path: Path,
) -> None:
    data = folder(tmp_path)
    with Reading(data) as ahead:
        for name in ("reps", "transactions", "feedback", "incidents", "events"):
            assert ahead._parsed[name].result(timeout=30) is not None, name
        time.sleep(0.1)
        # grades, quotas and adjustments name periods: they wait for the plan's granularity
        assert not any(ahead._parsed[n].done() for n in ("grades", "quotas", "adjustments"))
        loaded = load(ahead)

    assert all(ahead._parsed[name].done() for name in ahead.order)
    now = load(data)
    for name, table in now.tables.items():
        assert loaded.tables[name].equals(table), name


def test_it_should_refuse_a_plan_of_another_granularity_than_it_was_told(
    tmp_path: Path,
) -> None:
    data = folder(tmp_path)
    with Reading(data) as ahead:
        ahead.tell("month")  # a reading serves one plan
        with pytest.raises(ValueError, match="read for a month plan, not quarter"):
            load(ahead, quarterly())


def test_it_should_stop_the_parses_waiting_for_a_plan_that_never_came(tmp_path: Path) -> None:
    data = folder(tmp_path)
    ahead = Reading(data)
    for name in ("reps", "transactions"):
        ahead._parsed[name].result(timeout=30)
    ahead.close(wait=True)  # returns: the parses waiting for the granularity end too

    assert all(ahead._parsed[name].done() for name in ahead.order)


def test_it_should_take_the_reading_begun_for_the_same_folder_only(tmp_path: Path) -> None:
    data = folder(tmp_path)
    begin(data)
    try:
        started = reading._begun[data.resolve()]
        (tmp_path / "other").mkdir()
        other = folder(tmp_path / "other")
        for streaming, where in ((True, data), (False, other)):
            with begun(where, streaming) as new:
                assert new is not started
        with begun(tmp_path / "data" / ".." / "data") as taken:  # the same folder, resolved
            assert taken is started
            assert load(taken, plan()).rows.height
        assert reading._begun == {}
    finally:
        reading.abandon()


def test_it_should_exit_with_status_2_from_a_command_line_it_refuses(tmp_path: Path) -> None:
    # The folder is begun first thing; the command line then fails before any command runs.
    data = folder(tmp_path)
    plan_file = Path(__file__).parents[2] / "plans" / "relationship-first.yaml"
    command = [sys.executable, "-m", "compengine", "run", str(plan_file), "--data", str(data)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 2
    assert "--out" in done.stderr  # the option it lacks


def test_it_should_leave_the_folder_to_the_command_when_no_thread_can_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = folder(tmp_path)
    shut: list[bool] = []

    class Starved(ThreadPoolExecutor):
        """A pool that takes one task, then cannot start a thread for another."""

        taken = 0

        def submit(self, *args: Any, **kwargs: Any) -> Any:
            self.taken += 1
            if self.taken > 1:
                raise RuntimeError("can't start new thread")
            return super().submit(*args, **kwargs)

        def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
            shut.append(cancel_futures)
            super().shutdown(wait, cancel_futures=cancel_futures)

    monkeypatch.setattr(reading, "ThreadPoolExecutor", Starved)
    begin(data)

    assert reading._begun == {}
    assert shut == [True]  # closed: nothing of it is left to wait for a granularity
