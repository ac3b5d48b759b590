"""The run store: runs, payout lines, measures, audit steps, period events; append-only.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

EXACT = sa.Text().with_variant(postgresql.NUMERIC(), "postgresql")
STAMP = sa.DateTime(timezone=True)
APPEND_ONLY = ("run", "payout_line", "measure_row", "audit_step", "period_event")


def _row(*more: sa.Column[object]) -> list[sa.Column[object]]:
    # No foreign key to run: PostgreSQL checks one with a trigger per inserted line, which
    # triples the time to store a large run. A run and its lines are written in one
    # transaction and none is ever deleted (triggers below), so no line can lose its run.
    return [
        sa.Column("run_id", sa.Text, nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        *more,
        sa.Column("rep_id", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "run",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("plan_id", sa.Text, nullable=False, index=True),
        sa.Column("plan_version", sa.Integer, nullable=False),
        sa.Column("plan_file", sa.Text, nullable=False),
        sa.Column("plan_text", sa.Text, nullable=False),
        sa.Column("plan_sha256", sa.Text, nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("granularity", sa.Text, nullable=False),
        sa.Column("first_period", sa.Text, nullable=False),
        sa.Column("last_period", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("started_at", STAMP, nullable=False),
        sa.Column("finished_at", STAMP, nullable=False),
        sa.Column("engine_version", sa.Text, nullable=False),
        sa.Column("polars_version", sa.Text, nullable=False),
        sa.Column("payout_columns", sa.Text, nullable=False),
        sa.Column("measure_columns", sa.Text, nullable=False),
        sa.Column("audit_columns", sa.Text, nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
    )
    op.create_table(
        "payout_line",
        *_row(sa.Column("component", sa.Text, nullable=False), sa.Column("amount", EXACT)),
        sa.PrimaryKeyConstraint("run_id", "component", "row"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "measure_row",
        *_row(sa.Column("measures", sa.Text, nullable=False)),
        sa.PrimaryKeyConstraint("run_id", "row"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "audit_step",
        *_row(sa.Column("steps", sa.Text, nullable=False)),
        sa.PrimaryKeyConstraint("run_id", "row"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "period_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("run_id", sa.Text, sa.ForeignKey("run.id"), nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("reason", sa.Text),
        sa.UniqueConstraint("plan_id", "period", "seq", name="period_event_seq"),
        sa.CheckConstraint("action in ('close', 'reopen')", name="period_event_action"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION compengine_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'compengine: % is append-only: % refused', "
            "TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation'; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION compengine_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION compengine_append_only()"
            )
    else:
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'compengine: {table} is append-only: "
                    f"{action} refused'); END"
                )


def downgrade() -> None:
    for table in reversed(APPEND_ONLY):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION compengine_append_only()")
