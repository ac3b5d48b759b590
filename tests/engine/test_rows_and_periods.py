"""Which rows exist, prorated period targets, quarterly quotas and the period of each row."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from compengine.engine.calculate import Result
from tests.engine.builders import calc, keys, measure, paid, plan, row, run, write_data

REVENUE = """
measures:
  revenue: {sum: transactions.amount}
components:
  commission: {commission: revenue, rate: 0.1}
"""
BONUS = """
measures:
  revenue: {sum: transactions.amount}
components:
  bonus: {bonus: revenue, target_share: 1, curve: [[0, 1]]}
"""


def _target(result: Result, rep_id: str, period: str) -> str:
    return row(result.measures, rep_id, period)["period_target"]


def test_it_should_prorate_the_period_target_from_the_hire_date(tmp_path: Path) -> None:
    """Hired 2027-01-15: January 15..31 inclusive = 17 of 31 days:
    12,000 * 17 / (12 * 31) = 204,000 / 372 = 548.387... -> 548.39; February: 1,000.00.
    The flat bonus pays the whole period target."""
    result = calc(
        plan(BONUS),
        tmp_path,
        reps=[("r1", "2027-01-15", "", "12000")],
        transactions=[("r1", "2027-01-20", "1"), ("r1", "2027-02-20", "1")],
    )
    assert _target(result, "r1", "2027-01") == "548.39"
    assert _target(result, "r1", "2027-02") == "1000.00"
    assert paid(result, "bonus", period="2027-01") == "548.39"


def test_it_should_prorate_the_period_target_to_the_termination_date(tmp_path: Path) -> None:
    """Terminated 2027-02-10: February 1..10 inclusive = 10 of 28 days:
    12,000 * 10 / (12 * 28) = 120,000 / 336 = 357.142... -> 357.14. No March row: r1 is not
    employed and has no input rows there (r2's March sale makes March part of the run)."""
    result = calc(
        plan(REVENUE),
        tmp_path,
        reps=[("r1", "2020-01-01", "2027-02-10", "12000"), ("r2", "2020-01-01", "", "12000")],
        transactions=[("r1", "2027-02-05", "1"), ("r2", "2027-03-05", "1")],
    )
    assert _target(result, "r1", "2027-02") == "357.14"
    assert keys(result.payouts) == [("r1", "2027-02"), ("r2", "2027-02"), ("r2", "2027-03")]


def test_it_should_count_hire_and_termination_days_inclusive(tmp_path: Path) -> None:
    """Hired 2027-03-10, terminated 2027-03-20: 11 of 31 days:
    12,000 * 11 / 372 = 354.838... -> 354.84. A one-day job, 2027-03-31 to 2027-03-31:
    12,000 * 1 / 372 = 32.258... -> 32.26."""
    result = calc(
        plan(REVENUE),
        tmp_path,
        reps=[
            ("r1", "2027-03-10", "2027-03-20", "12000"),
            ("r2", "2027-03-31", "2027-03-31", "12000"),
        ],
        transactions=[("r1", "2027-03-15", "1")],
    )
    assert _target(result, "r1", "2027-03") == "354.84"
    assert _target(result, "r2", "2027-03") == "32.26"


def test_it_should_prorate_over_a_leap_february(tmp_path: Path) -> None:
    """Hired 2028-02-15: 15 of 29 days: 12,000 * 15 / (12 * 29) = 180,000 / 348 = 517.241...
    -> 517.24."""
    result = calc(
        plan(REVENUE),
        tmp_path,
        reps=[("r1", "2028-02-15", "", "12000")],
        transactions=[("r1", "2028-02-20", "1")],
    )
    assert _target(result, "r1", "2028-02") == "517.24"


def test_it_should_keep_a_row_with_input_but_no_employed_day(tmp_path: Path) -> None:
    """Terminated 2027-01-31, a March adjustment of 25: the March row exists with period
    target 0.00 and total 25.00; February (nothing) has no row."""
    result = calc(
        plan(BONUS),
        tmp_path,
        reps=[("r1", "2020-01-01", "2027-01-31", "12000")],
        transactions=[("r1", "2027-01-10", "1")],
        adjustments=[("r1", "2027-03", "25")],
    )
    assert keys(result.payouts) == [("r1", "2027-01"), ("r1", "2027-03")]
    assert _target(result, "r1", "2027-03") == "0.00"
    assert paid(result, "bonus", period="2027-03") == "0.00"
    assert paid(result, "total", period="2027-03") == "25.00"


def test_it_should_put_each_dated_row_in_the_period_of_its_date(tmp_path: Path) -> None:
    """100 on 2027-01-31 is January's (10.00); 200 on 2027-02-01 is February's (20.00)."""
    result = calc(
        plan(REVENUE),
        tmp_path,
        transactions=[("r1", "2027-01-31", "100"), ("r1", "2027-02-01", "200")],
    )
    assert paid(result, "commission", period="2027-01") == "10.00"
    assert paid(result, "commission", period="2027-02") == "20.00"


def test_it_should_calculate_only_the_periods_asked_for(tmp_path: Path) -> None:
    """--from 2027-02 --to 2027-03: January's and April's sales are left out of the rows."""
    folder = write_data(
        tmp_path,
        transactions=[
            ("r1", "2027-01-15", "100"),
            ("r1", "2027-02-15", "200"),
            ("r1", "2027-04-15", "400"),
        ],
    )
    result = run(plan(REVENUE), folder, "2027-02", "2027-03")
    assert keys(result.payouts) == [("r1", "2027-02"), ("r1", "2027-03")]
    assert paid(result, "commission", period="2027-02") == "20.00"
    assert paid(result, "commission", period="2027-03") == "0.00"


def test_it_should_sort_rows_by_rep_then_period(tmp_path: Path) -> None:
    result = calc(
        plan(REVENUE),
        tmp_path,
        reps=[("r2", "2020-01-01", "", "12000"), ("r1", "2020-01-01", "", "12000")],
        transactions=[("r2", "2027-02-01", "1"), ("r1", "2027-01-01", "1")],
    )
    assert keys(result.payouts) == [
        ("r1", "2027-01"),
        ("r1", "2027-02"),
        ("r2", "2027-01"),
        ("r2", "2027-02"),
    ]
    assert keys(result.measures) == keys(result.payouts)


def test_it_should_prorate_a_quarterly_period_target(tmp_path: Path) -> None:
    """Q1 2027 has 90 days. r1 (employed all quarter): 12,000 * 90 / (4 * 90) = 3,000.00.
    r2 hired 2027-02-01: February 28 + March 31 = 59 days: 12,000 * 59 / 360 = 1,966.666...
    -> 1,966.67. Q2 has 91 days; r3 terminated 2027-05-15: April 30 + May 15 = 45 days:
    12,000 * 45 / (4 * 91) = 540,000 / 364 = 1,483.516... -> 1,483.52."""
    result = calc(
        plan(REVENUE, period="quarter"),
        tmp_path,
        reps=[
            ("r1", "2020-01-01", "", "12000"),
            ("r2", "2027-02-01", "", "12000"),
            ("r3", "2020-01-01", "2027-05-15", "12000"),
        ],
        transactions=[("r1", "2027-01-15", "1"), ("r1", "2027-04-15", "1")],
    )
    assert _target(result, "r1", "2027-Q1") == "3000.00"
    assert _target(result, "r2", "2027-Q1") == "1966.67"
    assert _target(result, "r3", "2027-Q2") == "1483.52"


QUARTER_ATTAINMENT = """
measures:
  revenue: {sum: transactions.amount}
  attainment: {attainment: revenue}
components:
  commission:
    commission: revenue
    tiers: [{from: 0, rate: 0.1}, {from: 1, rate: 0.2}]
"""


def test_it_should_sum_the_monthly_quotas_of_a_quarter(tmp_path: Path) -> None:
    """Q1 quota = 1,000 + 2,000 + 3,000 = 6,000; sales 1,000 (2027-01-31) + 2,000 (2027-03-31)
    = 3,000: attainment 0.5, commission 3,000 * 0.1 = 300.00. The April sale of 7,000 is Q2's,
    against the quarter row's 5,000: attainment 1.4, commission 5,000 * 0.1 + 2,000 * 0.2 =
    900.00."""
    result = calc(
        plan(QUARTER_ATTAINMENT, period="quarter"),
        tmp_path,
        quotas=[
            ("r1", "2027-01", "1000"),
            ("r1", "2027-02", "2000"),
            ("r1", "2027-03", "3000"),
            ("r1", "2027-Q2", "5000"),
        ],
        transactions=[
            ("r1", "2027-01-31", "1000"),
            ("r1", "2027-03-31", "2000"),
            ("r1", "2027-04-01", "7000"),
        ],
    )
    assert measure(result, "attainment", period="2027-Q1") == Decimal("0.5")
    assert paid(result, "commission", period="2027-Q1") == "300.00"
    assert measure(result, "attainment", period="2027-Q2") == Decimal("1.4")
    assert paid(result, "commission", period="2027-Q2") == "900.00"


def test_it_should_count_monthly_grades_and_adjustments_in_their_quarter(
    tmp_path: Path,
) -> None:
    """Grades of 2027-01 (A, 100) and 2027-03 (D, 0) make Q1's report card (100 + 0) / 2 = 50.
    Adjustments 10.00 (2027-02) + 5.00 (2027-03) + 1.25 (2027-Q1) = 16.25."""
    p = plan(
        """
        report_card:
          behaviours: {listens: 1}
        measures:
          revenue: {sum: transactions.amount}
          card: {report_card: grades}
        components:
          commission: {commission: revenue, rate: 0.1}
        """,
        period="quarter",
    )
    result = calc(
        p,
        tmp_path,
        grades=[("r1", "2027-01", "listens", "A"), ("r1", "2027-03", "listens", "D")],
        adjustments=[
            ("r1", "2027-02", "10.00"),
            ("r1", "2027-03", "5.00"),
            ("r1", "2027-Q1", "1.25"),
        ],
    )
    assert keys(result.payouts) == [("r1", "2027-Q1")]
    assert measure(result, "card", period="2027-Q1") == 50
    assert paid(result, "adjustments", period="2027-Q1") == "16.25"
    assert paid(result, "total", period="2027-Q1") == "16.25"


def test_it_should_keep_a_row_for_a_sale_before_the_hire_date(tmp_path: Path) -> None:
    """Hired 2027-02-01 with a sale dated 2027-01-20: January's row exists with period target
    0.00 and commission 100 * 0.1 = 10.00."""
    result = calc(
        plan(REVENUE),
        tmp_path,
        reps=[("r1", "2027-02-01", "", "12000")],
        transactions=[("r1", "2027-01-20", "100"), ("r1", "2027-02-20", "1")],
    )
    assert _target(result, "r1", "2027-01") == "0.00"
    assert paid(result, "commission", period="2027-01") == "10.00"


def test_it_should_rate_quarterly_feedback_in_the_quarter_it_was_opened(tmp_path: Path) -> None:
    """Opened 2027-03-30, resolved 2027-04-05 (6 days, within 7): Q1's rate is 1; Q2 has none."""
    p = plan(
        """
        measures:
          revenue: {sum: transactions.amount}
          feedback: {resolution_rate: feedback, within_days: 7}
        components:
          commission: {commission: revenue, rate: 0.1}
        """,
        period="quarter",
    )
    folder = write_data(tmp_path, feedback=[("r1", "2027-03-30", "2027-04-05")])
    result = run(p, folder, "2027-Q1", "2027-Q2")
    assert measure(result, "feedback", period="2027-Q1") == 1
    assert measure(result, "feedback", period="2027-Q2") is None
