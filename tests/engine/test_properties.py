"""Invariants of the engine that hold for any valid plan and data (hypothesis)."""

from __future__ import annotations

import csv
import itertools
import random
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compengine.data.inputs import load_inputs
from compengine.engine.calculate import Result, calculate
from compengine.outputs import write_run
from compengine.plan.load import parse_plan
from compengine.plan.models import Plan
from tests.strategies import DataCase, cases, data_cases, parse, yaml_text

PROPERTY = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

REVENUE_PLAN = parse(
    yaml_text({
        "plan": "revenue", "version": 1, "period": "month", "currency": "USD",
        "measures": {"revenue": {"sum": "transactions.amount"}},
        "components": {"commission": {"commission": "revenue", "rate": Decimal("0.05")}},
    })
)  # fmt: skip


def _calculate(plan: Plan, data: DataCase, folder: Path) -> Result:
    window = data.window or (None, None)
    inputs = load_inputs(data.write(folder), plan, *window)
    return calculate(plan, inputs)


def _values(result: Result, column: str) -> list[Decimal]:
    scale = result.scales[column]
    return [Decimal(v).scaleb(-scale) for v in result.steps[column].to_list()]


def _write(plan_text: str, data: Path, out: Path, window: tuple[str, str] | None) -> None:
    """Load, calculate and write the outputs in process, as ``compengine run`` does."""
    loaded = parse_plan(plan_text, out.parent / f"{out.name}.yaml")
    inputs = load_inputs(data, loaded.plan, *(window or (None, None)))
    write_run(out, loaded, inputs, calculate(loaded.plan, inputs))


def _outputs(out: Path) -> tuple[bytes, bytes]:
    return (out / "payouts.csv").read_bytes(), (out / "measures.csv").read_bytes()


@PROPERTY
@given(case=cases())
def test_it_should_never_pay_a_capped_component_more_than_its_cap(
    case: tuple[str, Plan, DataCase],
) -> None:
    _, plan, data = case
    with tempfile.TemporaryDirectory() as tmp:
        result = _calculate(plan, data, Path(tmp))
    targets = _values(result, "period_target")
    for name, component in plan.components.items():
        capped = _values(result, f"component:{name}:capped")
        for target, amount in zip(targets, capped, strict=True):
            if component.cap_amount is not None:
                assert amount <= component.cap_amount, (name, amount)
            if component.cap_target_multiple is not None:
                assert amount <= component.cap_target_multiple * target, (name, amount, target)


@PROPERTY
@given(data=data_cases(REVENUE_PLAN))
def test_it_should_credit_the_whole_amount_of_a_split_transaction(data: DataCase) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = _calculate(REVENUE_PLAN, data, Path(tmp))
    amounts: dict[str, tuple[int, Decimal]] = {}
    for row in data.tables["transactions"]:
        year, month = int(row["date"][:4]), int(row["date"][5:7])
        amounts[row["txn_id"]] = (year * 12 + month - 1, Decimal(row["amount"]))
    credited: dict[int, Decimal] = {}
    for period, revenue in zip(
        result.steps["period"].to_list(), _values(result, "measure:revenue"), strict=True
    ):
        credited[period] = credited.get(period, Decimal(0)) + revenue
    for period, total in credited.items():
        whole = sum((a for p, a in amounts.values() if p == period), Decimal(0))
        assert total == whole, (period, total, whole)


RATES = st.sampled_from(["0", "0.01", "0.03", "0.05", "0.08", "0.5", "1"]).map(Decimal)
STARTS = st.sampled_from(["0.25", "0.5", "0.8", "1", "1.5", "2"]).map(Decimal)
AMOUNTS = st.integers(-500000, 5000000).map(lambda cents: Decimal(cents).scaleb(-2))


@PROPERTY
@given(
    starts=st.lists(STARTS, max_size=3, unique=True).map(sorted),
    rates=st.lists(RATES, min_size=4, max_size=4),
    quota=st.sampled_from(["1", "3000", "10000", "7500.50"]),
    amounts=st.lists(AMOUNTS, min_size=2, max_size=8),
)
def test_it_should_never_pay_less_marginal_commission_for_more_revenue(
    starts: list[Decimal], rates: list[Decimal], quota: str, amounts: list[Decimal]
) -> None:
    tiers = [{"from": s, "rate": r} for s, r in zip([Decimal(0), *starts], rates, strict=False)]
    plan = parse(yaml_text({
        "plan": "marginal", "version": 1, "period": "month", "currency": "USD",
        "measures": {"revenue": {"sum": "transactions.amount"}},
        "components": {"commission": {"commission": "revenue", "tiers": tiers}},
    }))  # fmt: skip
    reps = [f"R{i}" for i in range(len(amounts))]
    data = DataCase(tables={
        "reps": [{"rep_id": r, "name": r, "manager_id": "", "hire_date": "2020-01-01",
                  "termination_date": "", "target_incentive": "12000"} for r in reps],
        "quotas": [{"rep_id": r, "period": "2027-01", "quota": quota} for r in reps],
        "transactions": [{"txn_id": f"T{i}", "rep_id": r, "account_id": "A1",
                          "date": "2027-01-15", "amount": f"{a:f}", "deal_type": "", "split": ""}
                         for i, (r, a) in enumerate(zip(reps, amounts, strict=True))],
    })  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        result = _calculate(plan, data, Path(tmp))
    pairs = sorted(
        zip(_values(result, "measure:revenue"), _values(result, "component:commission:base"),
            strict=True)
    )  # fmt: skip
    for (low_revenue, low_pay), (high_revenue, high_pay) in itertools.pairwise(pairs):
        assert low_pay <= high_pay, (low_revenue, low_pay, high_revenue, high_pay)


@settings(PROPERTY, max_examples=20)
@given(case=cases())
def test_it_should_write_byte_identical_outputs_for_the_same_inputs(
    case: tuple[str, Plan, DataCase],
) -> None:
    text, _, data = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = data.write(Path(tmp) / "data")
        _write(text, folder, Path(tmp) / "first", data.window)
        _write(text, folder, Path(tmp) / "second", data.window)
        assert _outputs(Path(tmp) / "first") == _outputs(Path(tmp) / "second")


def _shuffled(folder: Path, into: Path, rng: random.Random) -> Path:
    into.mkdir()
    for path in folder.iterdir():
        with path.open(newline="", encoding="utf-8") as f:
            header, *rows = list(csv.reader(f))
        rng.shuffle(rows)
        with (into / path.name).open("w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows([header, *rows])
    return into


@settings(PROPERTY, max_examples=20)
@given(case=cases(), rng=st.randoms(use_true_random=False))
def test_it_should_write_byte_identical_outputs_for_shuffled_input_rows(
    case: tuple[str, Plan, DataCase], rng: random.Random
) -> None:
    text, _, data = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = data.write(Path(tmp) / "data")
        shuffled = _shuffled(folder, Path(tmp) / "shuffled", rng)
        _write(text, folder, Path(tmp) / "first", data.window)
        _write(text, shuffled, Path(tmp) / "second", data.window)
        assert _outputs(Path(tmp) / "first") == _outputs(Path(tmp) / "second")
