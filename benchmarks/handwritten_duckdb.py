"""plans/relationship-first.yaml written by hand in DuckDB SQL, the second baseline.

The same plan as ``handwritten.py``, written as a SQL analyst would: one query over the CSVs
(``read_csv`` with the columns typed), floats, no validation, no audit trail. It writes
``payouts.csv`` (rep_id, period, each component, adjustments, total) so the benchmark can
check it pays what compengine pays.

    python benchmarks/handwritten_duckdb.py --data DIR --out FILE
"""

from __future__ import annotations

import argparse
from itertools import pairwise
from pathlib import Path

import duckdb

WEIGHTS = {
    "listens_actively": 2.0,
    "returns_calls_promptly": 1.0,
    "keeps_promises": 2.0,
    "speaks_plainly": 1.0,
    "solves_my_problems": 2.0,
    "owns_service_recovery": 2.0,
}
POINTS = {"A": 100.0, "B": 75.0, "D": 0.0}
COLUMNS = {
    "reps": "rep_id VARCHAR, name VARCHAR, manager_id VARCHAR, hire_date DATE, "
    "termination_date DATE, target_incentive DOUBLE",
    "quotas": "rep_id VARCHAR, period VARCHAR, quota DOUBLE",
    "transactions": "txn_id VARCHAR, rep_id VARCHAR, account_id VARCHAR, date DATE, "
    "amount DOUBLE, deal_type VARCHAR, split DOUBLE",
    "grades": "rep_id VARCHAR, account_id VARCHAR, period VARCHAR, behaviour VARCHAR, "
    "grade VARCHAR, comment VARCHAR",
    "feedback": "feedback_id VARCHAR, rep_id VARCHAR, account_id VARCHAR, source VARCHAR, "
    "opened DATE, resolved DATE",
    "incidents": "incident_id VARCHAR, rep_id VARCHAR, account_id VARCHAR, opened DATE, "
    "resolved DATE, recovery_grade VARCHAR",
    "events": "event_id VARCHAR, rep_id VARCHAR, account_id VARCHAR, date DATE, kind VARCHAR, "
    "value DOUBLE",
    "adjustments": "rep_id VARCHAR, period VARCHAR, amount DOUBLE, reason VARCHAR",
}


def table(data: Path, name: str) -> str:
    """``read_csv`` of one table with its columns typed (no sniffing)."""
    columns = ", ".join(
        f"'{column}': '{kind}'"
        for column, kind in (c.strip().rsplit(" ", 1) for c in COLUMNS[name].split(","))
    )
    path = str(data / f"{name}.csv").replace("'", "''")
    return f"read_csv('{path}', header = true, columns = {{{columns}}})"


def lookup(column: str, values: dict[str, float]) -> str:
    """``CASE column WHEN key THEN value ... END``."""
    return f"CASE {column} " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in values.items()) + " END"


def curve(value: str, points: list[tuple[float, float]]) -> str:
    """Piecewise-linear curve, flat outside; a repeated x is a step (the later point holds)."""
    cases = [f"WHEN {value} >= {points[-1][0]} THEN {points[-1][1]}"]
    for (x0, y0), (x1, y1) in reversed(list(pairwise(points))):
        if x1 > x0:
            slope = f"{y1 - y0} * ({value} - {x0}) / {x1 - x0}"
            cases.append(f"WHEN {value} >= {x0} THEN {y0} + {slope}")
    body = " ".join(cases)
    rounded = f"round_even(CASE {body} ELSE {points[0][1]} END, 6)"
    return f"CASE WHEN {value} IS NULL THEN 0 ELSE {rounded} END"


def query(data: Path) -> str:
    """The whole plan as one SQL query."""
    month = "year({0}) * 12 + month({0}) - 1"
    period_month = (
        "CAST(substr(period, 1, 4) AS INTEGER) * 12 + CAST(substr(period, 6, 2) AS INTEGER) - 1"
    )
    within = "(resolved IS NOT NULL AND date_diff('day', opened, resolved) <= {0})"
    recovery = "coalesce(recovery, 100)"
    gate = f"CASE WHEN {recovery} < 25 THEN 0.5 ELSE 1.0 END"
    by_relationship = (
        "CASE WHEN relationship IS NULL THEN 1.0 WHEN relationship >= 90 THEN 1.15 "
        "WHEN relationship >= 75 THEN 1.0 WHEN relationship >= 60 THEN 0.9 ELSE 0.8 END"
    )
    revenue = "coalesce(revenue, 0)"
    marginal = (
        f"0.03 * least({revenue}, 0.5 * quota)"
        f" + 0.05 * (least(greatest({revenue}, 0.5 * quota), quota) - 0.5 * quota)"
        f" + 0.08 * (greatest({revenue}, quota) - quota)"
    )
    commission = f"({marginal}) * {by_relationship} * {gate}"
    components = {
        "revenue_commission": f"round_even(least({commission}, 3 * period_target), 2)",
        "account_growth": f"round_even(0.01 * coalesce(existing_revenue, 0) * {gate}, 2)",
        "relationship_bonus": "round_even(period_target * 0.2 * "
        + curve("relationship", [(50, 0), (75, 1.0), (100, 1.5)])
        + ", 2)",
        "feedback_bonus": "round_even(period_target * 0.1 * "
        + curve("feedback", [(0.5, 0), (0.9, 1.0), (1.0, 1.2)])
        + ", 2)",
        "recovery_bonus": "round_even(period_target * 0.1 * "
        + curve(recovery, [(40, 0), (40, 0.5), (100, 1.0)])
        + ", 2)",
        "adjustments": "coalesce(amount, 0)",
    }
    money = ", ".join(f"CAST({c} AS DECIMAL(18, 2)) AS {c}" for c in components)
    total = " + ".join(f"coalesce({c}, 0)" for c in components)
    return f"""
WITH
txns AS (
    SELECT rep_id, {month.format("date")} AS month, amount * coalesce(split, 1.0) AS credit,
        deal_type
    FROM {table(data, "transactions")}
),
revenue AS (
    SELECT rep_id, month, sum(credit) AS revenue,
        coalesce(sum(credit) FILTER (WHERE deal_type = 'existing'), 0) AS existing_revenue
    FROM txns GROUP BY rep_id, month
),
grades AS (
    SELECT rep_id, {period_month} AS month,
        CASE WHEN count(*) >= 3 THEN round_even(
            sum({lookup("grade", POINTS)} * {lookup("behaviour", WEIGHTS)})
            / sum({lookup("behaviour", WEIGHTS)}), 6) END AS relationship
    FROM {table(data, "grades")} GROUP BY ALL
),
feedback AS (
    SELECT rep_id, {month.format("opened")} AS month,
        round_even(avg(CASE WHEN {within.format(10)} THEN 1.0 ELSE 0.0 END), 6) AS feedback
    FROM {table(data, "feedback")} GROUP BY ALL
),
incidents AS (
    SELECT rep_id, {month.format("opened")} AS month,
        round_even(avg(CASE WHEN {within.format(5)} THEN {lookup("recovery_grade", POINTS)} ELSE 0.0
            END), 6) AS recovery
    FROM {table(data, "incidents")} GROUP BY ALL
),
events AS (
    SELECT rep_id, {month.format("date")} AS month,
        count(*) FILTER (WHERE kind IN ('referral', 'testimonial')) AS referrals
    FROM {table(data, "events")} GROUP BY ALL
),
adjustments AS (
    SELECT rep_id, {period_month} AS month, sum(amount) AS amount
    FROM {table(data, "adjustments")} GROUP BY ALL
),
quotas AS (SELECT rep_id, {period_month} AS month, quota FROM {table(data, "quotas")}),
active AS (
    SELECT rep_id, month FROM revenue UNION SELECT rep_id, month FROM grades
    UNION SELECT rep_id, month FROM feedback UNION SELECT rep_id, month FROM incidents
    UNION SELECT rep_id, month FROM events UNION SELECT rep_id, month FROM adjustments
),
months AS (
    SELECT unnest(range(min(month), max(month) + 1)) AS month FROM active
),
grid AS (
    SELECT rep_id, month, target_incentive,
        date_diff('day', greatest(start, hire_date),
            least(last_day(start), coalesce(termination_date, last_day(start)))) + 1 AS employed,
        day(last_day(start)) AS days
    FROM (
        SELECT *, make_date(CAST(month // 12 AS INTEGER), CAST(month % 12 + 1 AS INTEGER), 1)
            AS start
        FROM {table(data, "reps")} CROSS JOIN months
    )
),
paid AS (
    SELECT * FROM grid WHERE employed > 0
    UNION SELECT * FROM grid SEMI JOIN active USING (rep_id, month)
),
frame AS (
    SELECT *, round_even(target_incentive * greatest(employed, 0) / (12 * days), 2) AS period_target
    FROM paid
    LEFT JOIN revenue USING (rep_id, month)
    LEFT JOIN grades USING (rep_id, month)
    LEFT JOIN feedback USING (rep_id, month)
    LEFT JOIN incidents USING (rep_id, month)
    LEFT JOIN events USING (rep_id, month)
    LEFT JOIN adjustments USING (rep_id, month)
    LEFT JOIN quotas USING (rep_id, month)
),
payouts AS (
    SELECT rep_id, month, {", ".join(f"{e} AS {c}" for c, e in components.items())} FROM frame
)
SELECT rep_id, printf('%04d-%02d', month // 12, month % 12 + 1) AS period, {money},
    CAST({total} AS DECIMAL(18, 2)) AS total
FROM payouts ORDER BY rep_id, month
"""


def main() -> None:
    """Run the query on ``--data`` and write ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    out = str(args.out).replace("'", "''")
    duckdb.connect().execute(f"COPY ({query(args.data)}) TO '{out}' (HEADER, DELIMITER ',')")


if __name__ == "__main__":
    main()
