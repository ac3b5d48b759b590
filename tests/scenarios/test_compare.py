"""Comparing two plans on the same data: exact differences, bands and relationship pay."""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest

from compengine.data import inputs as data_inputs
from compengine.engine.calculate import calculate
from compengine.errors import PlanError, Reason
from compengine.plan.load import LoadedPlan, load_plan
from compengine.plan.overrides import apply_overrides
from compengine.scenarios import compare as compare_module
from compengine.scenarios import run as scenario_run
from compengine.scenarios.compare import Comparison, compare, to_decimal
from compengine.scenarios.relationship import relationship_components, relationship_measures
from tests.conftest import EXAMPLES, PLANS

SMALL = EXAMPLES / "small" / "data"
EXPECTED = EXAMPLES / "small" / "expected-relationship-first"
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def rf() -> LoadedPlan:
    return load_plan(PLANS / "relationship-first.yaml")


@pytest.fixture(scope="module")
def itself(rf: LoadedPlan) -> Comparison:
    return compare(rf, rf, SMALL)


@pytest.fixture(scope="module")
def growth(rf: LoadedPlan) -> Comparison:
    return compare(rf, apply_overrides(rf, ["components.account_growth.rate=0.02"]), SMALL)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _by_rep(c: Comparison) -> dict[str, Decimal | None]:
    return {r["rep_id"]: to_decimal(r["difference"], c.scale) for r in c.reps.iter_rows(named=True)}


def test_it_should_find_no_difference_when_a_plan_meets_itself(itself: Comparison) -> None:
    for frame in (itself.reps, itself.periods, itself.components, itself.bands):
        assert frame["difference"].to_list() == [0] * frame.height
    assert itself.reps["change_pct"].drop_nulls().to_list() == [0] * itself.reps.height
    assert itself.count(0) == itself.reps.height == 12
    assert itself.count(1) == itself.count(-1) == 0
    assert itself.movers(1).is_empty()
    assert itself.totals["base"] == itself.totals["proposed"]


def test_it_should_cost_what_the_expected_payouts_add_up_to(itself: Comparison) -> None:
    rows = _csv(EXPECTED / "payouts.csv")
    assert itself.totals["base"].cost == sum(Decimal(r["total"]) for r in rows)
    periods = defaultdict(Decimal)
    for r in rows:
        periods[r["period"]] += Decimal(r["total"])
    got = {p: to_decimal(v, 2) for p, v in itself.periods.select("period", "base").iter_rows()}
    assert got == periods


def account_growth_paid(existing: Decimal, rate: Decimal, recovery: str) -> Decimal:
    """account_growth of one row, worked out from measures.csv with Decimal."""
    # the recovery gate halves account_growth below 25 points; a null recovery leaves it
    factor = Decimal("0.5") if recovery and Decimal(recovery) < 25 else Decimal(1)
    return (existing * rate * factor).quantize(CENT, ROUND_HALF_EVEN)


def test_it_should_add_what_doubling_the_account_growth_rate_adds_by_hand(
    growth: Comparison,
) -> None:
    # R00000 (recovery 100 each month, no gate), existing_revenue from measures.csv:
    #   2027-01  1091.260 x 0.02 = 21.8252 -> 21.83;  x 0.01 = 10.9126 -> 10.91;  +10.92
    #   2027-02 13705.21  x 0.02 = 274.1042 -> 274.10; x 0.01 = 137.0521 -> 137.05; +137.05
    #   2027-03  8818.69  x 0.02 = 176.3738 -> 176.37; x 0.01 = 88.1869 -> 88.19;   +88.18
    #   total +236.15
    # R00001 2027-02 is gated (recovery 0 < 25, factor 0.5):
    #   6947.256 x 0.02 x 0.5 = 69.47256 -> 69.47; x 0.01 x 0.5 = 34.73628 -> 34.74; +34.73
    #   with 2027-01 6496.82: 129.9364 -> 129.94 minus 64.9682 -> 64.97 = +64.97, and
    #   2027-03 no existing revenue: total +99.70
    diffs = _by_rep(growth)
    assert diffs["R00000"] == Decimal("236.15")
    assert diffs["R00001"] == Decimal("99.70")
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for r in _csv(EXPECTED / "measures.csv"):
        existing = Decimal(r["existing_revenue"])
        expected[r["rep_id"]] += account_growth_paid(
            existing, Decimal("0.02"), r["recovery"]
        ) - account_growth_paid(existing, Decimal("0.01"), r["recovery"])
    assert diffs == expected
    components = dict(growth.components.select("component", "difference").iter_rows())
    assert to_decimal(components.pop("account_growth"), 2) == sum(expected.values())
    assert set(components.values()) == {0}
    assert growth.count(1) == 12  # every rep has some existing revenue


def test_it_should_give_the_change_in_percent_of_the_base_rounded_like_the_workbook(
    growth: Comparison,
) -> None:
    row = growth.reps.filter(pl.col("rep_id") == "R00000").row(0, named=True)
    base = Decimal(sum(Decimal(r["total"]) for r in _csv(EXPECTED / "payouts.csv")
                       if r["rep_id"] == "R00000"))  # fmt: skip
    assert to_decimal(row["base"], 2) == base
    change = (Decimal("236.15") * 100 / base).quantize(CENT, ROUND_HALF_UP)
    assert to_decimal(row["change_pct"], 2) == change


def test_it_should_give_a_gain_on_a_negative_base_a_positive_change() -> None:
    # a rep whose clawbacks outweigh the pay: -100.00 -> -50.00 is a gain of 50.00, +50% of
    # the base's size (not -50%); -100.00 -> -150.00 is -50%; on a base of 0, none
    amounts = {"base": [-10000, -10000, 0], "proposed": [-5000, -15000, 300]}
    base = pl.DataFrame({"rep_id": ["R1", "R2", "R3"], **amounts}, schema_overrides={
        "base": pl.Int128, "proposed": pl.Int128})  # fmt: skip
    out = compare_module._with_difference(base, 2)
    assert out["difference"].to_list() == [5000, -5000, 300]
    assert out["change_pct"].to_list() == [5000, -5000, None]  # +50.00%, -50.00%, none


def test_it_should_list_the_largest_movers_first(growth: Comparison) -> None:
    diffs = _by_rep(growth)
    top = growth.movers(1, 3)["rep_id"].to_list()
    assert top == sorted(diffs, key=lambda r: (-diffs[r], r))[:3]  # type: ignore[operator]


def test_it_should_pay_relationship_components_as_relationship_pay(rf: LoadedPlan) -> None:
    plain = apply_overrides(rf, ["modifiers=[]"])  # no modifier: only the three bonuses count
    c = compare(plain, plain, SMALL)
    rows = _csv(EXPECTED / "payouts.csv")
    bonuses = ("relationship_bonus", "feedback_bonus", "recovery_bonus")
    assert c.totals["base"].relationship_pay == sum(Decimal(r[b]) for r in rows for b in bonuses)


# An attainment multiplier (not a relationship modifier) and caps that bind
ON_ATTAINMENT = "{apply_to: [revenue_commission], by: attainment, bands: [[0, 1], [1, 1.25]]}"
CAPPED = [
    "modifiers=[{apply_to: [revenue_commission], by: relationship, bands: [[0, 0.8], [60, 0.9], "
    "[75, 1.0], [90, 1.15]]}, {apply_to: [revenue_commission, account_growth], gate: recovery, "
    f"below: 25, factor: 0.5}}, {ON_ATTAINMENT}]",
    "components.revenue_commission.cap_target_multiple=0.5",
    "components.account_growth.cap_amount=40",
]


def test_it_should_count_only_what_relationship_modifiers_change_as_relationship_pay(
    rf: LoadedPlan,
) -> None:
    plan = apply_overrides(rf, CAPPED)
    got = compare(plan, plan, SMALL).totals["base"].relationship_pay
    # A slow reference of the definition, row by row in Decimal: the bonuses, plus each
    # moved component's paid amount minus what it pays without the relationship modifiers
    # (modifiers[0] on relationship, modifiers[1] on recovery), capped and rounded alike.
    result = calculate(plan.plan, data_inputs.load_inputs(SMALL, plan.plan))
    expected = Decimal(0)
    for row in result.steps.iter_rows(named=True):
        value = {c: Decimal(int(v)).scaleb(-result.scales[c]) for c, v in row.items()
                 if c in result.scales and v is not None}  # fmt: skip
        for bonus in ("relationship_bonus", "feedback_bonus", "recovery_bonus"):
            expected += value[f"component:{bonus}"]
        for name, factors, cap in (
            ("revenue_commission", ["modifier:2"], Decimal("0.5") * value["period_target"]),
            ("account_growth", [], Decimal(40)),
        ):
            amount = value[f"component:{name}:base"]
            for factor in factors:
                amount *= value[factor]
            amount = min(amount, cap) if amount > 0 else amount
            expected += value[f"component:{name}"] - amount.quantize(CENT, ROUND_HALF_EVEN)
    assert got == expected
    # Without the relationship modifiers, only the bonuses are relationship pay, caps or not.
    plain = apply_overrides(plan, [f"modifiers=[{ON_ATTAINMENT}]"])
    alone = compare(plain, plain, SMALL)
    bonuses = alone.components.filter(pl.col("component").str.ends_with("_bonus"))
    assert alone.totals["base"].relationship_pay == sum(
        to_decimal(v, 2)
        for v in bonuses["base"]  # type: ignore[misc]
    )


def test_it_should_know_which_measures_and_components_reward_relationships(
    rf: LoadedPlan,
) -> None:
    plan = apply_overrides(rf, ["measures.card_per_call={ratio: [relationship, referrals]}"]).plan
    assert relationship_measures(plan) == [
        "relationship", "feedback", "recovery", "card_per_call"
    ]  # fmt: skip
    assert relationship_components(rf.plan) == (
        ["relationship_bonus", "feedback_bonus", "recovery_bonus"],
        ["revenue_commission", "account_growth"],
    )
    ws = load_plan(PLANS / "weighted-scorecard.yaml").plan
    assert relationship_components(ws) == (
        ["relationship_score", "feedback_score", "recovery_score"],
        ["revenue_score"],
    )


def _graded(tmp_path: Path, rows: list[str]) -> Path:
    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    (data / "grades.csv").write_text(
        "rep_id,account_id,period,behaviour,grade,comment\n" + "\n".join(rows) + "\n"
    )
    return data


def test_it_should_band_reps_by_their_report_card_with_the_boundaries_upward(
    rf: LoadedPlan, tmp_path: Path
) -> None:
    # weights: listens_actively 2, returns_calls_promptly 1, keeps_promises 2
    # R00000: A on weight 3, B on weight 2: (300 + 150) / 5 = 90.00 -> A-level (boundary)
    # R00001: A on weight 3, D on weight 2: (300 + 0) / 5 = 60.00 -> B-level (boundary)
    # R00002: D only -> 0 -> D-level; R00003: B only -> 75 -> B-level
    # R00004: A on weight 2, D on weight 2 + 1 over two months: 200 / 5 = 40 -> D-level
    data = _graded(tmp_path, [
        "R00000,X,2027-01,listens_actively,A,", "R00000,X,2027-01,returns_calls_promptly,A,",
        "R00000,X,2027-02,keeps_promises,B,",
        "R00001,X,2027-01,listens_actively,A,", "R00001,X,2027-01,returns_calls_promptly,A,",
        "R00001,X,2027-03,keeps_promises,D,",
        "R00002,X,2027-01,keeps_promises,D,",
        "R00003,Y,2027-02,keeps_promises,B,",
        "R00004,X,2027-01,listens_actively,A,", "R00004,X,2027-01,keeps_promises,D,",
        "R00004,X,2027-02,returns_calls_promptly,D,",
    ])  # fmt: skip
    c = compare(rf, rf, data)
    got = {
        rep: (band, to_decimal(score, 2))
        for rep, band, score in c.reps.select(
            "rep_id", "relationship_band", "report_card_score"
        ).iter_rows()
    }
    assert got["R00000"] == ("A-level", Decimal("90.00"))
    assert got["R00001"] == ("B-level", Decimal("60.00"))
    assert got["R00002"] == ("D-level", Decimal("0.00"))
    assert got["R00003"] == ("B-level", Decimal("75.00"))
    assert got["R00004"] == ("D-level", Decimal("40.00"))
    assert got["R00005"] == ("no grades", None)
    bands = {r["relationship_band"]: r["reps"] for r in c.bands.iter_rows(named=True)}
    assert bands == {"A-level": 1, "B-level": 2, "D-level": 2, "no grades": 7}


def test_it_should_read_the_data_once_for_plans_that_need_the_same(
    rf: LoadedPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []

    def counting(*args: object) -> data_inputs.Inputs:
        calls.append(args)
        return data_inputs.load_inputs(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(scenario_run, "load_inputs", counting)
    compare(rf, apply_overrides(rf, ["components.relationship_bonus.target_share=0.3"]), SMALL)
    assert len(calls) == 1
    # splits are checked differently with overlay credit: the folder is read for each
    compare(rf, apply_overrides(rf, ["allow_overlay_credit=true"]), SMALL)
    assert len(calls) == 3


def test_it_should_refuse_to_compare_a_monthly_with_a_quarterly_plan(rf: LoadedPlan) -> None:
    quarterly = apply_overrides(rf, ["period=quarter"])
    with pytest.raises(
        PlanError,
        match=r"--set period=quarter, period: quarter, but .* pays per month\. Hint: compare",
    ):
        compare(rf, quarterly, SMALL)


def test_it_should_refuse_to_compare_plans_paying_in_other_currencies(rf: LoadedPlan) -> None:
    euros = apply_overrides(rf, ["currency=EUR"])
    with pytest.raises(PlanError) as refused:
        compare(rf, euros, SMALL)
    assert refused.value.messages == [
        f"{euros.path} --set currency=EUR, currency: EUR, but {rf.path} pays in USD. Hint: "
        "compare plans of the same currency."
    ]


def test_it_should_refuse_report_card_points_and_weights_too_fine_for_exact_arithmetic(
    rf: LoadedPlan,
) -> None:
    """Points of 20 decimals times weights of 20 decimals need 40 places (38 fit): a plan
    error like the run's, not a traceback."""
    fine = apply_overrides(
        rf,
        [
            "report_card.grade_points.A=100.00000000000000000001",
            "report_card.behaviours.listens_actively=2.00000000000000000001",
        ],
    )
    with pytest.raises(PlanError, match="exact arithmetic needs 40 decimal places") as refused:
        compare(fine, fine, SMALL)
    assert refused.value.reason == Reason.PRECISION
