"""Benchmark ``compengine run`` side by side with the same plans written by hand.

    python benchmarks/run.py [--sizes 1000,20000,100000] [--months 12] [--seed 1] [--runs 3]
                             [--record]

A size may carry its own number of runs after a colon: ``--sizes 1000,20000,100000:1``.

For each size (reps x months) and each plan that has hand-written versions, generates the
data once (``compengine generate``, cached under ``benchmarks/data/``), then times each
command in its own process, on the same data, so that the peak resident memory read from
``wait4`` is that process's own:

- ``compengine run PLAN --no-audit-xlsx``, recording into a SQLite run store made beforehand;
- the same run's stages without the store (``phases.py --no-store``);
- the plan hand-written as one polars query and in DuckDB SQL (floats, no validation);
- the row-by-row reference of ``tests/reference.py``, once, up to ``--reference-reps`` reps.

The package's modules are byte-compiled first, as an installed package's are.

Checks that every command pays the totals compengine pays (the reference to the cent, the
hand-written queries within a few cents: they add floats), then prints the table; with
``--record`` (``make bench``) it also writes it in Markdown and CSV under
``benchmarks/results/`` and the Markdown into ``benchmarks/README.md`` between the result
markers, replacing the figures there.
"""

from __future__ import annotations

import argparse
import compileall
import csv
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
README = HERE / "README.md"
RESULTS = HERE / "results"
BEGIN, END = "<!-- results: begin -->", "<!-- results: end -->"
TOLERANCE = Decimal("0.05")  # five rounded components, each within a cent
RUN, STAGES, POLARS, DUCKDB, REFERENCE = (
    "compengine run --no-audit-xlsx",
    "compengine stages without the store",
    "handwritten polars query",
    "handwritten DuckDB SQL",
    "row-by-row reference (tests/reference.py)",
)
# The plans benchmarked: each with its hand-written polars query and DuckDB SQL (a script
# and its arguments before --data and --out).
PLANS = {
    "relationship-first": (["handwritten.py"], ["handwritten_duckdb.py"]),
    "account-manager-quarterly": (
        ["handwritten_quarterly.py", "--plan", "account-manager-quarterly"],
        ["handwritten_quarterly_duckdb.py", "--plan", "account-manager-quarterly"],
    ),
    "weighted-scorecard": (
        ["handwritten_quarterly.py", "--plan", "weighted-scorecard"],
        ["handwritten_quarterly_duckdb.py", "--plan", "weighted-scorecard"],
    ),
}


@dataclass(frozen=True)
class Timing:
    """Wall time and peak resident memory of one process."""

    seconds: float
    peak_mb: float


@dataclass
class Command:
    """One benchmarked command: how to start it, where it writes its payouts, its timings."""

    name: str
    argv: Callable[[], list[str]]
    payouts: Path
    runs: int
    timings: list[Timing] = field(default_factory=list)
    log: Path = Path()

    @property
    def median(self) -> float:
        """Median wall time of the runs."""
        return statistics.median(t.seconds for t in self.timings)

    @property
    def peak(self) -> float:
        """Largest peak RSS of the runs, in MB."""
        return max(t.peak_mb for t in self.timings)


@dataclass
class Case:
    """One plan at one size: the data, its counts, the commands and how they compare."""

    reps: int
    months: int
    plan: str
    data: Path
    generated: float
    commands: list[Command]
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()
    checks: dict[str, str] = field(default_factory=dict)
    steps: list[dict[str, float | str]] = field(default_factory=list)

    def command(self, name: str) -> Command:
        """The command of that name."""
        return next(c for c in self.commands if c.name == name)

    def step(self, name: str) -> str:
        """One step's wall time and peak RSS in the stages run, or nothing if it has none."""
        found = [s for s in self.steps if s["step"] == name]
        return "".join(f"{float(s['seconds']):.2f} s, {float(s['peak_mb']):.0f} MB" for s in found)


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


def data_folder(plan: Path, reps: int, months: int, seed: int) -> tuple[Path, float]:
    """The cached data folder, generated first if needed, and how long generating it took.

    The folder's name carries a digest of the generator and of the plan's report-card
    behaviours (the grades use them), so a changed generator makes new data and plans with
    the same behaviours share it.
    """
    behaviours = list(yaml.safe_load(plan.read_text()).get("report_card", {}).get("behaviours"))
    engine = ROOT / "compengine"
    digest = hashlib.sha256()
    for source in sorted([*engine.glob("generate.py"), *engine.glob("generate/**/*.py")]):
        digest.update(source.read_bytes())
    digest.update(json.dumps(behaviours).encode())
    folder = HERE / "data" / f"{reps}x{months}-seed{seed}-{digest.hexdigest()[:8]}"
    done = folder / ".complete"
    if done.exists():  # it holds the generation time
        return folder, float(done.read_text() or "nan")
    folder.mkdir(parents=True, exist_ok=True)
    generate = [str(BIN / "compengine"), "generate", str(folder), "--reps", str(reps)]
    generate += ["--months", str(months), "--seed", str(seed), "--plan", str(plan)]
    timing = timed(generate, folder / "generate.log")
    done.write_text(f"{timing.seconds:.2f}\n")
    return folder, timing.seconds


def totals(path: Path) -> dict[tuple[str, str], Decimal]:
    """Each (rep_id, period) row's total in a payouts file."""
    with path.open(newline="") as f:
        return {(r["rep_id"], r["period"]): Decimal(r["total"]) for r in csv.DictReader(f)}


def compare(ours: dict[tuple[str, str], Decimal], path: Path, exact: bool) -> str:
    """How a command's payouts compare with compengine's; exits if they differ too much."""
    theirs = totals(path)
    if ours.keys() != theirs.keys():
        sys.exit(f"{path}: the rows differ from compengine's: {len(ours.keys() ^ theirs.keys())}")
    worst = max((abs(ours[k] - theirs[k]) for k in ours), default=Decimal(0))
    grand = abs(sum(ours.values(), Decimal(0)) - sum(theirs.values(), Decimal(0)))
    if worst > (Decimal(0) if exact else TOLERANCE):
        sys.exit(f"{path}: a row's total differs from compengine's by {worst}")
    if worst == 0:
        return "same to the cent"
    return f"row within {worst}, grand total within {grand}"


def machine() -> list[str]:
    """nproc, memory, CPU model, versions."""
    import duckdb
    import polars as pl

    info = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in info if "model name" in line), "?")
    memory = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )  # fmt: skip
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores (nproc)",
        f"- memory: {int(memory) / 1024**2:.1f} GiB",
        f"- Python {platform.python_version()}, polars {pl.__version__}, "
        f"DuckDB {duckdb.__version__}, {platform.system()}",
    ]


def revision() -> str:
    """The commit measured, and the engine's files changed in the working tree since."""

    def git(*words: str) -> str:  # empty outside a git checkout
        done = subprocess.run(["git", "-C", str(ROOT), *words], capture_output=True, text=True,
                              check=False)  # fmt: skip
        return done.stdout

    head = git("rev-parse", "--short", "HEAD")
    changed = git("status", "--porcelain", "--", "compengine").split("\n")
    files = sorted(line[3:] for line in changed if line.strip())
    code = f"- code: commit {head.strip() or '?'}"
    return code + (f", with uncommitted changes to {', '.join(files)}" if files else "")


def case(plan: str, reps: int, runs: int, args: argparse.Namespace) -> Case:
    """Set up the commands of one plan at one size (generating its data if needed)."""
    path = ROOT / "plans" / f"{plan}.yaml"
    data, generated = data_folder(path, reps, args.months, args.seed)
    out = RESULTS / f"{reps}x{args.months}" / plan
    out.mkdir(parents=True, exist_ok=True)
    polars_query, duckdb_query = PLANS[plan]

    # One run store for the case, created and migrated before the timings, as finance's
    # store would be: each run is recorded in it after the ones before.
    store = out / "runs.db"
    store.unlink(missing_ok=True)
    make = f"from compengine.store.db import open_store; open_store({str(store)!r}, create=True)"
    subprocess.run([str(BIN / "python"), "-c", make], check=True, capture_output=True)

    def handwritten(name: str, script: list[str], payouts: Path) -> Command:
        argv = [sys.executable, str(HERE / script[0]), *script[1:], "--data", str(data)]
        argv += ["--out", str(payouts)]
        return Command(name, lambda: argv, payouts, runs)

    run = [str(BIN / "compengine"), "run", str(path), "--data", str(data)]
    run += ["--out", str(out / "compengine"), "--no-audit-xlsx"]
    stages = [sys.executable, str(HERE / "phases.py"), "--plan", str(path), "--data", str(data)]
    stages += ["--out", str(out / "stages"), "--no-store"]
    commands = [
        Command(RUN, lambda: [*run, "--db", str(store)], out / "compengine" / "payouts.csv", runs),
        Command(STAGES, lambda: stages, out / "stages" / "payouts.csv", runs),
        handwritten(POLARS, polars_query, out / "polars.csv"),
        handwritten(DUCKDB, duckdb_query, out / "duckdb.csv"),
    ]
    if reps <= args.reference_reps:
        reference = [sys.executable, str(HERE / "reference.py"), "--plan", str(path)]
        reference += ["--data", str(data), "--out", str(out / "reference.csv")]
        commands.append(Command(REFERENCE, lambda: reference, out / "reference.csv", 1))
    return Case(reps, args.months, plan, data, generated, commands)


def measure(c: Case) -> None:
    """Time the commands, alternating, so that load drifts hit all of them."""
    c.load_before = os.getloadavg()
    out = RESULTS / f"{c.reps}x{c.months}" / c.plan
    for i in range(max(command.runs for command in c.commands)):
        for command in c.commands:
            if i < command.runs:
                command.log = out / f"run{i}-{command.name.split()[1]}.log"
                argv = command.argv()
                command.timings.append(timed(argv, command.log))
                print(
                    f"{c.reps:,} reps, {c.plan}, run {i + 1}/{command.runs}, {command.name}: "
                    f"{command.timings[-1].seconds:.2f} s, {command.timings[-1].peak_mb:.0f} MB",
                    flush=True,
                )
    c.load_after = os.getloadavg()


def check(c: Case) -> None:
    """Check what the commands paid against compengine's payouts (after every timing, so that
    this process stays small: a child's peak RSS starts from its parent's)."""
    c.steps = json.loads(c.command(STAGES).log.read_text().strip().splitlines()[-1])
    ours = totals(c.commands[0].payouts)
    for command in c.commands[1:]:
        exact = command.name not in (POLARS, DUCKDB)
        c.checks[command.name] = compare(ours, command.payouts, exact)
    c.checks[RUN] = f"{len(ours):,} rows (rep, period) paid"


def counts(data: Path) -> str:
    """Rows of the two largest tables."""
    import polars as pl

    rows = {
        t: pl.scan_csv(data / f"{t}.csv").select(pl.len()).collect().item()
        for t in ("transactions", "grades")
    }
    return f"{rows['transactions']:,} transactions, {rows['grades']:,} grades"


def targets(cases: list[Case]) -> list[str]:
    """The issue's targets, each met or not, with the gap and where the time goes."""
    lines = []
    for c in cases:
        run, polars, duck = c.command(RUN), c.command(POLARS), c.command(DUCKDB)
        stages = c.command(STAGES)
        where = (
            f"  - where the time goes: recording the run in the store about "
            f"{run.median - stages.median:.2f} s (the run less the same stages without the "
            f"store, {stages.median:.2f} s, themselves {stages.median / polars.median:.2f}x the "
            "polars query); of those stages, "
            + ", ".join(f"{s['step']} {float(s['seconds']):.2f} s" for s in c.steps)
            + "."
        )
        if c.reps == 20_000:
            allowed = 1.5 * polars.median
            ratio = run.median / polars.median
            met = "met" if ratio <= 1.5 else f"not met, {run.median - allowed:.2f} s over"
            lines.append(
                f"- 20,000 reps, {c.plan}: within 1.5x of the polars query ({allowed:.2f} s): "
                f"**{run.median:.2f} s, {ratio:.2f}x, {met}**."
            )
            faster = "met" if run.median < duck.median else (
                f"not met, {run.median - duck.median:.2f} s slower"
            )  # fmt: skip
            lines.append(
                f"- 20,000 reps, {c.plan}: faster than the DuckDB SQL ({duck.median:.2f} s): "
                f"**{run.median / duck.median:.2f}x, {faster}**."
            )
            lines.append(where)
        if c.reps == 100_000:
            fast = "met" if run.median < 30 else f"not met, {run.median - 30:.1f} s over"
            small = "met" if run.peak < 6144 else f"not met, {run.peak - 6144:.0f} MB over"
            lines.append(
                f"- 100,000 reps, {c.plan}: under 30 s: **{run.median:.1f} s, {fast}**; "
                f"under 6 GB peak RSS: **{run.peak / 1024:.2f} GB, {small}**."
            )
            lines.append(where)
    return lines


def report(
    cases: list[Case], started: datetime, seed: int, invocation: str
) -> tuple[list[str], list[list[str]]]:
    """The Markdown block and the CSV rows."""
    header = ["reps", "months", "plan", "command", "runs", "median_s", "runs_s", "x_polars_time",
              "peak_mb", "x_polars_memory", "check", "load_before", "load_after"]  # fmt: skip
    rows: list[list[str]] = [header]
    table = [
        "| reps x months | plan | command | wall time | runs (s) | time x polars | peak RSS | "
        "memory x polars | pays |",
        "| --- | --- | --- | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for c in cases:
        polars = c.command(POLARS)
        for command in c.commands:
            times = ", ".join(f"{t.seconds:.2f}" for t in command.timings)
            ratio, memory = command.median / polars.median, command.peak / polars.peak
            table.append(
                f"| {c.reps:,} x {c.months} | {c.plan} | {command.name} | {command.median:.2f} s "
                f"| {times} | {ratio:.2f}x | {command.peak:.0f} MB | {memory:.2f}x "
                f"| {c.checks[command.name]} |"
            )
            rows.append([
                str(c.reps), str(c.months), c.plan, command.name, str(len(command.timings)),
                f"{command.median:.3f}", " ".join(f"{t.seconds:.3f}" for t in command.timings),
                f"{ratio:.3f}", f"{command.peak:.0f}", f"{memory:.3f}", c.checks[command.name],
                " ".join(f"{x:.2f}" for x in c.load_before),
                " ".join(f"{x:.2f}" for x in c.load_after),
            ])  # fmt: skip
    names = [f"{c.reps:,} {c.plan}" for c in cases]
    steps = [str(s["step"]) for s in cases[0].steps] if cases else []
    step_table = [
        "| step | " + " | ".join(names) + " |",
        "| --- |" + " ---: |" * len(cases),
        *(f"| {step} | " + " | ".join(c.step(step) for c in cases) + " |" for step in steps),
    ]
    block = [
        f"Run {started:%Y-%m-%d %H:%M} UTC: `{invocation}`. Data from "
        f"`compengine generate --seed {seed}`:",
        "",
        *(
            f"- {c.reps:,} reps x {c.months} months, {c.plan}: {counts(c.data)}; generating "
            f"it took {c.generated:.1f} s."
            for c in cases
        ),
        "",
        *table,
        "",
        "Wall time is the median of the runs; peak RSS is the largest `ru_maxrss` of the "
        "runs (each process's own, from `wait4`); x polars: the ratio to the hand-written polars "
        "query. The reference runs once.",
        "",
        "Targets:",
        "",
        *(targets(cases) or ["- none at these sizes (they are set at 20,000 and 100,000 reps)"]),
        "",
        "Where the time goes without the store (last `phases.py --no-store` run: each step's "
        "wall time, and the peak RSS once it is done):",
        "",
        *step_table,
        "",
        *machine(),
        revision(),
        *(
            f"- load average (1, 5, 15 min) at {c.reps:,} reps, {c.plan}: before "
            f"{', '.join(f'{x:.2f}' for x in c.load_before)}; after "
            f"{', '.join(f'{x:.2f}' for x in c.load_after)}"
            for c in cases
        ),
    ]
    return block, rows


def main() -> None:
    """Generate (or reuse) the data, time every command, check them, write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="1000,20000,100000", help="reps, comma-separated, each maybe :RUNS"
    )
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="runs of each; the median is kept")
    parser.add_argument("--plans", default=",".join(PLANS), help="comma-separated")
    parser.add_argument(
        "--reference-reps", type=int, default=20_000, help="largest size the reference runs at"
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="write the table into benchmarks/results/ and benchmarks/README.md",
    )
    args = parser.parse_args()
    sizes = [(size + f":{args.runs}").split(":")[:2] for size in args.sizes.split(",")]
    plans = args.plans.split(",")
    unknown = sorted(set(plans) - set(PLANS))
    if unknown:
        sys.exit(f"no hand-written version of {', '.join(unknown)}; known: {', '.join(PLANS)}")
    started = datetime.now(UTC)
    # Byte-compiled, as an installed package is: where bytecode is not written
    # (PYTHONDONTWRITEBYTECODE), an editable install's modules would otherwise be compiled
    # again by every run, 0.1 s of its CPU.
    compileall.compile_dir(ROOT / "compengine", quiet=1)
    cases = [case(plan, int(reps), int(runs), args) for reps, runs in sizes for plan in plans]
    for c in cases:
        measure(c)
    for c in cases:
        check(c)
    invocation = " ".join(["python benchmarks/run.py", *sys.argv[1:]])
    block, rows = report(cases, started, args.seed, invocation)
    print("\n".join(block))
    if not args.record:
        return
    with (RESULTS / "results.csv").open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    (RESULTS / "results.md").write_text("\n".join(block) + "\n")
    text = README.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    README.write_text(head + "\n".join([BEGIN, *block, END]) + tail)


if __name__ == "__main__":
    main()
