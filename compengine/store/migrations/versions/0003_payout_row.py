"""Payout lines are stored one row per (rep, period); the ``payout_line`` view unfolds them.

A run of 20,000 reps x 12 months has 1.56M payout lines (7 per row): as table rows they
took 4.8 s of a 6 s store write on SQLite, most of it the B-tree insert of each line. The
amounts of a row now sit in one ``payout_row`` as a JSON array of exact decimal texts, in
the order of the run's ``payout_columns`` (after ``rep_id`` and ``period``), like
``measure_row`` and ``audit_step``: 223k rows, 0.6 s. The ``payout_line`` view gives the
lines back, one per component, with the columns the table had (its ``amount`` is NUMERIC on
PostgreSQL and text on SQLite, as before). Existing runs keep every line.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

EXACT = sa.Text().with_variant(postgresql.NUMERIC(), "postgresql")

VIEW = {
    "sqlite": """
        CREATE VIEW payout_line AS
        SELECT p.run_key, p."row", c.value AS component, p.rep_id, p.period, a.value AS amount
        FROM payout_row AS p
        JOIN run AS r ON r."key" = p.run_key
        JOIN json_each(r.payout_columns) AS c
        JOIN json_each(p.amounts) AS a ON a."key" + 2 = c."key"
    """,
    "postgresql": """
        CREATE VIEW payout_line AS
        SELECT p.run_key, p."row", c.component, p.rep_id, p.period, a.amount::numeric AS amount
        FROM payout_row AS p
        JOIN run AS r ON r."key" = p.run_key
        CROSS JOIN LATERAL json_array_elements_text(r.payout_columns::json)
            WITH ORDINALITY AS c(component, n)
        JOIN LATERAL json_array_elements_text(p.amounts::json)
            WITH ORDINALITY AS a(amount, m) ON a.m + 2 = c.n
    """,
}


def _append_only(table: str) -> None:
    """The triggers of 0001 that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION compengine_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION compengine_append_only()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'compengine: {table} is append-only: "
            f"{action} refused'); END"
        )


def _rows(bind: sa.Connection, run_key: int, names: list[str]) -> list[dict[str, object]]:
    """One run's lines folded into rows: the amounts in its ``payout_columns`` order."""
    rows: dict[int, dict[str, object]] = {}
    lines = bind.execute(
        sa.text(
            'SELECT "row", rep_id, period, component, CAST(amount AS TEXT) '
            "FROM payout_line WHERE run_key = :key"
        ),
        {"key": run_key},
    )
    for row, rep_id, period, component, amount in lines:
        if component not in names:
            raise RuntimeError(
                f"run {run_key} has a payout line of {component!r}, which is not one of its "
                f"payout_columns {names}: the store cannot be migrated as it is."
            )
        folded = rows.setdefault(
            row,
            {"run_key": run_key, "row": row, "rep_id": rep_id, "period": period,
             "amounts": [None] * len(names)},
        )  # fmt: skip
        folded["amounts"][names.index(component)] = amount  # type: ignore[index]
    return [r | {"amounts": json.dumps(r["amounts"], separators=(",", ":"))} for r in rows.values()]


def upgrade() -> None:
    bind = op.get_bind()
    payout_row = op.create_table(
        "payout_row",
        sa.Column("run_key", sa.Integer, nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("rep_id", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("amounts", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("run_key", "row"),
        sqlite_with_rowid=False,
    )
    runs = bind.execute(sa.text('SELECT "key", payout_columns FROM run')).all()
    for run_key, columns in runs:  # one run at a time: a store's history may be large
        rows = _rows(bind, run_key, json.loads(columns)[2:])
        if rows:
            op.bulk_insert(payout_row, rows)
    op.drop_table("payout_line")  # its triggers go with it
    op.execute(VIEW[bind.dialect.name])
    _append_only("payout_row")


def downgrade() -> None:
    op.create_table(
        "payout_line_next",
        sa.Column("run_key", sa.Integer, nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("component", sa.Text, nullable=False),
        sa.Column("rep_id", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("amount", EXACT),
        sa.PrimaryKeyConstraint("run_key", "component", "row"),
        sqlite_with_rowid=False,
    )
    op.execute(
        'INSERT INTO payout_line_next (run_key, "row", component, rep_id, period, amount) '
        'SELECT run_key, "row", component, rep_id, period, amount FROM payout_line'
    )
    op.execute("DROP VIEW payout_line")
    op.drop_table("payout_row")
    op.rename_table("payout_line_next", "payout_line")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX payout_line_next_pkey RENAME TO payout_line_pkey")
    _append_only("payout_line")
