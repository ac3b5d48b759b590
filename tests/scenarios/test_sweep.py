"""Sweep values: exact decimal steps, STOP included, and a sweep on top of --set changes."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console

from compengine.errors import PlanError
from compengine.plan.load import load_plan
from compengine.scenarios.report import sweep_summary
from compengine.scenarios.sweep import MAX_POINTS, Sweep, parse_vary, run_sweep
from tests.conftest import EXAMPLES, PLANS
from tests.scenarios.test_compare import account_growth_paid


def test_it_should_step_exactly_and_include_the_stop() -> None:
    path, values = parse_vary("components.relationship_bonus.target_share=0.1:0.4:0.05")
    assert path == "components.relationship_bonus.target_share"
    assert values == [Decimal(v) for v in ("0.1", "0.15", "0.2", "0.25", "0.3", "0.35", "0.4")]


def test_it_should_stop_before_a_stop_that_is_not_on_a_step() -> None:
    assert parse_vary("decimals=0:5:2")[1] == [0, 2, 4]


def test_it_should_refuse_more_values_than_a_chart_can_show() -> None:
    with pytest.raises(PlanError, match=f"at most {MAX_POINTS}"):
        parse_vary("version=1:1000:1")


def test_it_should_refuse_a_malformed_path_before_any_value() -> None:
    with pytest.raises(PlanError) as caught:
        parse_vary("components..x=1:2:1")
    assert caught.value.messages[0].startswith(
        "--vary components..x=1:2:1: 'components..x' is not a key path."
    )


def test_it_should_name_a_key_the_plan_lacks_once_not_per_value() -> None:
    loaded = load_plan(PLANS / "relationship-first.yaml")
    with pytest.raises(PlanError) as caught:
        run_sweep(loaded, EXAMPLES / "small" / "data", "components.nope.rate=0.1:0.5:0.1")
    [message] = caught.value.messages
    assert "--vary components.nope.rate=0.1, components.nope.rate: unknown name 'nope'" in message


def _growth_sweep(change: str) -> Sweep:
    """relationship-first on the small example, account_growth.rate 0.01 and 0.02, with
    ``--set change``."""
    loaded = load_plan(PLANS / "relationship-first.yaml")
    vary = "components.account_growth.rate=0.01:0.02:0.01"
    return run_sweep(loaded, EXAMPLES / "small" / "data", vary, sets=[change])


def test_it_should_sweep_a_plan_changed_by_set() -> None:
    sweep = _growth_sweep("components.relationship_bonus.target_share=0.3")
    assert sweep.current == Decimal("0.01")
    assert sweep.table["value"].to_list() == ["0.01", "0.02"]
    bonus = sweep.table["relationship_bonus"].to_list()
    assert bonus[0] == bonus[1]  # the --set share holds for every value
    growth = [Decimal(v).scaleb(-2) for v in sweep.table["account_growth"].to_list()]
    expected = EXAMPLES / "small" / "expected-relationship-first"
    with (expected / "payouts.csv").open(newline="") as f:
        assert growth[0] == sum(Decimal(r["account_growth"]) for r in csv.DictReader(f))
    with (expected / "measures.csv").open(newline="") as f:
        doubled = sum(
            account_growth_paid(Decimal(r["existing_revenue"]), Decimal("0.02"), r["recovery"])
            for r in csv.DictReader(f)
        )
    assert growth[1] == doubled
    # the summary names the --set changes every value's plan has, and marks the plan's value
    console = Console(width=200, record=True)
    console.print(sweep_summary(sweep))
    shown = " ".join(console.export_text().split())  # the title wraps at the table's width
    assert shown.startswith(
        "relationship-first, with --set components.relationship_bonus.target_share=0.3: "
        "components.account_growth.rate (USD)"
    )
    assert "0.01 (plan)" in shown


def test_it_should_refuse_a_component_named_like_a_column_of_the_sweep_table(
    tmp_path: Path,
) -> None:
    text = (PLANS / "relationship-first.yaml").read_text().replace("account_growth", "value")
    (tmp_path / "plan.yaml").write_text(text)
    with pytest.raises(PlanError, match="component value is named like a column"):
        run_sweep(
            load_plan(tmp_path / "plan.yaml"),
            EXAMPLES / "small" / "data",
            "components.relationship_bonus.target_share=0.2:0.3:0.1",
        )


def test_it_should_refuse_a_set_of_the_key_the_sweep_varies() -> None:
    loaded = load_plan(PLANS / "relationship-first.yaml")
    with pytest.raises(PlanError) as refused:
        run_sweep(
            loaded,
            EXAMPLES / "small" / "data",
            "components.account_growth.rate=0.01:0.02:0.01",
            sets=[
                "components.account_growth.rate = 0.05",
                "components.revenue_commission.tiers[00].rate=1",
            ],
        )
    assert refused.value.messages == [
        f"{loaded.path} --set components.account_growth.rate = 0.05: --vary sets "
        "components.account_growth.rate too. Hint: leave it to --vary."
    ]
    with pytest.raises(PlanError, match=r"tiers\[00\]\.rate=1: --vary sets"):
        run_sweep(
            loaded,
            EXAMPLES / "small" / "data",
            "components.revenue_commission.tiers[0].rate=0.01:0.02:0.01",
            sets=["components.revenue_commission.tiers[00].rate=1"],
        )


def test_it_should_show_a_set_as_written_not_as_markup() -> None:
    sweep = _growth_sweep("measures.existing_revenue.where.deal_type=[existing, new]")
    console = Console(width=300, record=True)
    console.print(sweep_summary(sweep))
    assert "where.deal_type=[existing, new]:" in console.export_text()
