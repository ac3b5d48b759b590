"""Benchmark ``compengine sweep``: ten values of one key against a single value.

    python benchmarks/sweep.py [--reps 5000] [--months 12] [--seed 1] [--runs 3]

The data is read and validated once per sweep and every value reuses the frames, so ten
values should cost far less than ten single runs. Generates the data once (cached under
``benchmarks/data/``), then times, each in its own process:

- ``compengine sweep --vary components.relationship_bonus.target_share=0.2:0.2:0.1`` (1 value)
- ``compengine sweep --vary components.relationship_bonus.target_share=0.05:0.5:0.05`` (10)

and, in this process, the split of one sweep: reading and checking the data once, then each
calculation. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PLAN = ROOT / "plans" / "relationship-first.yaml"
BIN = Path(sys.executable).parent
KEY = "components.relationship_bonus.target_share"
SWEEPS = {"1 value": f"{KEY}=0.2:0.2:0.1", "10 values": f"{KEY}=0.05:0.5:0.05"}


def data_folder(reps: int, months: int, seed: int) -> Path:
    """The cached generated data folder (generated on first use)."""
    folder = HERE / "data" / f"{reps}x{months}-seed{seed}"
    if not (folder / ".complete").exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(BIN / "compengine"), "generate", str(folder), "--reps", str(reps),
             "--months", str(months), "--seed", str(seed), "--plan", str(PLAN)],
            check=True, cwd=ROOT, capture_output=True,
        )  # fmt: skip
        (folder / ".complete").write_text("")
    return folder


def timed_sweep(data: Path, vary: str, out: Path) -> float:
    """Wall seconds of one ``compengine sweep`` process."""
    start = time.perf_counter()
    subprocess.run(
        [str(BIN / "compengine"), "sweep", str(PLAN), "--data", str(data), "--vary", vary,
         "--out", str(out)],
        check=True, cwd=ROOT, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - start


def split(data: Path) -> tuple[float, list[float]]:
    """Seconds to read and check the data once, and of each of ten calculations."""
    from compengine.engine.calculate import calculate
    from compengine.plan.load import load_plan
    from compengine.plan.overrides import apply_overrides
    from compengine.scenarios.run import DataFolder
    from compengine.scenarios.sweep import parse_vary

    loaded = load_plan(PLAN)
    path, values = parse_vary(SWEEPS["10 values"])
    variants = [apply_overrides(loaded, [f"{path}={v}"]).plan for v in values]
    folder = DataFolder(data)
    start = time.perf_counter()
    inputs = folder.inputs(variants[0])
    load = time.perf_counter() - start
    each = []
    for plan in variants:
        start = time.perf_counter()
        assert folder.inputs(plan) is inputs
        calculate(plan, inputs)
        each.append(time.perf_counter() - start)
    return load, each


def main() -> None:
    """Time the sweeps and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = data_folder(args.reps, args.months, args.seed)
    medians: dict[str, float] = {}
    print(f"{args.reps:,} reps x {args.months} months (seed {args.seed}), {args.runs} runs each\n")
    print("| command | wall time (median) | runs (s) |\n| --- | ---: | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for name, vary in SWEEPS.items():
            runs = [timed_sweep(data, vary, Path(tmp) / name) for _ in range(args.runs)]
            medians[name] = statistics.median(runs)
            shown = ", ".join(f"{r:.2f}" for r in runs)
            print(f"| compengine sweep, {name} | {medians[name]:.2f} s | {shown} |")
    ratio = medians["10 values"] / medians["1 value"]
    print(f"| **ratio** 10 values / 1 value | **{ratio:.2f}x** | |\n")
    load, each = split(data)
    print(
        f"In one process: reading and checking the data once {load:.2f} s; each of "
        f"{len(each)} calculations {statistics.median(each):.2f} s (median, "
        f"{min(each):.2f} to {max(each):.2f})."
    )


if __name__ == "__main__":
    main()
