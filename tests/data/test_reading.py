"""A data folder read and parsed on threads before the plan is known gives the same tables."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

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
        assert not any(ahead._parsed[name].done() for name in ("grades", "quotas"))
        loaded = load(ahead)

    assert all(ahead._parsed[name].done() for name in ahead.order)
    now = load(data)
    for name, table in now.tables.items():
        assert loaded.tables[name].equals(table), name


def test_it_should_parse_again_for_a_plan_of_another_granularity(tmp_path: Path) -> None:
    data = folder(tmp_path)
    with Reading(data) as ahead:
        ahead.tell("month")  # parsed for a monthly plan, then taken for a quarterly one
        for name in ahead.order:
            ahead._parsed[name].result(timeout=30)
        loaded = load(ahead, quarterly())

    now = load(data, quarterly())
    assert (loaded.first, loaded.last) == (now.first, now.last)
    for name, table in now.tables.items():
        assert loaded.tables[name].equals(table), name
    assert loaded.rows.equals(now.rows)


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


def test_it_should_exit_at_once_from_a_command_line_it_refuses(tmp_path: Path) -> None:
    # The folder is begun first thing; the command line then fails before any command runs.
    data = folder(tmp_path)
    plan_file = Path(__file__).parents[2] / "plans" / "relationship-first.yaml"
    command = [sys.executable, "-m", "compengine", "run", str(plan_file), "--data", str(data)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 2
    assert "--out" in done.stderr  # the option it lacks
