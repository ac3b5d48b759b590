"""Benchmark the run store: record one large run, in one transaction, on SQLite and PostgreSQL.

    python benchmarks/store.py [--reps 20000] [--months 12] [--seed 1] [--db URL ...]

Generates the data once (cached under ``benchmarks/data/``, shared with ``run.py``),
calculates it once with relationship-first (five components), then records the run into a
new, empty store per database: a temporary SQLite file, and a fresh schema of the
PostgreSQL server at 127.0.0.1:5432 (database ``test``) when it answers. It prints the time
to record (run row, payout lines, measures and audit steps in one transaction) and to read
the run back with ``export``, and checks the export is byte-identical to the run's files.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from compengine.data.inputs import load_inputs
from compengine.engine.calculate import calculate
from compengine.generate import generate
from compengine.outputs import write_run
from compengine.plan.load import load_plan
from compengine.store.db import open_store
from compengine.store.export import export_run
from compengine.store.write import record_run

HERE = Path(__file__).resolve().parent
PLAN = HERE.parent / "plans" / "relationship-first.yaml"


@contextmanager
def stores(folder: Path, urls: list[str]) -> Iterator[list[str]]:
    """The stores to time: ``urls`` if given, else a new SQLite file and a new PG schema."""
    sys.path.insert(0, str(HERE.parent))  # the tests' PostgreSQL settings
    from tests.pg import PG, pg_user

    if urls:
        yield urls
        return
    found = [f"sqlite:///{folder / 'store.db'}"]
    user, schema = pg_user(), f"bench_{uuid.uuid4().hex[:8]}"
    if user is not None:
        with psycopg.connect(**PG, user=user, autocommit=True) as connection:  # type: ignore[arg-type]
            connection.execute(f"CREATE SCHEMA {schema}")
        found.append(
            f"postgresql+psycopg://{user}@{PG['host']}:{PG['port']}/{PG['dbname']}"
            f"?options=-csearch_path%3D{schema}"
        )
    try:
        yield found
    finally:
        if user is not None:
            with psycopg.connect(**PG, user=user, autocommit=True) as connection:  # type: ignore[arg-type]
                connection.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    """Time recording and exporting one large run on each store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", action="append", default=[], help="a store URL (repeatable)")
    args = parser.parse_args()

    loaded = load_plan(PLAN)
    data = HERE / "data" / f"{args.reps}x{args.months}-seed{args.seed}"
    if not (data / "reps.csv").exists():
        behaviours = list(loaded.plan.report_card.behaviours) if loaded.plan.report_card else []
        generate(data, reps=args.reps, months=args.months, seed=args.seed,
                 behaviours=behaviours, start="2027-01")  # fmt: skip
    began = time.perf_counter()
    inputs = load_inputs(data, loaded.plan)
    result = calculate(loaded.plan, inputs)
    calculated = time.perf_counter() - began
    rows = result.payouts.height
    lines = rows * (result.payouts.width - 2)
    values = rows * (result.measures.width - 2)
    print(
        f"{args.reps:,} reps x {args.months} months, {len(loaded.plan.components)} components: "
        f"{rows:,} rows, {lines:,} payout lines, {values:,} measure values, {rows:,} audit rows "
        f"(load and calculate {calculated:.1f} s; {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f})"
    )
    print(f"{'store':<12} {'record':>9} {'payout lines/s':>15} {'export':>9}  byte-identical")
    with tempfile.TemporaryDirectory() as temporary, stores(Path(temporary), args.db) as urls:
        folder = Path(temporary)
        for i, url in enumerate(urls):
            engine = open_store(url, create=True)
            timed: list[float] = []

            def keep(record: object, engine: object = engine, timed: list[float] = timed) -> None:
                started = datetime.now(UTC)
                began = time.perf_counter()
                record_run(engine, record, loaded, inputs, result, started)  # type: ignore[arg-type]
                timed.append(time.perf_counter() - began)

            out = folder / f"out{i}"
            record = write_run(out, loaded, inputs, result, keep=keep)
            began = time.perf_counter()
            export_run(engine, record.run_id, folder / f"export{i}")
            exported = time.perf_counter() - began
            same = all(
                (out / n).read_bytes() == (folder / f"export{i}" / n).read_bytes()
                for n in ("payouts.csv", "measures.csv", "manifest.json")
            )
            engine.dispose()
            rate = lines / timed[0]
            print(
                f"{engine.dialect.name:<12} {timed[0]:>8.2f}s {rate:>15,.0f} "
                f"{exported:>8.2f}s  {'yes' if same else 'NO'}"
            )


if __name__ == "__main__":
    main()
