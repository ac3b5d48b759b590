"""The engine against the slow reference, on the spec's examples and on random plans and data.

Payouts must be identical as text; measures equal as numbers (the engine writes each value at
its working scale, the reference writes the exact decimal).
"""

from __future__ import annotations

import csv
import tempfile
import traceback
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from compengine.cli import app
from compengine.plan.load import load_plan
from compengine.plan.models import Plan
from tests.conftest import EXAMPLES, PLANS
from tests.reference import ReferenceResult, run_reference
from tests.strategies import DataCase, cases

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


def _run_engine(plan_text: str, data: DataCase, folder: Path) -> tuple[int, str, Path]:
    plan_path = folder / "plan.yaml"
    plan_path.write_text(plan_text, encoding="utf-8")
    data_dir = data.write(folder / "data")
    out = folder / "out"
    args = ["run", str(plan_path), "--data", str(data_dir), "--out", str(out), "--no-audit-xlsx"]
    if data.window is not None:
        args += ["--from", data.window[0], "--to", data.window[1]]
    result = CliRunner().invoke(app, args)
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        output += "".join(traceback.format_exception(result.exception))
    return result.exit_code, output, out


@pytest.mark.parametrize(("example", "plan"), EXAMPLE_CASES)
def test_it_should_reproduce_the_spec_examples_exactly(example: str, plan: str) -> None:
    reference = run_reference(load_plan(PLANS / f"{plan}.yaml").plan, EXAMPLES / example / "data")
    expected = EXAMPLES / example / f"expected-{plan}"
    assert reference.payouts == _rows(expected / "payouts.csv")
    _assert_same_measures(reference.measures, _rows(expected / "measures.csv"))


def check_against_reference(plan_text: str, plan: Plan, data: DataCase) -> None:
    """Run the engine's CLI and the reference on one case and compare their outputs."""
    with tempfile.TemporaryDirectory() as tmp:
        code, output, out = _run_engine(plan_text, data, Path(tmp))
        assert code == 0, output
        window = data.window or (None, None)
        reference: ReferenceResult = run_reference(plan, Path(tmp) / "data", *window)
        assert _rows(out / "payouts.csv") == reference.payouts
        _assert_same_measures(_rows(out / "measures.csv"), reference.measures)


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
