"""Whatever is closed, reopened, changed and re-run, a closed period's paid lines stay put."""

from __future__ import annotations

import contextlib
import shutil
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compengine.data.inputs import load_inputs
from compengine.errors import StoreError
from compengine.outputs import write_run
from compengine.plan.load import load_plan
from compengine.store import closes, read
from compengine.store.closed import reconcile
from compengine.store.db import open_store
from compengine.store.types import plain
from compengine.store.write import record_run
from tests.store.conftest import PLAN, SMALL, fresh_store

PERIODS = ["2027-01", "2027-02", "2027-03"]
REPS = ["R00000", "R00003", "R00007"]

operation = st.one_of(
    st.tuples(st.just("close"), st.sampled_from(PERIODS)),
    st.tuples(st.just("reopen"), st.sampled_from(PERIODS)),
    st.tuples(
        st.just("change"),
        st.sampled_from(REPS),
        st.sampled_from(PERIODS),
        st.integers(-5000, 5000).map(lambda cents: plain(Decimal(cents).scaleb(-2))),
    ),
    st.tuples(st.just("run"), st.booleans()),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=st.lists(operation, min_size=1, max_size=6))
def test_it_should_never_change_a_closed_periods_stored_payouts(
    kind: str, tmp_path: Path, operations: list[tuple[object, ...]]
) -> None:
    folder = tmp_path / uuid.uuid4().hex[:8]
    data = Path(shutil.copytree(SMALL, folder / "data"))
    loaded = load_plan(PLAN)
    with fresh_store(kind, folder) as url:
        store = open_store(url, create=True)
        try:
            paid: dict[tuple[str, str], pl.DataFrame] = {}  # (run, period) -> lines at close
            latest = ""

            def run(true_up: bool) -> str:
                inputs = load_inputs(data, loaded.plan)
                run_id = f"run-{uuid.uuid4().hex[:8]}"
                settled = reconcile(store, loaded, inputs, run_id, true_up)
                if settled.moved and not settled.booked:  # refused; or nowhere to book
                    return ""
                status = "true-up" if settled.booked else "complete"
                started = datetime.now(UTC)
                write_run(
                    folder / run_id, loaded, settled.inputs, settled.result, run_id=run_id,
                    keep=lambda r: record_run(
                        store, r, loaded, settled.inputs, settled.result, started, status
                    ),
                )  # fmt: skip
                return run_id

            latest = run(False)
            for op in operations:
                if op[0] == "close":
                    try:
                        closes.close(store, str(op[1]), latest, "finance")
                        info = read.run(store, latest)
                        paid[latest, str(op[1])] = read.lines(store, info, str(op[1]))
                    except StoreError:
                        pass
                elif op[0] == "reopen":
                    with contextlib.suppress(StoreError):
                        closes.reopen(store, str(op[1]), "correction", "controller")
                elif op[0] == "change":
                    with (data / "adjustments.csv").open("a") as file:
                        file.write(f"{op[1]},{op[2]},{op[3]},change\n")
                else:
                    latest = run(bool(op[1])) or latest
                for (run_id, period), lines in paid.items():
                    assert read.lines(store, read.run(store, run_id), period).equals(lines)
                with store.connect() as connection:
                    held = closes.closed(connection)
                for (_, period), event in held.items():
                    newer = [r for r in read.runs(store) if r.finished_at > event.at]
                    for later in newer:
                        if later.status == "complete":  # no true-up: recomputed identically
                            mine = read.lines(store, later, period).drop("row")
                            assert mine.equals(paid[event.run_id, period].drop("row"))
        finally:
            store.dispose()
