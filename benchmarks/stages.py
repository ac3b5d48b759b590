"""Time the two stages before the store: reading and checking the data, and calculating.

    python benchmarks/stages.py --data DIR [--runs 3]

Runs ``load_inputs`` and ``calculate`` for ``plans/relationship-first.yaml`` ``--runs``
times in one process and prints, as JSON, the fastest and median wall time of each stage,
the peak resident memory after the first run, and a digest of the calculated frames (steps,
payouts and measures), so that a change to the code can be shown to leave every result as
it was.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import time
from pathlib import Path

PLAN = Path(__file__).resolve().parent.parent / "plans" / "relationship-first.yaml"


def main() -> None:
    """Time the stages and print them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from compengine.data.inputs import load_inputs
    from compengine.engine.calculate import calculate
    from compengine.plan.load import load_plan

    plan = load_plan(PLAN).plan
    times: dict[str, list[float]] = {"read and check the data": [], "calculate": []}
    peak: dict[str, float] = {}
    digest = ""
    for run in range(args.runs):
        start = time.perf_counter()
        inputs = load_inputs(args.data, plan)
        loaded = time.perf_counter()
        result = calculate(plan, inputs)
        done = time.perf_counter()
        times["read and check the data"].append(loaded - start)
        times["calculate"].append(done - loaded)
        if run == 0:
            peak["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            sha = hashlib.sha256()
            for frame in (result.steps, result.payouts, result.measures):
                sha.update(frame.write_csv().encode())
            digest = sha.hexdigest()[:16]
        del inputs, result
    report = {
        name: {"best": round(min(t), 3), "median": round(statistics.median(t), 3)}
        for name, t in times.items()
    }
    print(json.dumps({**report, **peak, "digest": digest}))


if __name__ == "__main__":
    main()
