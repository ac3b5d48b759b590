"""Every measure kind and option, worked out by hand on a few rows."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from compengine.errors import PlanError, Reason
from tests.engine.builders import calc, measure, plan

TWO_REPS = [("r1", "2020-01-01", "", "12000"), ("r2", "2020-01-01", "", "12000")]
PAY_REVENUE = """
components:
  pay: {commission: revenue, rate: 0.01}
"""
CARD = """
report_card:
  behaviours: {listens: 2, calls_back: 1}
"""


def test_it_should_sum_credited_amounts_with_their_splits(tmp_path: Path) -> None:
    """r1: 1,000.00 * 0.5 + 200 * 1 (no split) = 700; r2: 1,000.00 * 0.5 = 500."""
    p = plan("measures:\n  revenue: {sum: transactions.amount}", PAY_REVENUE)
    result = calc(
        p,
        tmp_path,
        reps=TWO_REPS,
        transactions=[
            ("r1", "2027-01-15", "1000.00", "new", "0.5", "t1"),
            ("r2", "2027-01-15", "1000.00", "new", "0.5", "t1"),
            ("r1", "2027-01-20", "200"),
        ],
    )
    assert measure(result, "revenue", "r1") == Decimal("700")
    assert measure(result, "revenue", "r2") == Decimal("500")


def test_it_should_count_and_sum_no_rows_as_zero(tmp_path: Path) -> None:
    """r1 is employed in January with no transactions: sum 0 and count 0, not null."""
    p = plan(
        """
        measures:
          revenue: {sum: transactions.amount}
          deals: {count: transactions}
        """,
        PAY_REVENUE,
    )
    result = calc(p, tmp_path, reps=TWO_REPS, transactions=[("r2", "2027-01-15", "10.00")])
    assert measure(result, "revenue", "r1") == 0
    assert measure(result, "deals", "r1") == 0
    assert measure(result, "deals", "r2") == 1


def test_it_should_sum_event_values_counting_an_empty_value_as_one(tmp_path: Path) -> None:
    """An empty value is 1: 1 + 2.5 = 3.5."""
    p = plan(
        """
        measures:
          revenue: {sum: transactions.amount}
          engagement: {sum: events.value}
        """,
        PAY_REVENUE,
    )
    result = calc(
        p, tmp_path, events=[("r1", "2027-01-05", "referral", ""), ("r1", "2027-01-06", "x", "2.5")]
    )
    assert measure(result, "engagement") == Decimal("3.5")


def test_it_should_count_only_rows_whose_column_is_one_of_the_listed_values(
    tmp_path: Path,
) -> None:
    """kind in [referral, testimonial]: the referral and the testimonial, not the social."""
    p = plan(
        """
        measures:
          revenue: {sum: transactions.amount}
          referrals: {count: events, where: {kind: [referral, testimonial]}}
          socials: {count: events, where: {kind: social}}
        """,
        PAY_REVENUE,
    )
    result = calc(
        p,
        tmp_path,
        events=[
            ("r1", "2027-01-05", "referral"),
            ("r1", "2027-01-06", "testimonial"),
            ("r1", "2027-01-07", "social"),
            ("r1", "2027-01-08", "Referral"),  # text compares exactly
        ],
    )
    assert measure(result, "referrals") == 2
    assert measure(result, "socials") == 1


def test_it_should_sum_only_matching_deal_types_leaving_out_empty_ones(tmp_path: Path) -> None:
    """deal_type existing: 300.00 + 50.25 = 350.25; the new and the empty deal type are out."""
    p = plan(
        """
        measures:
          revenue: {sum: transactions.amount}
          existing: {sum: transactions.amount, where: {deal_type: existing}}
        """,
        PAY_REVENUE,
    )
    result = calc(
        p,
        tmp_path,
        transactions=[
            ("r1", "2027-01-02", "300.00", "existing"),
            ("r1", "2027-01-03", "50.25", "existing"),
            ("r1", "2027-01-04", "1000.00", "new"),
            ("r1", "2027-01-05", "7.00", ""),
        ],
    )
    assert measure(result, "existing") == Decimal("350.25")
    assert measure(result, "revenue") == Decimal("1357.25")


def test_it_should_compare_a_where_value_as_written_even_unquoted(tmp_path: Path) -> None:
    """``where`` compares text: ``1001`` is the text 1001 (not a number), ``0042`` keeps its
    zeros (not octal 34), ``yes`` is yes (not true), ``1.50`` keeps its zero. deal_type
    1001: 300.00; [0042, yes, 1.50]: 20.00 + 3.00 + 0.25 = 23.25; 42 and 1.5 match none."""
    p = plan(
        """
        measures:
          revenue: {sum: transactions.amount}
          account: {sum: transactions.amount, where: {deal_type: 1001}}
          others: {sum: transactions.amount, where: {deal_type: [0042, yes, 1.50]}}
        """,
        PAY_REVENUE,
    )
    result = calc(
        p,
        tmp_path,
        transactions=[
            ("r1", "2027-01-02", "300.00", "1001"),
            ("r1", "2027-01-03", "20.00", "0042"),
            ("r1", "2027-01-04", "3.00", "yes"),
            ("r1", "2027-01-05", "0.25", "1.50"),
            ("r1", "2027-01-06", "4000.00", "42"),
            ("r1", "2027-01-07", "500.00", "1.5"),
        ],
    )
    assert measure(result, "account") == Decimal("300.00")
    assert measure(result, "others") == Decimal("23.25")


def test_it_should_match_an_empty_cell_by_the_empty_text_in_where(tmp_path: Path) -> None:
    """deal_type '': the 7.00 without a deal type; [new, '']: 1000.00 + 7.00 = 1007.00."""
    p = plan(
        """
        measures:
          untyped: {sum: transactions.amount, where: {deal_type: ''}}
          new_or_untyped: {sum: transactions.amount, where: {deal_type: [new, '']}}
        """,
        PAY_REVENUE.replace("commission: revenue", "commission: untyped"),
    )
    result = calc(
        p,
        tmp_path,
        transactions=[
            ("r1", "2027-01-02", "300.00", "existing"),
            ("r1", "2027-01-04", "1000.00", "new"),
            ("r1", "2027-01-05", "7.00", ""),
        ],
    )
    assert measure(result, "untyped") == Decimal("7.00")
    assert measure(result, "new_or_untyped") == Decimal("1007.00")


def test_it_should_compare_a_number_column_by_its_text_in_where(tmp_path: Path) -> None:
    """amount written "100.50" matches; "100.5" is the same number but other text."""
    p = plan(
        """
        measures:
          revenue: {sum: transactions.amount}
          exact: {count: transactions, where: {amount: "100.50"}}
        """,
        PAY_REVENUE,
    )
    result = calc(
        p, tmp_path, transactions=[("r1", "2027-01-02", "100.50"), ("r1", "2027-01-03", "100.5")]
    )
    assert measure(result, "exact") == 1


ATTAINMENT = """
measures:
  revenue: {sum: transactions.amount}
  attainment: {attainment: revenue}
components:
  pay: {commission: revenue, rate: 0.01}
"""


def _attainment_of(tmp_path: Path, revenue: str, rounding: str = "half_even") -> Decimal | None:
    result = calc(
        plan(ATTAINMENT, rounding=rounding),
        tmp_path,
        quotas=[("r1", "2027-01", "1000")],
        transactions=[("r1", "2027-01-10", revenue)],
    )
    return measure(result, "attainment")


def test_it_should_round_attainment_half_even_to_six_places(tmp_path: Path) -> None:
    """1,109.1256 / 1,000 = 1.1091256 -> 1.109126 (110.9126%)."""
    assert _attainment_of(tmp_path, "1109.1256") == Decimal("1.109126")


def test_it_should_round_an_attainment_tie_to_the_even_neighbour(tmp_path: Path) -> None:
    """1,000.0005 / 1,000 = 1.0000005 -> 1.000000; 1,000.0015 / 1,000 = 1.0000015 -> 1.000002."""
    assert _attainment_of(tmp_path / "a", "1000.0005") == Decimal("1.000000")
    assert _attainment_of(tmp_path / "b", "1000.0015") == Decimal("1.000002")
    # negative: -1.0000005 -> -1.000000; -1.0000015 -> -1.000002
    assert _attainment_of(tmp_path / "c", "-1000.0005") == Decimal("-1.000000")
    assert _attainment_of(tmp_path / "d", "-1000.0015") == Decimal("-1.000002")


def test_it_should_round_attainment_half_even_even_under_a_half_up_plan(tmp_path: Path) -> None:
    """Ratios are always half-even: 1.0000005 -> 1.000000, though paid amounts round half-up."""
    assert _attainment_of(tmp_path, "1000.0005", rounding="half_up") == Decimal("1.000000")


RATIO = """
measures:
  revenue: {sum: transactions.amount}
  a: {sum: events.value, where: {kind: a}}
  b: {sum: events.value, where: {kind: b}}
  a_per_b: {ratio: [a, b]}
"""


def test_it_should_round_a_ratio_half_even_to_six_places(tmp_path: Path) -> None:
    """2 / 3 = 0.6666666... -> 0.666667."""
    result = calc(
        plan(RATIO, PAY_REVENUE),
        tmp_path,
        events=[("r1", "2027-01-02", "a", "2"), ("r1", "2027-01-02", "b", "3")],
    )
    assert measure(result, "a_per_b") == Decimal("0.666667")


def test_it_should_round_ratio_ties_half_even_for_both_signs(tmp_path: Path) -> None:
    """r1: 1 / 2,000,000 = 0.0000005 -> 0.000000; r2: -3 / 2,000,000 = -0.0000015 -> -0.000002."""
    result = calc(
        plan(RATIO, PAY_REVENUE),
        tmp_path,
        reps=TWO_REPS,
        events=[
            ("r1", "2027-01-02", "a", "1"),
            ("r1", "2027-01-02", "b", "2000000"),
            ("r2", "2027-01-02", "a", "-3"),
            ("r2", "2027-01-02", "b", "2000000"),
        ],
    )
    assert measure(result, "a_per_b", "r1") == Decimal("0.000000")
    assert measure(result, "a_per_b", "r2") == Decimal("-0.000002")


RATIO_OF_NULLS = (
    RATIO
    + """\
  card: {report_card: grades}
  a_per_card: {ratio: [a, card]}
  card_per_a: {ratio: [card, a]}
  a_per_b_or_zero: {ratio: [a, b], default: 0}
"""
)


def test_it_should_leave_a_ratio_null_when_the_divisor_is_zero_or_null(tmp_path: Path) -> None:
    """b = 0 -> null; a report card without grades is null, so a ratio of it is null too."""
    result = calc(
        plan(CARD, RATIO_OF_NULLS, PAY_REVENUE), tmp_path, events=[("r1", "2027-01-02", "a", "4")]
    )
    assert measure(result, "b") == 0
    assert measure(result, "a_per_b") is None
    assert measure(result, "a_per_card") is None
    assert measure(result, "card_per_a") is None
    assert measure(result, "a_per_b_or_zero") == 0  # the default replaces the null


REPORT_CARD = (
    CARD,
    """
measures:
  revenue: {sum: transactions.amount}
  card: {report_card: grades}
  card3: {report_card: grades, min_ratings: 3}
  card3_or_60: {report_card: grades, min_ratings: 3, default: 60}
  listening: {report_card: grades, where: {behaviour: listens}}
""",
    PAY_REVENUE,
)


def test_it_should_weigh_grade_points_by_behaviour(tmp_path: Path) -> None:
    """(A 100 * 2 + B 75 * 1 + D 0 * 2) / (2 + 1 + 2) = 275 / 5 = 55."""
    result = calc(
        plan(*REPORT_CARD),
        tmp_path,
        grades=[
            ("r1", "2027-01", "listens", "A"),
            ("r1", "2027-01", "calls_back", "B"),
            ("r1", "2027-01", "listens", "D"),
        ],
    )
    assert measure(result, "card") == Decimal("55")
    assert measure(result, "card3") == Decimal("55")  # exactly min_ratings grades is enough
    assert measure(result, "listening") == Decimal("50")  # (100 * 2 + 0 * 2) / 4


def test_it_should_round_the_report_card_half_even_to_six_places(tmp_path: Path) -> None:
    """(A 100 * 2 + B 75 * 1) / (2 + 1) = 275 / 3 = 91.6666666... -> 91.666667."""
    result = calc(
        plan(*REPORT_CARD),
        tmp_path,
        grades=[("r1", "2027-01", "listens", "A"), ("r1", "2027-01", "calls_back", "B")],
    )
    assert measure(result, "card") == Decimal("91.666667")


def test_it_should_give_null_below_min_ratings_and_then_the_default(tmp_path: Path) -> None:
    """2 grades, min_ratings 3: null, and the default 60 where one is given."""
    result = calc(
        plan(*REPORT_CARD),
        tmp_path,
        grades=[("r1", "2027-01", "listens", "A"), ("r1", "2027-01", "calls_back", "B")],
    )
    assert measure(result, "card3") is None
    assert measure(result, "card3_or_60") == 60


def test_it_should_give_null_for_a_report_card_without_grades(tmp_path: Path) -> None:
    """No grades: null (not 0), and the default 60 where one is given."""
    result = calc(plan(*REPORT_CARD), tmp_path, transactions=[("r1", "2027-01-02", "1.00")])
    assert measure(result, "card") is None
    assert measure(result, "card3_or_60") == 60


def test_it_should_score_grades_on_the_plans_grade_points(tmp_path: Path) -> None:
    """Points A 4, B 3, D 1: (4 * 2 + 3 * 1 + 1 * 2) / 5 = 13 / 5 = 2.6."""
    p = plan(
        """
        report_card:
          behaviours: {listens: 2, calls_back: 1}
          grade_points: {A: 4, B: 3, D: 1}
        measures:
          revenue: {sum: transactions.amount}
          card: {report_card: grades}
        """,
        PAY_REVENUE,
    )
    result = calc(
        p,
        tmp_path,
        grades=[
            ("r1", "2027-01", "listens", "A"),
            ("r1", "2027-01", "calls_back", "B"),
            ("r1", "2027-01", "listens", "D"),
        ],
    )
    assert measure(result, "card") == Decimal("2.6")


FEEDBACK = """
measures:
  revenue: {sum: transactions.amount}
  resolved10: {resolution_rate: feedback, within_days: 10}
  same_day: {resolution_rate: feedback, within_days: 0}
  customers: {resolution_rate: feedback, within_days: 10, where: {source: [customer, won]}}
  resolved_or_1: {resolution_rate: feedback, within_days: 10, default: 1}
"""


def test_it_should_count_a_resolution_exactly_within_days_as_on_time(tmp_path: Path) -> None:
    """Opened 01-01: resolved 01-01 (0 days) and 01-11 (10 days) are on time, 01-12 (11 days)
    is late and the unresolved item scores 0: 2 / 4 = 0.5. Within 0 days: 1 / 4 = 0.25."""
    result = calc(
        plan(FEEDBACK, PAY_REVENUE),
        tmp_path,
        feedback=[
            ("r1", "2027-01-01", "2027-01-01"),
            ("r1", "2027-01-01", "2027-01-11"),
            ("r1", "2027-01-01", "2027-01-12"),
            ("r1", "2027-01-01", ""),
        ],
    )
    assert measure(result, "resolved10") == Decimal("0.5")
    assert measure(result, "same_day") == Decimal("0.25")


def test_it_should_rate_only_the_listed_feedback_sources(tmp_path: Path) -> None:
    """source in [customer, won]: on time + late + unresolved = 1 / 3 = 0.333333; the
    prospect and the item without a source are left out."""
    result = calc(
        plan(FEEDBACK, PAY_REVENUE),
        tmp_path,
        feedback=[
            ("r1", "2027-01-01", "2027-01-05", "customer"),
            ("r1", "2027-01-01", "2027-01-20", "won"),
            ("r1", "2027-01-01", "", "customer"),
            ("r1", "2027-01-01", "2027-01-02", "prospect"),
            ("r1", "2027-01-01", "2027-01-02", ""),
        ],
    )
    assert measure(result, "customers") == Decimal("0.333333")
    assert measure(result, "resolved10") == Decimal("0.6")  # 3 of 5 on time


def test_it_should_rate_feedback_in_the_period_it_was_opened(tmp_path: Path) -> None:
    """Opened 01-25, resolved 02-03 (9 days): on time, in January. February has no items."""
    result = calc(
        plan(FEEDBACK, PAY_REVENUE),
        tmp_path,
        feedback=[("r1", "2027-01-25", "2027-02-03")],
        transactions=[("r1", "2027-02-10", "5.00")],
    )
    assert measure(result, "resolved10", period="2027-01") == 1
    assert measure(result, "resolved10", period="2027-02") is None  # no items: null
    assert measure(result, "resolved_or_1", period="2027-02") == 1


RECOVERY = """
measures:
  revenue: {sum: transactions.amount}
  recovery: {recovery_score: incidents, within_days: 5}
  recovery_or_100: {recovery_score: incidents, within_days: 5, default: 100}
"""


def test_it_should_score_late_and_unresolved_recoveries_zero(tmp_path: Path) -> None:
    """Opened 01-10: A resolved 01-15 (5 days) 100, B same day 75, A on 01-16 (6 days, late) 0,
    unresolved 0: (100 + 75 + 0 + 0) / 4 = 43.75."""
    result = calc(
        plan(RECOVERY, PAY_REVENUE),
        tmp_path,
        incidents=[
            ("r1", "2027-01-10", "2027-01-15", "A"),
            ("r1", "2027-01-10", "2027-01-10", "B"),
            ("r1", "2027-01-10", "2027-01-16", "A"),
            ("r1", "2027-01-10", "", ""),
        ],
    )
    assert measure(result, "recovery") == Decimal("43.75")


def test_it_should_round_the_recovery_score_half_even_to_six_places(tmp_path: Path) -> None:
    """(100 + 100 + D 0) / 3 = 66.6666666... -> 66.666667."""
    result = calc(
        plan(RECOVERY, PAY_REVENUE),
        tmp_path,
        incidents=[
            ("r1", "2027-01-10", "2027-01-11", "A"),
            ("r1", "2027-01-10", "2027-01-11", "A"),
            ("r1", "2027-01-10", "2027-01-11", "D"),
        ],
    )
    assert measure(result, "recovery") == Decimal("66.666667")


def test_it_should_score_recoveries_on_the_plans_grade_points(tmp_path: Path) -> None:
    """Points A 10, B 6: (10 + 6) / 2 = 8."""
    p = plan(
        """
        report_card:
          behaviours: {listens: 1}
          grade_points: {A: 10, B: 6, D: 0}
        """,
        RECOVERY,
        PAY_REVENUE,
    )
    result = calc(
        p,
        tmp_path,
        incidents=[
            ("r1", "2027-01-10", "2027-01-11", "A"),
            ("r1", "2027-01-10", "2027-01-11", "B"),
        ],
    )
    assert measure(result, "recovery") == 8


def test_it_should_give_null_without_incidents_and_then_the_default(tmp_path: Path) -> None:
    """No incidents in January: null, and 100 where the default is 100."""
    result = calc(plan(RECOVERY, PAY_REVENUE), tmp_path, transactions=[("r1", "2027-01-02", "1")])
    assert measure(result, "recovery") is None
    assert measure(result, "recovery_or_100") == 100


def test_it_should_count_feedback_and_incidents_with_where(tmp_path: Path) -> None:
    """Feedback from customers: 2 of 3 items; incidents: 1 (opened in January)."""
    p = plan(
        """
        measures:
          revenue: {sum: transactions.amount}
          customer_items: {count: feedback, where: {source: customer}}
          incidents: {count: incidents}
        """,
        PAY_REVENUE,
    )
    result = calc(
        p,
        tmp_path,
        feedback=[
            ("r1", "2027-01-02", "", "customer"),
            ("r1", "2027-01-03", "", "customer"),
            ("r1", "2027-01-04", "", "prospect"),
        ],
        incidents=[("r1", "2027-01-05", "", "")],
    )
    assert measure(result, "customer_items") == 2
    assert measure(result, "incidents") == 1


def test_it_should_compare_a_date_column_by_its_text_in_where(tmp_path: Path) -> None:
    """where {date: "2027-01-15"}: the 15th's 40.00, not the 16th's 2.00."""
    p = plan(
        """
        measures:
          revenue: {sum: transactions.amount}
          mid_month: {sum: transactions.amount, where: {date: "2027-01-15"}}
        """,
        PAY_REVENUE,
    )
    result = calc(
        p, tmp_path, transactions=[("r1", "2027-01-15", "40.00"), ("r1", "2027-01-16", "2.00")]
    )
    assert measure(result, "mid_month") == Decimal("40")


def test_it_should_credit_returns_as_negative_amounts(tmp_path: Path) -> None:
    """1,000.00 sold, 250.50 returned at a split of 0.5 each with r2: 1,000 - 125.25 = 874.75."""
    p = plan("measures:\n  revenue: {sum: transactions.amount}", PAY_REVENUE)
    result = calc(
        p,
        tmp_path,
        reps=TWO_REPS,
        transactions=[
            ("r1", "2027-01-10", "1000.00"),
            ("r1", "2027-01-20", "-250.50", "", "0.5", "ret"),
            ("r2", "2027-01-20", "-250.50", "", "0.5", "ret"),
        ],
    )
    assert measure(result, "revenue", "r1") == Decimal("874.75")
    assert measure(result, "revenue", "r2") == Decimal("-125.25")


def test_it_should_refuse_amounts_whose_credit_would_not_fit_exact_arithmetic(
    tmp_path: Path,
) -> None:
    """24 whole digits times a split of 12 decimals is 40 digits: an Int128 would wrap around
    and pay a negative revenue; the run is refused before anything is computed."""
    big = "999999999999999999999999.0000"
    needs = r"measures\.revenue: exact arithmetic needs 40 digits"
    with pytest.raises(PlanError, match=needs) as refused:
        calc(
            plan("measures:\n  revenue: {sum: transactions.amount}", PAY_REVENUE),
            tmp_path,
            transactions=[
                ("r1", "2027-01-05", big, "new", "0.333333333333", "t1"),
                ("r2", "2027-01-05", big, "new", "0.666666666667", "t1"),
            ],
            reps=TWO_REPS,
        )
    assert refused.value.reason == Reason.PRECISION
