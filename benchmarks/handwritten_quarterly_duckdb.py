"""The quarterly plans in ``plans/`` written by hand in DuckDB SQL, benchmark baselines.

The same plans as ``handwritten_quarterly.py`` (``account-manager-quarterly.yaml`` and
``weighted-scorecard.yaml``), each one SQL query over the CSVs (``read_csv`` with the columns
typed), floats, no validation, no audit trail. Monthly quotas are summed into their quarter;
monthly grades and adjustments count in the quarter that holds their month. It writes
``payouts.csv`` (rep_id, period, each component, adjustments, total).

    python benchmarks/handwritten_quarterly_duckdb.py --plan NAME --data DIR --out FILE
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import duckdb
from handwritten_duckdb import POINTS, curve, lookup, table

QUARTER = "year({0}) * 4 + (month({0}) - 1) // 3"
PERIOD_QUARTER = (
    "CAST(substr(period, 1, 4) AS INTEGER) * 4 + (CAST(substr(period, 6, 2) AS INTEGER) - 1) // 3"
)
WITHIN = "(resolved IS NOT NULL AND date_diff('day', opened, resolved) <= {0})"


def common(data: Path, weights: dict[str, float], min_ratings: int, recovery_days: int) -> str:
    """The CTEs both plans share: the tables by quarter, and the rows to pay."""
    return f"""
txns AS (
    SELECT rep_id, {QUARTER.format("date")} AS quarter, amount * coalesce(split, 1.0) AS credit,
        deal_type
    FROM {table(data, "transactions")}
),
grades AS (
    SELECT rep_id, {PERIOD_QUARTER} AS quarter,
        CASE WHEN count(*) >= {min_ratings} THEN round_even(
            sum({lookup("grade", POINTS)} * {lookup("behaviour", weights)})
            / sum({lookup("behaviour", weights)}), 6) END AS relationship
    FROM {table(data, "grades")} GROUP BY ALL
),
feedback_rows AS (
    SELECT rep_id, {QUARTER.format("opened")} AS quarter, opened, resolved
    FROM {table(data, "feedback")}
),
incidents AS (
    SELECT rep_id, {QUARTER.format("opened")} AS quarter,
        round_even(avg(CASE WHEN {WITHIN.format(recovery_days)}
            THEN {lookup("recovery_grade", POINTS)} ELSE 0.0 END), 6) AS recovery
    FROM {table(data, "incidents")} GROUP BY ALL
),
event_rows AS (
    SELECT rep_id, {QUARTER.format("date")} AS quarter, kind, coalesce(value, 1.0) AS value
    FROM {table(data, "events")}
),
adjustments AS (
    SELECT rep_id, {PERIOD_QUARTER} AS quarter, sum(amount) AS amount
    FROM {table(data, "adjustments")} GROUP BY ALL
),
quotas AS (
    SELECT rep_id, {PERIOD_QUARTER} AS quarter, sum(quota) AS quota
    FROM {table(data, "quotas")} GROUP BY ALL
),
active AS (
    SELECT rep_id, quarter FROM txns UNION SELECT rep_id, quarter FROM grades
    UNION SELECT rep_id, quarter FROM feedback_rows UNION SELECT rep_id, quarter FROM incidents
    UNION SELECT rep_id, quarter FROM event_rows UNION SELECT rep_id, quarter FROM adjustments
),
quarters AS (
    SELECT unnest(range(min(quarter), max(quarter) + 1)) AS quarter FROM active
),
bounded AS (
    SELECT *, CAST(start + INTERVAL 3 MONTH - INTERVAL 1 DAY AS DATE) AS finish
    FROM (
        SELECT *, make_date(CAST(quarter // 4 AS INTEGER), CAST(quarter % 4 * 3 + 1 AS INTEGER),
            1) AS start
        FROM {table(data, "reps")} CROSS JOIN quarters
    )
),
grid AS (
    SELECT rep_id, quarter, target_incentive,
        date_diff('day', greatest(start, hire_date),
            least(finish, coalesce(termination_date, finish))) + 1 AS employed,
        date_diff('day', start, finish) + 1 AS days
    FROM bounded
),
paid AS (
    SELECT * FROM grid WHERE employed > 0
    UNION SELECT * FROM grid SEMI JOIN active USING (rep_id, quarter)
),
targets AS (
    SELECT *,
        round_even(target_incentive * greatest(employed, 0) / (4 * days), 2) AS period_target
    FROM paid
)"""


def payouts(frame: str, components: dict[str, str], half_up: bool) -> str:
    """The final SELECT: rounded components, adjustments, total, sorted."""
    rounding = "round" if half_up else "round_even"
    amounts = {name: f"{rounding}({amount}, 2)" for name, amount in components.items()}
    amounts["adjustments"] = f"{rounding}(coalesce(amount, 0), 2)"
    money = ", ".join(f"CAST({c} AS DECIMAL(18, 2)) AS {c}" for c in amounts)
    total = " + ".join(f"coalesce({c}, 0)" for c in amounts)
    return f"""
, amounts AS (
    SELECT rep_id, quarter, {", ".join(f"{e} AS {c}" for c, e in amounts.items())} FROM {frame}
)
SELECT rep_id, printf('%d-Q%d', quarter // 4, quarter % 4 + 1) AS period, {money},
    CAST({total} AS DECIMAL(18, 2)) AS total
FROM amounts ORDER BY rep_id, period
"""


def capped(amount: str, cap: str) -> str:
    """A cap on positive amounts."""
    return f"CASE WHEN ({amount}) > 0 AND ({amount}) > {cap} THEN {cap} ELSE {amount} END"


def account_manager(data: Path) -> str:
    """plans/account-manager-quarterly.yaml."""
    weights = {
        "listens_actively": 1.0,
        "returns_calls_promptly": 1.0,
        "keeps_promises": 3.0,
        "speaks_plainly": 1.0,
        "solves_my_problems": 2.0,
        "owns_service_recovery": 3.0,
    }
    revenue = "coalesce(revenue, 0)"
    attainment = f"round_even({revenue} / quota, 6)"
    existing = "coalesce(existing_revenue, 0)"
    share = f"CASE WHEN {revenue} <> 0 THEN round_even({existing} / {revenue}, 6) END"
    rate = (
        f"CASE WHEN {attainment} >= 1.3 THEN 0.055 WHEN {attainment} >= 1.0 THEN 0.045 "
        f"WHEN {attainment} >= 0.75 THEN 0.03 ELSE 0.015 END"
    )
    by_relationship = (
        "CASE WHEN relationship IS NULL THEN 1.0 WHEN relationship >= 85 THEN 1.1 "
        "WHEN relationship >= 70 THEN 1.0 ELSE 0.85 END"
    )
    gate = "CASE WHEN coalesce(recovery, 100) < 30 THEN 0.75 ELSE 1.0 END"
    components = {
        "revenue_commission": capped(f"{rate} * {revenue} * {by_relationship} * {gate}", "45000"),
        "growth_bonus": f"period_target * 0.15 * "
        f"{curve(share, [(0.5, 0), (0.65, 1.0), (0.8, 1.3)])} * {by_relationship}",
        "strategy_bonus": "period_target * 0.10 * "
        + curve("coalesce(strategy_hours, 0)", [(0, 0), (3, 1.0), (6, 1.25)]),
        "advocacy_bonus": "period_target * 0.05 * "
        + curve("coalesce(advocacy, 0)", [(0, 0), (1, 0.5), (3, 1.0)]),
    }
    return (
        "WITH"
        + common(data, weights, 6, 7)
        + """,
revenue AS (
    SELECT rep_id, quarter, sum(credit) AS revenue,
        coalesce(sum(credit) FILTER (WHERE deal_type = 'existing'), 0) AS existing_revenue
    FROM txns GROUP BY rep_id, quarter
),
events AS (
    SELECT rep_id, quarter,
        coalesce(sum(value) FILTER (WHERE kind = 'joint_strategy'), 0) AS strategy_hours,
        count(*) FILTER (WHERE kind IN ('referral', 'testimonial')) AS advocacy
    FROM event_rows GROUP BY rep_id, quarter
),
frame AS (
    SELECT * FROM targets
    LEFT JOIN revenue USING (rep_id, quarter)
    LEFT JOIN events USING (rep_id, quarter)
    LEFT JOIN grades USING (rep_id, quarter)
    LEFT JOIN incidents USING (rep_id, quarter)
    LEFT JOIN adjustments USING (rep_id, quarter)
    LEFT JOIN quotas USING (rep_id, quarter)
)"""
        + payouts("frame", components, half_up=True)
    )


def weighted_scorecard(data: Path) -> str:
    """plans/weighted-scorecard.yaml."""
    weights = {
        "listens_actively": 1.0,
        "never_breaks_a_promise": 1.0,
        "acts_like_a_partner": 1.0,
        "champion_inside": 1.0,
    }
    attainment = "round_even(coalesce(revenue, 0) / quota, 6)"
    relationship = "coalesce(relationship, 75)"
    gate = f"CASE WHEN {relationship} < 40 THEN 0.0 ELSE 1.0 END"
    score = f"period_target * 0.55 * {curve(attainment, [(0.6, 0), (1.0, 1.0), (1.5, 2.0)])}"
    components = {
        "revenue_score": capped(f"{score} * {gate}", "1.1 * period_target"),
        "relationship_score": "period_target * 0.25 * "
        + curve(relationship, [(50, 0), (100, 1.25)]),
        "feedback_score": "period_target * 0.10 * "
        + curve("coalesce(feedback, 1)", [(0.7, 0), (1.0, 1.0)]),
        "recovery_score": "period_target * 0.10 * " + curve("recovery", [(0, 0), (100, 1.0)]),
    }
    return (
        "WITH"
        + common(data, weights, 0, 7)
        + f""",
revenue AS (SELECT rep_id, quarter, sum(credit) AS revenue FROM txns GROUP BY rep_id, quarter),
feedback AS (
    SELECT rep_id, quarter,
        round_even(avg(CASE WHEN {WITHIN.format(14)} THEN 1.0 ELSE 0.0 END), 6) AS feedback
    FROM feedback_rows GROUP BY rep_id, quarter
),
frame AS (
    SELECT * FROM targets
    LEFT JOIN revenue USING (rep_id, quarter)
    LEFT JOIN grades USING (rep_id, quarter)
    LEFT JOIN feedback USING (rep_id, quarter)
    LEFT JOIN incidents USING (rep_id, quarter)
    LEFT JOIN adjustments USING (rep_id, quarter)
    LEFT JOIN quotas USING (rep_id, quarter)
)"""
        + payouts("frame", components, half_up=False)
    )


QUERIES: dict[str, Callable[[Path], str]] = {
    "account-manager-quarterly": account_manager,
    "weighted-scorecard": weighted_scorecard,
}


def main() -> None:
    """Run the plan's query on ``--data`` and write ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", choices=QUERIES, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    out = str(args.out).replace("'", "''")
    query = QUERIES[args.plan](args.data)
    duckdb.connect().execute(f"COPY ({query}) TO '{out}' (HEADER, DELIMITER ',')")


if __name__ == "__main__":
    main()
