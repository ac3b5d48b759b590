"""Benchmark ``compengine run`` against the same plan hand-written as one polars query.

    python benchmarks/run.py [--reps 20000] [--months 12] [--seed 1] [--runs 3]

Generates the data once (cached under ``benchmarks/data/``), then times each command in its
own process, so the peak resident memory read from ``wait4`` is that process's own. Checks
that both pay the same totals (within a few cents: the baseline adds floats), and writes
the results table into ``benchmarks/README.md`` between the result markers.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PLAN = ROOT / "plans" / "relationship-first.yaml"
BIN = Path(sys.executable).parent
README = HERE / "README.md"
BEGIN, END = "<!-- results: begin -->", "<!-- results: end -->"
TOLERANCE = Decimal("0.05")  # five rounded components, each within a cent


@dataclass(frozen=True)
class Timing:
    """Wall time and peak resident memory of one process."""

    seconds: float
    peak_mb: float


def timed(command: list[str], log: Path) -> Timing:
    """Run ``command`` to completion; its wall time and its own peak RSS (``ru_maxrss``)."""
    with log.open("w") as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}); see {log}")
    return Timing(seconds, usage.ru_maxrss / 1024)  # Linux reports kilobytes


def data_folder(reps: int, months: int, seed: int) -> tuple[Path, float]:
    """The cached data folder, generated first if needed, and how long generating it took.

    The folder's name carries a digest of the generator, so a changed generator makes new data.
    """
    digest = hashlib.sha256((ROOT / "compengine" / "generate.py").read_bytes()).hexdigest()
    folder = HERE / "data" / f"{reps}x{months}-seed{seed}-{digest[:8]}"
    done = folder / ".complete"
    if done.exists():  # it holds the generation time
        return folder, float(done.read_text() or "nan")
    folder.mkdir(parents=True, exist_ok=True)
    generate = [str(BIN / "compengine"), "generate", str(folder), "--reps", str(reps)]
    generate += ["--months", str(months), "--seed", str(seed), "--plan", str(PLAN)]
    timing = timed(generate, folder / "generate.log")
    done.write_text(f"{timing.seconds:.2f}\n")
    return folder, timing.seconds


def compare(engine: Path, baseline: Path) -> tuple[int, Decimal, Decimal]:
    """Rows, the largest difference of a row's total, and the difference of the grand total."""

    def totals(path: Path) -> dict[tuple[str, str], Decimal]:
        with path.open(newline="") as f:
            return {(r["rep_id"], r["period"]): Decimal(r["total"]) for r in csv.DictReader(f)}

    ours, theirs = totals(engine), totals(baseline)
    if ours.keys() != theirs.keys():
        sys.exit(f"the rows differ: {len(ours.keys() ^ theirs.keys())} not in both")
    worst = max((abs(ours[k] - theirs[k]) for k in ours), default=Decimal(0))
    grand = abs(sum(ours.values(), Decimal(0)) - sum(theirs.values(), Decimal(0)))
    return len(ours), worst, grand


def machine() -> list[str]:
    """nproc, memory, CPU model, versions."""
    info = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in info if "model name" in line), "?")
    memory = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )  # fmt: skip
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores (nproc)",
        f"- memory: {int(memory) / 1024**2:.1f} GiB",
        f"- Python {platform.python_version()}, polars {pl.__version__}, {platform.system()}",
    ]


def main() -> None:
    """Generate (or reuse) the data, time both commands, check them, write the README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="runs of each; the median is kept")
    args = parser.parse_args()
    data, generated = data_folder(args.reps, args.months, args.seed)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    engine_out, baseline_out = results / "compengine", results / "handwritten.csv"
    store = results / "runs.db"  # a fresh run store for each run, so runs are alike
    commands = {
        "compengine run --no-audit-xlsx": [
            str(BIN / "compengine"), "run", str(PLAN), "--data", str(data),
            "--out", str(engine_out), "--no-audit-xlsx", "--db", str(store),
        ],
        "handwritten polars query": [
            sys.executable, str(HERE / "handwritten.py"), "--data", str(data),
            "--out", str(baseline_out),
        ],
    }  # fmt: skip
    load_before = os.getloadavg()
    runs: dict[str, list[Timing]] = {name: [] for name in commands}
    for i in range(args.runs):
        for name, command in commands.items():  # alternate, so load drifts hit both
            store.unlink(missing_ok=True)
            runs[name].append(timed(command, results / f"run{i}-{name.split()[0]}.log"))
            print(f"run {i + 1}/{args.runs} {name}: {runs[name][-1].seconds:.2f} s", flush=True)
    store.unlink(missing_ok=True)
    phases = [
        sys.executable, str(HERE / "phases.py"), "--data", str(data),
        "--out", str(results / "phases"), "--db", str(store),
    ]  # fmt: skip
    steps = json.loads(subprocess.run(phases, check=True, capture_output=True, text=True).stdout)
    load_after = os.getloadavg()
    rows, worst, grand = compare(engine_out / "payouts.csv", baseline_out)
    if worst > TOLERANCE:
        sys.exit(f"the totals differ by up to {worst} on a row; expected at most {TOLERANCE}")
    median = {n: statistics.median(t.seconds for t in ts) for n, ts in runs.items()}
    peak = {n: max(t.peak_mb for t in ts) for n, ts in runs.items()}
    engine, baseline = commands
    table = [
        "| command | wall time (median) | runs (s) | peak RSS |",
        "| --- | ---: | --- | ---: |",
        *(
            f"| {n} | {median[n]:.2f} s | {', '.join(f'{t.seconds:.2f}' for t in runs[n])} "
            f"| {peak[n]:.0f} MB |"
            for n in commands
        ),
        f"| **ratio** compengine / handwritten | **{median[engine] / median[baseline]:.2f}x** "
        f"| | **{peak[engine] / peak[baseline]:.2f}x** |",
    ]
    counts = pl.scan_csv(data / "transactions.csv").select(pl.len()).collect().item()
    grades = pl.scan_csv(data / "grades.csv").select(pl.len()).collect().item()
    block = [
        BEGIN,
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {args.reps:,} reps x {args.months} months "
        f"(seed {args.seed}): {counts:,} transaction rows, {grades:,} grades, "
        f"{rows:,} rows (rep, month) paid."
        + f" Generating the data (`compengine generate`) took {generated:.1f} s.",
        "",
        *table,
        "",
        "Where compengine's time goes (one more run, its steps timed in one process):",
        "",
        "| step | wall time | peak RSS after it |",
        "| --- | ---: | ---: |",
        *(
            f"| {s['step']} | {s['seconds']:.2f} s | "
            + (f"{s['peak_mb']:.0f} MB |" if "peak_mb" in s else " |")
            for s in steps
        ),
        "",
        f"Both pay the same: largest difference of a row's total {worst}, of the grand total "
        f"{grand} (the handwritten query adds floats).",
        "",
        *machine(),
        f"- load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {', '.join(f'{x:.2f}' for x in load_after)}",
        END,
    ]
    text = README.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    README.write_text(head + "\n".join(block) + tail)
    print("\n".join(block[1:-1]))


if __name__ == "__main__":
    main()
