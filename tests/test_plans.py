"""Every plan in plans/ runs on the shipped demo data, and its totals add up.

The demo data is ``fixtures/demo`` (graded on the relationship-first report card), or
``fixtures/demo-<plan>`` for a plan whose report card lists other behaviours (grades on
behaviours a plan does not list are an error, so one folder cannot serve every card).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compengine.cli import app
from compengine.generate import TABLE_ORDER
from tests.conftest import PLANS, ROOT

FIXTURES = ROOT / "fixtures"
ALL_PLANS = sorted(PLANS.glob("*.yaml"))
# How the demo folders were made (see fixtures/demo/README.md).
DEMO_SIZE = ["--reps", "40", "--months", "6", "--seed", "7"]


def demo_for(plan: Path) -> Path:
    """The demo data folder a plan runs on."""
    own = FIXTURES / f"demo-{plan.stem}"
    return own if own.is_dir() else FIXTURES / "demo"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_it_should_run_the_readme_s_plan_on_the_demo_data(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    text = readme.split("## A plan in one screen")[1].split("```yaml\n")[1].split("```")[0]
    plan = tmp_path / "my-plan.yaml"
    plan.write_text(text)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["run", str(plan), "--data", str(FIXTURES / "demo"), "--out", str(out),
         "--no-audit-xlsx", "--db", str(tmp_path / "runs.db")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = _rows(out / "payouts.csv")
    assert list(rows[0])[2:] == ["revenue_commission", "relationship_bonus", "adjustments", "total"]


@pytest.mark.parametrize("plan", ALL_PLANS, ids=lambda p: p.stem)
def test_it_should_run_every_plan_on_the_demo_data_with_totals_that_add_up(
    plan: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["run", str(plan), "--data", str(demo_for(plan)), "--out", str(out), "--no-audit-xlsx",
         "--db", str(tmp_path / "runs.db")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payouts = _rows(out / "payouts.csv")
    assert payouts
    components = list(payouts[0])[2:-2]
    assert components
    for row in payouts:
        parts = sum((Decimal(row[c]) for c in components), Decimal(0))
        assert Decimal(row["total"]) == parts + Decimal(row["adjustments"]), row
    # Every adjustment of the data lands in some row: all of them fall inside the run.
    paid = sum((Decimal(r["adjustments"]) for r in payouts), Decimal(0))
    given = _rows(demo_for(plan) / "adjustments.csv")
    assert paid == sum((Decimal(r["amount"]) for r in given), Decimal(0))


@pytest.mark.parametrize("folder", sorted(FIXTURES.glob("demo*")), ids=lambda p: p.name)
def test_it_should_ship_demo_data_that_the_generate_command_reproduces(
    folder: Path, tmp_path: Path
) -> None:
    plan = PLANS / f"{folder.name.removeprefix('demo-')}.yaml"
    if folder.name == "demo":
        plan = PLANS / "relationship-first.yaml"
    result = CliRunner().invoke(app, ["generate", str(tmp_path), *DEMO_SIZE, "--plan", str(plan)])
    assert result.exit_code == 0, result.output
    for table in TABLE_ORDER:
        name = f"{table}.csv"
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes(), name
