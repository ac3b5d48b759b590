"""Multipliers and gates (in list order, a null measure leaves factor 1), then caps."""

from __future__ import annotations

from pathlib import Path

from tests.engine.builders import Row, calc, paid, plan

BASE = """
measures:
  revenue: {sum: transactions.amount}
  score: {sum: events.value}
"""


def _paid(
    tmp_path: Path,
    body: str,
    revenues: list[str],
    scores: list[str] | None = None,
    column: str = "commission",
    target: str = "12000",
) -> list[str]:
    """``column`` paid to one rep per revenue (with the score of the same position)."""
    reps: list[Row] = [(f"r{i}", "2020-01-01", "", target) for i in range(len(revenues))]
    transactions: list[Row] = [(f"r{i}", "2027-01-10", v) for i, v in enumerate(revenues)]
    events: list[Row] = [(f"r{i}", "2027-01-10", "x", v) for i, v in enumerate(scores or [])]
    result = calc(plan(BASE, body), tmp_path, reps=reps, transactions=transactions, events=events)
    return [paid(result, column, f"r{i}") for i in range(len(revenues))]


MULTIPLIER = """
components:
  commission: {commission: revenue, rate: 0.1}
modifiers:
  - apply_to: [commission]
    by: score
    bands: [[0, 0.8], [60, 0.9], [75, 1.0], [90, 1.15]]
"""


def test_it_should_take_the_factor_of_the_last_band_whose_lower_is_reached(
    tmp_path: Path,
) -> None:
    """1,000 * 0.1 = 100 times the factor: -5 is below the first lower, so 0.8 -> 80.00;
    0 -> 0.8; 59.99 -> 0.8; 60 (on the lower) -> 0.9 -> 90.00; 74.999999 -> 0.9;
    75 -> 1.0 -> 100.00; 90 -> 1.15 -> 115.00; 200 -> 1.15."""
    scores = ["-5", "0", "59.99", "60", "74.999999", "75", "90", "200"]
    expected = ["80.00", "80.00", "80.00", "90.00", "90.00", "100.00", "115.00", "115.00"]
    assert _paid(tmp_path, MULTIPLIER, ["1000"] * len(scores), scores) == expected


GATES = """
components:
  commission: {commission: revenue, rate: 0.1}
  other: {commission: revenue, rate: 0.01}
modifiers:
  - apply_to: [commission]
    gate: score
    below: 25
    factor: 0.5
"""


def test_it_should_apply_the_gate_factor_only_strictly_below(tmp_path: Path) -> None:
    """100 * 0.5 = 50.00 at 24.99; at exactly 25 the gate is open: 100.00."""
    assert _paid(tmp_path, GATES, ["1000", "1000"], ["24.99", "25"]) == ["50.00", "100.00"]


def test_it_should_leave_components_outside_apply_to_alone(tmp_path: Path) -> None:
    """The gate names only commission: other = 1,000 * 0.01 = 10.00 with score 0."""
    assert _paid(tmp_path, GATES, ["1000"], ["0"], column="other") == ["10.00"]


def test_it_should_zero_the_component_under_a_gate_without_factor(tmp_path: Path) -> None:
    """factor defaults to 0: 100 * 0 = 0.00 below 25; 100.00 at 25."""
    body = """
    components:
      commission: {commission: revenue, rate: 0.1}
    modifiers:
      - {apply_to: [commission], gate: score, below: 25}
    """
    assert _paid(tmp_path, body, ["1000", "1000"], ["10", "25"]) == ["0.00", "100.00"]


def test_it_should_leave_factor_one_when_the_modifier_measure_is_null(tmp_path: Path) -> None:
    """No feedback: the resolution rate is null, so neither the multiplier (whose first
    factor is 0.8) nor the gate (0) applies: 1,000 * 0.1 * 1 * 1 = 100.00."""
    body = """
    measures:
      revenue: {sum: transactions.amount}
      feedback: {resolution_rate: feedback, within_days: 10}
    components:
      commission: {commission: revenue, rate: 0.1}
    modifiers:
      - {apply_to: [commission], by: feedback, bands: [[0, 0.8], [1, 1.2]]}
      - {apply_to: [commission], gate: feedback, below: 0.5}
    """
    result = calc(plan(body), tmp_path, transactions=[("r1", "2027-01-10", "1000")])
    assert paid(result, "commission") == "100.00"
    assert result.steps["modifier:0"].to_list() == [10 ** result.scales["modifier:0"]]
    assert result.steps["modifier:1"].to_list() == [10 ** result.scales["modifier:1"]]


def test_it_should_multiply_the_factors_of_every_modifier_in_order(tmp_path: Path) -> None:
    """Score 20: multiplier 0.8 (first band), then gate 0.5 (below 25):
    1,234.56 * 0.1 * 0.8 * 0.5 = 49.3824 -> 49.38; the bonus gets only the gate:
    1,000 * 0.2 * 1 (flat curve) * 0.5 = 100.00."""
    body = """
    components:
      commission: {commission: revenue, rate: 0.1}
      bonus: {bonus: score, target_share: 0.2, curve: [[0, 1]]}
    modifiers:
      - {apply_to: [commission], by: score, bands: [[0, 0.8], [60, 1.0]]}
      - {apply_to: [commission, bonus], gate: score, below: 25, factor: 0.5}
    """
    assert _paid(tmp_path / "c", body, ["1234.56"], ["20"]) == ["49.38"]
    assert _paid(tmp_path / "b", body, ["1234.56"], ["20"], column="bonus") == ["100.00"]


CAPPED_AFTER_MULTIPLIER = """
components:
  commission: {commission: revenue, rate: 0.1, cap_amount: 110}
modifiers:
  - {apply_to: [commission], by: score, bands: [[0, 0.8], [90, 1.15]]}
"""


def test_it_should_cap_after_the_modifiers(tmp_path: Path) -> None:
    """r0: 1,000 * 0.1 * 1.15 = 115 > 110 -> 110.00 (capping first would pay 126.50).
    r1: 1,200 * 0.1 * 0.8 = 96 <= 110 -> 96.00 (capping first would pay 88.00).
    r2: 1,375 * 0.1 * 0.8 = 110, exactly the cap -> 110.00."""
    got = _paid(tmp_path, CAPPED_AFTER_MULTIPLIER, ["1000", "1200", "1375"], ["95", "10", "10"])
    assert got == ["110.00", "96.00", "110.00"]


def test_it_should_cap_at_a_multiple_of_the_period_target(tmp_path: Path) -> None:
    """cap = 0.1 * 1,000 = 100: 1,500 * 0.1 = 150 -> 100.00; 999 * 0.1 = 99.90 stays."""
    body = """
    components:
      commission: {commission: revenue, rate: 0.1, cap_target_multiple: 0.1}
    """
    assert _paid(tmp_path, body, ["1500", "999"]) == ["100.00", "99.90"]


def test_it_should_cap_at_the_lower_of_two_caps(tmp_path: Path) -> None:
    """150 against cap_amount 90 and 0.1 * 1,000 = 100: 90.00; against 120 and 100: 100.00."""
    body = """
    components:
      commission: {commission: revenue, rate: 0.1, cap_amount: 90, cap_target_multiple: 0.1}
      other: {commission: revenue, rate: 0.1, cap_amount: 120, cap_target_multiple: 0.1}
    """
    assert _paid(tmp_path / "a", body, ["1500"]) == ["90.00"]
    assert _paid(tmp_path / "b", body, ["1500"], column="other") == ["100.00"]


def test_it_should_never_cap_a_negative_amount(tmp_path: Path) -> None:
    """-2,000 * 0.1 = -200.00 under cap_amount 50 and under cap_amount 0; a positive 100
    under cap_amount 0 is capped to 0.00."""
    body = """
    components:
      commission: {commission: revenue, rate: 0.1, cap_amount: 50}
      zero_cap: {commission: revenue, rate: 0.1, cap_amount: 0}
    """
    assert _paid(tmp_path / "a", body, ["-2000"]) == ["-200.00"]
    assert _paid(tmp_path / "b", body, ["-2000", "1000"], column="zero_cap") == ["-200.00", "0.00"]


def test_it_should_cap_a_bonus(tmp_path: Path) -> None:
    """Curve 1.5 at 100: 1,000 * 0.2 * 1.5 = 300, capped at 0.25 * 1,000 = 250.00."""
    body = """
    components:
      bonus:
        bonus: score
        target_share: 0.2
        curve: [[0, 0], [100, 1.5]]
        cap_target_multiple: 0.25
    """
    assert _paid(tmp_path, body, ["0"], ["100"], column="bonus") == ["250.00"]


def test_it_should_cap_on_the_rounded_period_target(tmp_path: Path) -> None:
    """Hired 01-15: period target 12,000 * 17 / (12 * 31) = 548.387... -> 548.39; cap
    0.5 * 548.39 = 274.195, and the capped amount rounds once: 274.195 -> 274.20 (half-even,
    9 is odd). 5,000 * 0.1 = 500 is above the cap."""
    body = """
    components:
      commission: {commission: revenue, rate: 0.1, cap_target_multiple: 0.5}
    """
    result = calc(
        plan(BASE, body),
        tmp_path,
        reps=[("r1", "2027-01-15", "", "12000")],
        transactions=[("r1", "2027-01-20", "5000")],
    )
    assert paid(result, "commission") == "274.20"


def test_it_should_take_the_later_of_two_bands_with_the_same_lower(tmp_path: Path) -> None:
    """Bands [[0, 0.8], [60, 0.9], [60, 1.1]]: at 60 the last band whose lower <= 60 is 1.1:
    100 * 1.1 = 110.00; at 59 -> 0.8 -> 80.00."""
    body = """
    components:
      commission: {commission: revenue, rate: 0.1}
    modifiers:
      - {apply_to: [commission], by: score, bands: [[0, 0.8], [60, 0.9], [60, 1.1]]}
    """
    assert _paid(tmp_path, body, ["1000", "1000"], ["60", "59"]) == ["110.00", "80.00"]


def test_it_should_pay_ordinary_numbers_whose_product_needs_more_than_26_places(
    tmp_path: Path,
) -> None:
    """A revenue of 411.519958848 (9 places) x rate 0.0333333333 (10) x factor 1.333333 (6,
    score 2 reaches the band from 1) x gate factor 0.95 (2, score 2 is below 5) is exact at
    27 places, beyond the 26 an Int128 keeps beside 12 whole digits, and these values are
    small: 411.519958848 x 0.0333333333 = 13.717331947...; x 1.333333 = 18.289771358...;
    x 0.95 = 17.375282790162929352461787840 -> 17.38."""
    body = """
components:
  commission: {commission: revenue, rate: 0.0333333333}
modifiers:
  - {apply_to: [commission], by: score, bands: [[0, 1], [1, 1.333333]]}
  - {apply_to: [commission], gate: score, below: 5, factor: 0.95}
"""
    assert _paid(tmp_path, body, ["411.519958848"], ["2"]) == ["17.38"]
