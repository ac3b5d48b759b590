"""Paid amounts round once, by the plan's rule and decimals; zero has no sign."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.builders import Row, calc, measure, paid, plan, row

FLAT = """
measures:
  revenue: {sum: transactions.amount}
components:
  commission: {commission: revenue, rate: 0.125}
"""


def _commissions(
    tmp_path: Path, revenues: list[str], rounding: str, decimals: int = 2
) -> list[str]:
    """The commission (revenue * 0.125) paid to one rep per revenue."""
    reps: list[Row] = [(f"r{i}", "2020-01-01", "", "12000") for i in range(len(revenues))]
    transactions: list[Row] = [(f"r{i}", "2027-01-10", v) for i, v in enumerate(revenues)]
    result = calc(
        plan(FLAT, rounding=rounding, decimals=decimals),
        tmp_path,
        reps=reps,
        transactions=transactions,
    )
    return [paid(result, "commission", f"r{i}") for i in range(len(revenues))]


REVENUES = ["1.00", "3.00", "1.16", "-1.00", "-3.00", "-1.16", "1.17"]


def test_it_should_round_half_cent_ties_to_the_even_cent(tmp_path: Path) -> None:
    """1.00 * 0.125 = 0.125 -> 0.12; 3.00 * 0.125 = 0.375 -> 0.38; 1.16 * 0.125 = 0.145 ->
    0.14; the negatives mirror them: -0.12, -0.38, -0.14; 1.17 * 0.125 = 0.14625 -> 0.15
    (not a tie)."""
    got = _commissions(tmp_path, REVENUES, "half_even")
    assert got == ["0.12", "0.38", "0.14", "-0.12", "-0.38", "-0.14", "0.15"]


def test_it_should_round_half_cent_ties_away_from_zero_under_half_up(tmp_path: Path) -> None:
    """0.125 -> 0.13; 0.375 -> 0.38; 0.145 -> 0.15; -0.125 -> -0.13; -0.375 -> -0.38;
    -0.145 -> -0.15 (away from zero, like Excel's ROUND); 0.14625 -> 0.15."""
    got = _commissions(tmp_path, REVENUES, "half_up")
    assert got == ["0.13", "0.38", "0.15", "-0.13", "-0.38", "-0.15", "0.15"]


@pytest.mark.parametrize(
    ("rounding", "expected"), [("half_even", ["2", "-2", "4"]), ("half_up", ["3", "-3", "4"])]
)
def test_it_should_round_to_whole_units_with_decimals_zero(
    tmp_path: Path, rounding: str, expected: list[str]
) -> None:
    """20 * 0.125 = 2.5; -20 * 0.125 = -2.5; 28 * 0.125 = 3.5 -> 4 either way."""
    assert _commissions(tmp_path, ["20", "-20", "28"], rounding, decimals=0) == expected


@pytest.mark.parametrize(
    ("rounding", "expected"), [("half_even", ["0.062", "-0.062"]), ("half_up", ["0.063", "-0.063"])]
)
def test_it_should_round_to_three_places_with_decimals_three(
    tmp_path: Path, rounding: str, expected: list[str]
) -> None:
    """0.5 * 0.125 = 0.0625 and -0.0625: a tie at the third place."""
    assert _commissions(tmp_path, ["0.5", "-0.5"], rounding, decimals=3) == expected


def test_it_should_write_every_amount_with_exactly_decimals_places(tmp_path: Path) -> None:
    """decimals 3: 8 * 0.125 = 1 -> 1.000; period target 12,000 / 12 = 1000.000."""
    result = calc(plan(FLAT, decimals=3), tmp_path, transactions=[("r1", "2027-01-10", "8")])
    assert row(result.payouts) == {
        "rep_id": "r1",
        "period": "2027-01",
        "commission": "1.000",
        "adjustments": "0.000",
        "total": "1.000",
    }
    assert row(result.measures)["period_target"] == "1000.000"


def test_it_should_write_a_decimals_zero_period_target_without_a_point(tmp_path: Path) -> None:
    """12,000 / 12 = 1000, written 1000."""
    result = calc(plan(FLAT, decimals=0), tmp_path, transactions=[("r1", "2027-01-10", "8")])
    assert row(result.measures)["period_target"] == "1000"
    assert paid(result, "commission") == "1"


@pytest.mark.parametrize("rounding", ["half_even", "half_up"])
def test_it_should_write_zero_without_a_sign(tmp_path: Path, rounding: str) -> None:
    """-0.03 * 0.125 = -0.00375 rounds to zero: written 0.00, never -0.00 (and 0 with
    decimals 0: -2 * 0.125 = -0.25)."""
    assert _commissions(tmp_path / "two", ["-0.03"], rounding) == ["0.00"]
    assert _commissions(tmp_path / "none", ["-2"], rounding, decimals=0) == ["0"]
    result = calc(
        plan(FLAT, rounding=rounding), tmp_path / "t", transactions=[("r1", "2027-01-10", "-0.03")]
    )
    assert paid(result, "total") == "0.00"


@pytest.mark.parametrize(
    ("rounding", "expected"), [("half_even", "1000.02"), ("half_up", "1000.03")]
)
def test_it_should_round_the_period_target_like_a_paid_amount(
    tmp_path: Path, rounding: str, expected: str
) -> None:
    """12,000.30 / 12 = 1000.025: a half-cent tie."""
    result = calc(
        plan(FLAT, rounding=rounding),
        tmp_path,
        reps=[("r1", "2020-01-01", "", "12000.30")],
        transactions=[("r1", "2027-01-10", "1")],
    )
    assert row(result.measures)["period_target"] == expected


@pytest.mark.parametrize(("rounding", "expected"), [("half_even", "1000"), ("half_up", "1001")])
def test_it_should_round_the_period_target_to_whole_units_with_decimals_zero(
    tmp_path: Path, rounding: str, expected: str
) -> None:
    """12,006 / 12 = 1000.5."""
    result = calc(
        plan(FLAT, rounding=rounding, decimals=0),
        tmp_path,
        reps=[("r1", "2020-01-01", "", "12006")],
        transactions=[("r1", "2027-01-10", "1")],
    )
    assert row(result.measures)["period_target"] == expected


TWO = """
measures:
  revenue: {sum: transactions.amount}
components:
  first: {commission: revenue, rate: 0.125}
  second: {commission: revenue, rate: 0.125}
"""


def test_it_should_total_the_rounded_components_plus_the_adjustments(tmp_path: Path) -> None:
    """Each component: 1.00 * 0.125 = 0.125 -> 0.12 (their unrounded sum 0.25 is not paid);
    adjustments 10.00 - 2.50 = 7.50; total 0.12 + 0.12 + 7.50 = 7.74."""
    result = calc(
        plan(TWO),
        tmp_path,
        transactions=[("r1", "2027-01-10", "1.00")],
        adjustments=[("r1", "2027-01", "10.00"), ("r1", "2027-01", "-2.50")],
    )
    assert row(result.payouts) == {
        "rep_id": "r1",
        "period": "2027-01",
        "first": "0.12",
        "second": "0.12",
        "adjustments": "7.50",
        "total": "7.74",
    }


def test_it_should_pay_an_adjustment_alone_in_a_period(tmp_path: Path) -> None:
    """February has only an adjustment of -40: no commission, total -40.00."""
    result = calc(
        plan(TWO),
        tmp_path,
        transactions=[("r1", "2027-01-10", "1.00")],
        adjustments=[("r1", "2027-02", "-40")],
    )
    assert paid(result, "adjustments", period="2027-02") == "-40.00"
    assert paid(result, "total", period="2027-02") == "-40.00"
    assert paid(result, "adjustments", period="2027-01") == "0.00"
    assert measure(result, "revenue", period="2027-02") == 0


def test_it_should_pay_a_bonus_on_the_rounded_period_target(tmp_path: Path) -> None:
    """half_up, decimals 0: 12,006 / 12 = 1000.5 -> period target 1001; bonus 1001 * 0.5 * 1 =
    500.5 -> 501 (from the unrounded 1000.5 it would be 500.25 -> 500)."""
    p = plan(
        """
        measures:
          revenue: {sum: transactions.amount}
        components:
          bonus: {bonus: revenue, target_share: 0.5, curve: [[0, 1]]}
        """,
        rounding="half_up",
        decimals=0,
    )
    result = calc(
        p,
        tmp_path,
        reps=[("r1", "2020-01-01", "", "12006")],
        transactions=[("r1", "2027-01-10", "1")],
    )
    assert row(result.measures)["period_target"] == "1001"
    assert paid(result, "bonus") == "501"
