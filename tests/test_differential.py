"""The engine against the slow reference, on the spec's examples and on random plans and data.

The engine runs in process (load, calculate, write the output files) without recording the
run in a store, so thousands of generated runs leave nothing behind.

Payouts must be identical as text; measures equal as numbers (the engine writes each value at
its working scale, the reference writes the exact decimal).
"""

from __future__ import annotations

import csv
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from compengine.data.inputs import load_inputs
from compengine.engine.calculate import calculate
from compengine.outputs import write_run
from compengine.plan.load import load_plan, parse_plan
from compengine.plan.models import Plan
from tests.conftest import EXAMPLES, PLANS
from tests.reference import ReferenceResult, run_reference
from tests.strategies import DataCase, cases, parse, yaml_text

EXAMPLE_CASES = [
    (folder.parent.name, folder.name.removeprefix("expected-"))
    for folder in sorted(EXAMPLES.glob("*/expected-*"))
]


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as f:
        return list(csv.reader(f))


def _assert_same_measures(got: list[list[str]], want: list[list[str]]) -> None:
    assert got[0] == want[0]
    assert [r[:2] for r in got] == [r[:2] for r in want]
    for got_row, want_row in zip(got[1:], want[1:], strict=True):
        for g, w in zip(got_row[2:], want_row[2:], strict=True):
            assert (g == "") == (w == ""), (got_row, want_row)
            if g:
                assert Decimal(g) == Decimal(w), (got_row, want_row)


def _run_engine(plan_text: str, data: DataCase, folder: Path) -> Path:
    """Load, calculate and write the outputs in process, as ``compengine run`` does."""
    loaded = parse_plan(plan_text, folder / "plan.yaml")
    window = data.window or (None, None)
    inputs = load_inputs(data.write(folder / "data"), loaded.plan, *window)
    out = folder / "out"
    write_run(out, loaded, inputs, calculate(loaded.plan, inputs))
    return out


@pytest.mark.parametrize(("example", "plan"), EXAMPLE_CASES)
def test_it_should_reproduce_the_spec_examples_exactly(example: str, plan: str) -> None:
    reference = run_reference(load_plan(PLANS / f"{plan}.yaml").plan, EXAMPLES / example / "data")
    expected = EXAMPLES / example / f"expected-{plan}"
    assert reference.payouts == _rows(expected / "payouts.csv")
    _assert_same_measures(reference.measures, _rows(expected / "measures.csv"))


def check_against_reference(plan_text: str, plan: Plan, data: DataCase) -> None:
    """Run the engine's CLI and the reference on one case and compare their outputs."""
    with tempfile.TemporaryDirectory() as tmp:
        out = _run_engine(plan_text, data, Path(tmp))
        window = data.window or (None, None)
        reference: ReferenceResult = run_reference(plan, Path(tmp) / "data", *window)
        assert _rows(out / "payouts.csv") == reference.payouts
        _assert_same_measures(_rows(out / "measures.csv"), reference.measures)


def test_it_should_read_a_curve_point_written_with_more_than_6_places_at_6_places() -> None:
    # period_target 1000000 / 12 = 83333.333333 (decimals 6); at and below the first point the
    # curve reads y = 0.33333333 as 0.333333 (the curve's value has 6 places everywhere):
    # 83333.333333 * 0.333333 = 27777.7499998888... -> 27777.750000 (not 27777.777500).
    # Above the last point, 1.1234567 reads as 1.123457: 83333.333333 * 1.123457 =
    # 93621.41666629... -> 93621.416666.
    plan_text = yaml_text({
        "plan": "curve", "version": 1, "period": "month", "currency": "USD", "decimals": 6,
        "measures": {"revenue": {"sum": "transactions.amount"}},
        "components": {"bonus": {"bonus": "revenue", "target_share": Decimal(1),
                                 "curve": [[Decimal(1), Decimal("0.33333333")],
                                           [Decimal(2), Decimal("1.1234567")]]}},
    })  # fmt: skip
    data = DataCase(tables={
        "reps": [{"rep_id": "R0", "name": "R0", "manager_id": "", "hire_date": "2020-01-01",
                  "termination_date": "", "target_incentive": "1000000"}],
        "transactions": [
            {"txn_id": f"T{i}", "rep_id": "R0", "account_id": "A1", "date": day,
             "amount": amount, "deal_type": "", "split": ""}
            for i, (day, amount) in enumerate([("2027-01-05", "1"), ("2027-02-05", "5")])
        ],
    })  # fmt: skip
    check_against_reference(plan_text, parse(plan_text), data)
    with tempfile.TemporaryDirectory() as tmp:
        out = _run_engine(plan_text, data, Path(tmp))
        assert [row[2] for row in _rows(out / "payouts.csv")[1:]] == [
            "27777.750000",
            "93621.416666",
        ]


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases())
def test_it_should_pay_what_the_reference_pays_on_random_plans_and_data(
    case: tuple[str, Plan, DataCase],
) -> None:
    check_against_reference(*case)
