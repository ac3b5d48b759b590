"""Commission (flat, marginal and retroactive tiers) and bonus curves, worked out by hand."""

from __future__ import annotations

from pathlib import Path

from tests.engine.builders import Row, calc, paid, plan

TIERS = """
measures:
  revenue: {sum: transactions.amount}
components:
  marginal:
    commission: revenue
    tiers: [{from: 0, rate: 0.03}, {from: 0.5, rate: 0.05}, {from: 1.0, rate: 0.08}]
  retroactive:
    commission: revenue
    tiers: [{from: 0, rate: 0.03}, {from: 0.5, rate: 0.05}, {from: 1.0, rate: 0.08}]
    mode: retroactive
"""


def _tiered(tmp_path: Path, revenue: str) -> tuple[str, str]:
    """(marginal, retroactive) commission on ``revenue`` against a quota of 10,000."""
    result = calc(
        plan(TIERS),
        tmp_path,
        quotas=[("r1", "2027-01", "10000")],
        transactions=[("r1", "2027-01-15", revenue)],
    )
    return paid(result, "marginal"), paid(result, "retroactive")


def test_it_should_pay_each_band_its_rate_on_the_part_inside_it(tmp_path: Path) -> None:
    """Marginal: 5,000 * 0.03 + 5,000 * 0.05 + 2,000 * 0.08 = 150 + 250 + 160 = 560.00.
    Retroactive: attainment 1.2 is in the top band: 12,000 * 0.08 = 960.00."""
    assert _tiered(tmp_path, "12000") == ("560.00", "960.00")


def test_it_should_pay_inside_the_first_band_alike_in_both_modes(tmp_path: Path) -> None:
    """4,000 (attainment 0.4) * 0.03 = 120.00 either way."""
    assert _tiered(tmp_path, "4000") == ("120.00", "120.00")


def test_it_should_pay_the_upper_band_on_the_boundary(tmp_path: Path) -> None:
    """Revenue 10,000 = quota, attainment exactly 1.0.
    Marginal: 5,000 * 0.03 + 5,000 * 0.05 + 0 * 0.08 = 400.00 (the top band holds nothing).
    Retroactive: 1.0 falls in the upper band: 10,000 * 0.08 = 800.00."""
    assert _tiered(tmp_path, "10000") == ("400.00", "800.00")


def test_it_should_pay_the_middle_band_on_the_lower_boundary(tmp_path: Path) -> None:
    """Revenue 5,000, attainment exactly 0.5.
    Marginal: 5,000 * 0.03 = 150.00. Retroactive: 0.5 is in the 0.05 band: 250.00."""
    assert _tiered(tmp_path, "5000") == ("150.00", "250.00")


def test_it_should_pay_the_lower_band_a_cent_below_the_boundary(tmp_path: Path) -> None:
    """Revenue 9,999.99, attainment 0.999999.
    Marginal: 150 + 4,999.99 * 0.05 = 150 + 249.9995 = 399.9995 -> 400.00.
    Retroactive: 0.999999 is in the 0.05 band: 9,999.99 * 0.05 = 499.9995 -> 500.00."""
    assert _tiered(tmp_path, "9999.99") == ("400.00", "500.00")


def test_it_should_place_retroactive_pay_by_the_attainment_as_rounded(tmp_path: Path) -> None:
    """Revenue 9,999.9996 / 10,000 = 0.99999996, which is attainment 1.000000 at 6 places:
    the top band, 9,999.9996 * 0.08 = 799.999968 -> 800.00.
    Marginal: 150 + 4,999.9996 * 0.05 = 150 + 249.99998 = 399.99998 -> 400.00."""
    assert _tiered(tmp_path, "9999.9996") == ("400.00", "800.00")


def test_it_should_pay_a_negative_measure_the_first_rate(tmp_path: Path) -> None:
    """Returns exceed sales: -1,000 * 0.03 = -30.00 (marginal: the first band reaches down
    without limit; retroactive: attainment -0.1 is below every boundary)."""
    assert _tiered(tmp_path, "-1000") == ("-30.00", "-30.00")


def test_it_should_pay_nothing_on_zero_revenue(tmp_path: Path) -> None:
    assert _tiered(tmp_path, "0") == ("0.00", "0.00")


FLAT = """
measures:
  revenue: {sum: transactions.amount}
  deals: {count: transactions}
  deal_size: {ratio: [revenue, deals]}
components:
  flat: {commission: revenue, rate: 0.03}
  per_deal: {commission: deal_size, rate: 0.5}
"""


def test_it_should_pay_a_flat_rate_on_the_whole_measure(tmp_path: Path) -> None:
    """(12,000.00 + 345.67) * 0.03 = 370.3701 -> 370.37; deal size 6,172.835 * 0.5 = 3,086.4175
    -> 3,086.42."""
    result = calc(
        plan(FLAT),
        tmp_path,
        transactions=[("r1", "2027-01-15", "12000.00"), ("r1", "2027-01-16", "345.67")],
    )
    assert paid(result, "flat") == "370.37"
    assert paid(result, "per_deal") == "3086.42"


def test_it_should_pay_zero_commission_on_a_null_measure(tmp_path: Path) -> None:
    """No deals in February: deal_size = revenue / 0 is null, so per_deal pays 0.00."""
    result = calc(
        plan(FLAT),
        tmp_path,
        transactions=[("r1", "2027-01-15", "100.00")],
        adjustments=[("r1", "2027-02", "0")],
    )
    assert paid(result, "per_deal", period="2027-02") == "0.00"
    assert paid(result, "total", period="2027-02") == "0.00"


def _bonuses(
    tmp_path: Path,
    curve: str,
    values: list[str],
    share: str = "0.2",
    target: str = "12000",
    rounding: str = "half_even",
) -> list[str]:
    """The bonus of one rep per value (an event of that value in January)."""
    p = plan(
        f"""
        measures:
          score: {{sum: events.value}}
        components:
          bonus: {{bonus: score, target_share: {share}, curve: {curve}}}
        """,
        rounding=rounding,
    )
    reps: list[Row] = [(f"r{i}", "2020-01-01", "", target) for i in range(len(values))]
    events: list[Row] = [(f"r{i}", "2027-01-10", "x", v) for i, v in enumerate(values)]
    result = calc(p, tmp_path, reps=reps, events=events)
    return [paid(result, "bonus", f"r{i}") for i in range(len(values))]


def test_it_should_pay_the_bonus_on_a_linear_curve_flat_outside_its_points(
    tmp_path: Path,
) -> None:
    """period target 12,000 / 12 = 1,000; share 0.2; curve [[50, 0], [75, 1.0], [100, 1.5]]:
    -10 and 40 are below the first point: 0; 50: 0; 55: 5 / 25 = 0.2 -> 1,000 * 0.2 * 0.2 =
    40.00; 55.5: 5.5 / 25 = 0.22 -> 44.00; 75: 1.0 -> 200.00; 85: 1 + 0.5 * 10 / 25 = 1.2 ->
    240.00; 100: 1.5 -> 300.00; 130 is above the last point: 1.5 -> 300.00."""
    values = ["-10", "40", "50", "55", "55.5", "75", "85", "100", "130"]
    expected = ["0.00", "0.00", "0.00", "40.00", "44.00", "200.00", "240.00", "300.00", "300.00"]
    assert _bonuses(tmp_path, "[[50, 0], [75, 1.0], [100, 1.5]]", values) == expected


def test_it_should_round_an_interpolated_curve_value_to_six_places(tmp_path: Path) -> None:
    """Period target 12,000,000 / 12 = 1,000,000; curve [[0, 0], [3, 1]] at 1 is 1/3 =
    0.333333 (6 places), so 1,000,000 * 1 * 0.333333 = 333,333.00, not 333,333.33."""
    got = _bonuses(tmp_path, "[[0, 0], [3, 1]]", ["1"], share="1", target="12000000")
    assert got == ["333333.00"]


def test_it_should_round_a_curve_tie_half_even(tmp_path: Path) -> None:
    """Period target 1,000,000, share 1, value 1 (halfway between x 0 and 2):
    [[0, 0], [2, 0.000001]] gives 0.0000005 -> 0.000000 -> 0.00 (not 0.50);
    [[0, 0], [2, 0.000003]] gives 0.0000015 -> 0.000002 -> 2.00 (not 1.50);
    [[0, 0], [2, -0.000003]] gives -0.0000015 -> -0.000002 -> -2.00."""
    for curve, expected in [
        ("[[0, 0], [2, 0.000001]]", "0.00"),
        ("[[0, 0], [2, 0.000003]]", "2.00"),
        ("[[0, 0], [2, -0.000003]]", "-2.00"),
    ]:
        folder = tmp_path / str(len(expected)) / curve.replace(" ", "")
        got = _bonuses(folder, curve, ["1"], share="1", target="12000000")
        assert got == [expected], curve


def test_it_should_round_a_curve_tie_half_even_in_a_half_up_plan(tmp_path: Path) -> None:
    """The curve rounds half-even whatever the plan's rounding: 0.0000005 -> 0.000000 -> 0.00
    (half-up would give 0.000001 -> 1.00)."""
    got = _bonuses(
        tmp_path, "[[0, 0], [2, 0.000001]]", ["1"], share="1", target="12000000", rounding="half_up"
    )
    assert got == ["0.00"]


def test_it_should_step_where_two_points_share_an_x(tmp_path: Path) -> None:
    """Share 0.1 of 1,000 = 100 at curve 1; curve [[40, 0], [40, 0.5], [100, 1.0]]:
    39.99: 0 -> 0.00; 40: the later point 0.5 -> 50.00; 70: 0.5 + 0.5 * 30 / 60 = 0.75 ->
    75.00; 100: 1.0 -> 100.00."""
    got = _bonuses(
        tmp_path, "[[40, 0], [40, 0.5], [100, 1.0]]", ["39.99", "40", "70", "100"], "0.1"
    )
    assert got == ["0.00", "50.00", "75.00", "100.00"]


def test_it_should_hold_the_last_of_several_points_at_one_x(tmp_path: Path) -> None:
    """Curve [[50, 0], [50, 0.3], [50, 0.6]], share 0.1: 49 -> 0; 50 and 60 -> 0.6 -> 60.00."""
    got = _bonuses(tmp_path, "[[50, 0], [50, 0.3], [50, 0.6]]", ["49", "50", "60"], "0.1")
    assert got == ["0.00", "60.00", "60.00"]


def test_it_should_step_down_inside_a_curve(tmp_path: Path) -> None:
    """Curve [[0, 0], [50, 1], [50, 0.5], [100, 1]], share 0.1: 49 -> 49 / 50 = 0.98 -> 98.00;
    50 -> the later point 0.5 -> 50.00; 75 -> 0.5 + 0.5 * 25 / 50 = 0.75 -> 75.00."""
    got = _bonuses(tmp_path, "[[0, 0], [50, 1], [50, 0.5], [100, 1]]", ["49", "50", "75"], "0.1")
    assert got == ["98.00", "50.00", "75.00"]


def test_it_should_pay_a_one_point_curve_flat(tmp_path: Path) -> None:
    """Curve [[10, 0.5]], share 0.2: 0.5 at any value -> 1,000 * 0.2 * 0.5 = 100.00."""
    assert _bonuses(tmp_path, "[[10, 0.5]]", ["0", "20"]) == ["100.00", "100.00"]


def test_it_should_pay_no_bonus_on_a_null_measure(tmp_path: Path) -> None:
    """No feedback in January: the resolution rate is null, and the bonus is 0.00 even
    though the curve is 0.5 below its first point."""
    p = plan(
        """
        measures:
          feedback: {resolution_rate: feedback, within_days: 10}
        components:
          bonus: {bonus: feedback, target_share: 0.2, curve: [[0.5, 0.5], [1, 1]]}
        """
    )
    result = calc(
        p,
        tmp_path,
        feedback=[("r1", "2027-02-01", "2027-02-02")],
        adjustments=[("r1", "2027-01", "0")],
    )
    assert paid(result, "bonus", period="2027-01") == "0.00"
    assert paid(result, "bonus", period="2027-02") == "200.00"  # 1,000 * 0.2 * 1


NULL_TIERED = """
measures:
  revenue: {sum: transactions.amount}
  deals: {count: transactions}
  deal_size: {ratio: [revenue, deals]}
components:
  marginal:
    commission: deal_size
    tiers: [{from: 0, rate: 0.03}, {from: 0.5, rate: 0.05}, {from: 1.0, rate: 0.08}]
  retroactive:
    commission: deal_size
    tiers: [{from: 0, rate: 0.03}, {from: 0.5, rate: 0.05}, {from: 1.0, rate: 0.08}]
    mode: retroactive
"""


def test_it_should_pay_zero_tiered_commission_on_a_null_measure(tmp_path: Path) -> None:
    """February has no deals: deal_size = 0 / 0 is null, so both tiered commissions pay 0.00
    (not 5,000 * 0.03 + 5,000 * 0.05 = 400.00 as if the null filled every band).
    January: one deal of 6,000 against 10,000: 5,000 * 0.03 + 1,000 * 0.05 = 200.00
    marginal; 6,000 * 0.05 = 300.00 retroactive."""
    result = calc(
        plan(NULL_TIERED),
        tmp_path,
        quotas=[("r1", "2027-01", "10000"), ("r1", "2027-02", "10000")],
        transactions=[("r1", "2027-01-15", "6000")],
        adjustments=[("r1", "2027-02", "0")],
    )
    assert (paid(result, "marginal"), paid(result, "retroactive")) == ("200.00", "300.00")
    feb = (
        paid(result, "marginal", period="2027-02"),
        paid(result, "retroactive", period="2027-02"),
    )
    assert feb == ("0.00", "0.00")


def test_it_should_pay_a_bonus_on_large_amounts_without_refusing_the_run(tmp_path: Path) -> None:
    """A $130M deal and a ratio of it: each step is bounded by its values once computed, so the
    bonus on a 0-1 share does not carry the revenue's size. 130,000,000.00 of which all is
    existing: share 1.000000; curve at 1 -> 1.0; 12,000 / 12 * 0.1225 * 1.0 = 122.50."""
    p = plan(
        """
        measures:
          revenue: {sum: transactions.amount}
          existing: {sum: transactions.amount, where: {deal_type: existing}}
          share: {ratio: [existing, revenue]}
        components:
          growth: {bonus: share, target_share: 0.1225, curve: [[0, 0], [0.5, 0.5], [1, 1.0]]}
        """
    )
    result = calc(p, tmp_path, transactions=[("r1", "2027-01-15", "130000000.00", "existing")])
    assert paid(result, "growth") == "122.50"
