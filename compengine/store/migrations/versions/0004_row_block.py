"""A run's rows are stored a thousand to a database row; views give back one per rep, period.

``payout_row``, ``measure_row`` and ``audit_step`` held one database row per rep and period:
670,000 rows for a run of 20,000 reps x 12 months, 1.4 s to insert on SQLite, most of it
binding each row's parameters. Their rows now sit in ``row_block``, 1,000 to a block, as a
JSON array of objects ``{"row", "rep_id", "period", "values"}`` (``kind`` tells payouts,
measures and steps apart): a few hundred database rows per run. Views of the three old names
unfold the blocks with the columns the tables had, so ``payout_line`` and any SQL written
against them keep working. Existing runs keep every row.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BLOCK_ROWS = 1000
# Each former table: the kind of its blocks and the name of its JSON array column.
VIEWS = {"payout_row": ("payout", "amounts"), "measure_row": ("measure", "measures"),
         "audit_step": ("step", "steps")}  # fmt: skip

ROWS = {
    "sqlite": """
        CREATE VIEW {view} AS
        SELECT b.run_key, json_extract(r.value, '$.row') AS "row",
            json_extract(r.value, '$.rep_id') AS rep_id,
            json_extract(r.value, '$.period') AS period,
            json_extract(r.value, '$.values') AS {column}
        FROM row_block AS b JOIN json_each(b.rows) AS r
        WHERE b.kind = '{kind}'
    """,
    "postgresql": """
        CREATE VIEW {view} AS
        SELECT b.run_key, (r.value->>'row')::integer AS "row", r.value->>'rep_id' AS rep_id,
            r.value->>'period' AS period, (r.value->'values')::text AS {column}
        FROM row_block AS b CROSS JOIN LATERAL json_array_elements(b.rows::json) AS r(value)
        WHERE b.kind = '{kind}'
    """,
}
LINES = {  # the payout_line view of 0003, over payout_row
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


def _lz4(bind: sa.Connection) -> None:
    """Compress the blocks with lz4 on a PostgreSQL server built with it (14 and later).

    Its default, pglz, took 2.6x as long to store a run's blocks (1.11 s against 0.44 s for
    38 MB); lz4 is as quick as no compression and halves the size. A server without lz4
    keeps its default.
    """
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("ALTER TABLE row_block ALTER COLUMN rows SET COMPRESSION lz4")
    except DBAPIError:
        return


def _blocks(bind: sa.Connection, run_key: int, table: str) -> list[dict[str, object]]:
    """One run's rows of ``table`` in blocks, as the engine writes them."""
    kind, column = VIEWS[table]
    rows = bind.execute(
        sa.text(f'SELECT "row", rep_id, period, {column} FROM {table} '
                'WHERE run_key = :key ORDER BY "row"'),
        {"key": run_key},
    )  # fmt: skip
    blocks: dict[int, list[str]] = {}
    for row, rep_id, period, values in rows:
        one = {"row": row, "rep_id": rep_id, "period": period, "values": json.loads(values)}
        blocks.setdefault(row // BLOCK_ROWS, []).append(
            json.dumps(one, separators=(",", ":"), ensure_ascii=False)
        )
    return [
        {"run_key": run_key, "kind": kind, "block": block, "rows": "[" + ",".join(texts) + "]"}
        for block, texts in blocks.items()
    ]


def upgrade() -> None:
    bind = op.get_bind()
    row_block = op.create_table(
        "row_block",
        sa.Column("run_key", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("block", sa.Integer, nullable=False),
        sa.Column("rows", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("run_key", "kind", "block"),
        sqlite_with_rowid=False,
    )
    if bind.dialect.name == "postgresql":
        _lz4(bind)
    for (run_key,) in bind.execute(sa.text('SELECT "key" FROM run')).all():
        for table in VIEWS:  # one run and table at a time: a store's history may be large
            blocks = _blocks(bind, run_key, table)
            if blocks:
                op.bulk_insert(row_block, blocks)
    op.execute("DROP VIEW payout_line")
    for view, (kind, column) in VIEWS.items():
        op.drop_table(view)  # its triggers go with it
        op.execute(ROWS[bind.dialect.name].format(view=view, kind=kind, column=column))
    op.execute(LINES[bind.dialect.name])
    _append_only("row_block")


def downgrade() -> None:
    bind = op.get_bind()
    op.execute("DROP VIEW payout_line")
    for view, (_kind, column) in VIEWS.items():
        op.create_table(
            f"{view}_next",
            sa.Column("run_key", sa.Integer, nullable=False),
            sa.Column("row", sa.Integer, nullable=False),
            sa.Column("rep_id", sa.Text, nullable=False),
            sa.Column("period", sa.Text, nullable=False),
            sa.Column(column, sa.Text, nullable=False),
            sa.PrimaryKeyConstraint("run_key", "row"),
            sqlite_with_rowid=False,
        )
        op.execute(
            f'INSERT INTO {view}_next (run_key, "row", rep_id, period, {column}) '
            f'SELECT run_key, "row", rep_id, period, {column} FROM {view}'
        )
        op.execute(f"DROP VIEW {view}")
        op.rename_table(f"{view}_next", view)
        if bind.dialect.name == "postgresql":
            op.execute(f"ALTER INDEX {view}_next_pkey RENAME TO {view}_pkey")
        _append_only(view)
    op.drop_table("row_block")
    op.execute(LINES[bind.dialect.name])
