"""Where ``compengine run`` spends its time: the command's steps, timed one by one.

    python benchmarks/phases.py [--plan FILE] --data DIR --out DIR (--db FILE | --no-store)

Runs the same steps as ``compengine run PLAN --no-audit-xlsx`` (plan, inputs, calculation,
closed-period check, outputs and run store) in one process and prints, as JSON, the wall
time and CPU time of each step and the peak resident memory once it is done. With ``--no-store`` it
leaves out the run store (opening it, the closed-period check and recording the run): what
the run costs before anything is kept.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
PLAN = Path(__file__).resolve().parent.parent / "plans" / "relationship-first.yaml"


def main() -> None:
    """Time each step and print the table as JSON (the cycle collector off, as the
    ``compengine`` command has it: :func:`compengine.__main__.main`)."""
    gc.disable()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=PLAN)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="the run store to record the run in")
    where.add_argument("--no-store", action="store_true", help="write the outputs only")
    args = parser.parse_args()
    steps: list[dict[str, float | str]] = []

    def step(name: str, work: Callable[[], T]) -> T:
        start, cpu = time.perf_counter(), _cpu()
        value = work()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        seconds, cpu_seconds = time.perf_counter() - start, _cpu() - cpu
        steps.append(
            {"step": name, "seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak}
        )
        return value

    def imports() -> None:
        import compengine.data.inputs
        import compengine.engine.calculate
        import compengine.outputs
        import compengine.store.closed
        import compengine.store.write  # noqa: F401

    step("imports", imports)
    from compengine.data.inputs import load_inputs
    from compengine.engine.calculate import calculate
    from compengine.outputs import RunRecord, new_run_id, write_run
    from compengine.plan.load import load_plan
    from compengine.store.closed import reconcile
    from compengine.store.db import open_store
    from compengine.store.write import record_run

    loaded = load_plan(args.plan)
    inputs = step("read and check the data", lambda: load_inputs(args.data, loaded.plan))
    started, run_id = datetime.now(UTC), new_run_id()
    if args.no_store:
        result = step("calculate", lambda: calculate(loaded.plan, inputs))
        step("write outputs", lambda: write_run(args.out, loaded, inputs, result, run_id=run_id))
        print(json.dumps(steps))
        return
    store = step("open the store", lambda: open_store(args.db, create=True))
    result = step(
        "calculate, check closed periods",
        lambda: reconcile(store, loaded, inputs, run_id, true_up=False).result,
    )
    recorded: dict[str, float] = {}

    def keep(record: RunRecord) -> None:
        start = time.perf_counter()
        record_run(store, record, loaded, inputs, result, started)
        recorded["seconds"] = time.perf_counter() - start

    step(
        "write outputs and record the run",
        lambda: write_run(args.out, loaded, inputs, result, run_id=run_id, keep=keep),
    )
    steps.append({"step": "  of which: record the run in the store", **recorded})
    print(json.dumps(steps))


def _cpu() -> float:
    """The CPU seconds the process has used, in user and system time, on all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
