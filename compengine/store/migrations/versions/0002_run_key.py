"""Lines name their run by a small integer key instead of the run's id text.

A run's payout lines, measures and audit steps each repeated the 25-character run id; the
run now has an integer ``key`` and the lines carry it as ``run_key`` (a 2,000-rep year of
payout lines: 12.3 MB -> 7.9 MB on SQLite). Existing runs get keys and keep every line.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

EXACT = sa.Text().with_variant(postgresql.NUMERIC(), "postgresql")
# Each line table: the columns after its run column, and the rest of its primary key.
LINES = {
    "payout_line": (
        ("row", "component", "rep_id", "period", "amount"),
        ("component", "row"),
    ),
    "measure_row": (("row", "rep_id", "period", "measures"), ("row",)),
    "audit_step": (("row", "rep_id", "period", "steps"), ("row",)),
}
TYPES = {
    "row": sa.Integer,
    "component": sa.Text,
    "rep_id": sa.Text,
    "period": sa.Text,
    "measures": sa.Text,
    "steps": sa.Text,
}


def _column(name: str) -> sa.Column[object]:
    if name == "amount":
        return sa.Column(name, EXACT)
    return sa.Column(name, TYPES[name], nullable=False)


def _append_only(tables: tuple[str, ...], install: bool) -> None:
    """Install or remove the triggers of 0001 that refuse UPDATE and DELETE."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        if postgres:
            for name, when, each in (
                ("append_only", "UPDATE OR DELETE", "ROW"),
                ("no_truncate", "TRUNCATE", "STATEMENT"),
            ):
                op.execute(
                    f"CREATE TRIGGER {table}_{name} BEFORE {when} ON {table} "
                    f"FOR EACH {each} EXECUTE FUNCTION compengine_append_only()"
                    if install
                    else f"DROP TRIGGER {table}_{name} ON {table}"
                )
            continue
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'compengine: {table} is append-only: "
                f"{action} refused'); END"
                if install
                else f"DROP TRIGGER {table}_no_{action.lower()}"
            )


def _rebuild(table: str, old: str, new: str) -> None:
    """Copy ``table`` into a new table whose run column is ``new`` instead of ``old``."""
    columns, key = LINES[table]
    new_type = sa.Integer if new == "run_key" else sa.Text
    op.create_table(
        f"{table}_next",
        sa.Column(new, new_type, nullable=False),
        *(_column(c) for c in columns),
        sa.PrimaryKeyConstraint(new, *key),
        sqlite_with_rowid=False,
    )
    source = "key" if new == "run_key" else "id"
    match = "id" if old == "run_id" else "key"
    names = ", ".join(f'"{c}"' for c in columns)
    picked = ", ".join(f'l."{c}"' for c in columns)
    op.execute(
        f'INSERT INTO {table}_next ({new}, {names}) SELECT r."{source}", {picked} '
        f'FROM {table} AS l JOIN run AS r ON r."{match}" = l.{old}'
    )
    op.drop_table(table)
    op.rename_table(f"{table}_next", table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER INDEX {table}_next_pkey RENAME TO {table}_pkey")


def upgrade() -> None:
    tables = ("run", *LINES)
    _append_only(tables, install=False)
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("run", sa.Column("key", sa.BigInteger, sa.Identity(), nullable=False))
    else:  # writers queue on SQLite, so each run takes the next key as it is written
        op.add_column("run", sa.Column("key", sa.Integer))
        op.execute(
            'UPDATE run SET "key" = (SELECT count(*) FROM run AS r WHERE r.started_at < '
            "run.started_at OR (r.started_at = run.started_at AND r.id <= run.id))"
        )
    op.create_index("run_key", "run", ["key"], unique=True)
    for table in LINES:
        _rebuild(table, "run_id", "run_key")
    _append_only(tables, install=True)


def downgrade() -> None:
    tables = ("run", *LINES)
    _append_only(tables, install=False)
    for table in LINES:
        _rebuild(table, "run_key", "run_id")
    op.drop_index("run_key", "run")
    op.drop_column("run", "key")
    _append_only(tables, install=True)
