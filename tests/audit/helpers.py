"""Run a plan on a data folder and write its outputs with the audit workbook, for the tests."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from compengine.audit.rerun import Reopened
from compengine.audit.workbook import AuditWriter
from compengine.data.inputs import load_inputs
from compengine.engine.calculate import calculate
from compengine.outputs import new_run_id, write_run
from compengine.plan.load import load_plan
from tests.conftest import EXAMPLES, PLANS


def run_with_workbook(
    plan: Path,
    data: Path,
    out: Path,
    period_from: str | None = None,
    period_to: str | None = None,
) -> int:
    """Write payouts.csv, measures.csv, manifest.json and audit.xlsx; return the decimals."""
    return write_run_of(calculate_run(plan, data, period_from, period_to), out)


def finished_run(root: Path) -> Path:
    """A finished run of relationship-first on a copy of the small example's data.

    ``root`` gets ``plan.yaml``, ``data/`` and the run's ``out/``; returns ``root``.
    """
    data = shutil.copytree(EXAMPLES / "small" / "data", root / "data")
    plan = shutil.copy(PLANS / "relationship-first.yaml", root / "plan.yaml")
    run_with_workbook(Path(plan), data, root / "out")
    return root


def calculate_run(
    plan: Path, data: Path, period_from: str | None = None, period_to: str | None = None
) -> Reopened:
    """The calculated run of ``plan`` on ``data``, as ``explain`` and ``audit`` see it."""
    loaded = load_plan(plan)
    inputs = load_inputs(data, loaded.plan, period_from, period_to)
    return Reopened({}, loaded, inputs, calculate(loaded.plan, inputs), data)


def write_run_of(run: Reopened, out: Path) -> int:
    """Write the run's outputs with its workbook into ``out``; return the decimals."""
    run_id = new_run_id()
    write_run(
        out, run.loaded, run.inputs, run.result, run_id=run_id,
        extra={"audit.xlsx": AuditWriter(run.loaded, run.inputs, run.result, run_id)},
    )  # fmt: skip
    return run.loaded.plan.decimals


def every_rep(run: Reopened) -> list[str]:
    """Every rep with a row in the run."""
    return sorted(run.result.steps["rep_id"].unique().to_list())


def csv_rows(path: Path) -> list[list[str]]:
    """The rows of a CSV file as text."""
    with path.open(newline="") as f:
        return list(csv.reader(f))


def write_tables(folder: Path, tables: dict[str, list[str]]) -> Path:
    """Write each table's CSV lines (header first) as ``<table>.csv`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in tables.items():
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n")
    return folder
