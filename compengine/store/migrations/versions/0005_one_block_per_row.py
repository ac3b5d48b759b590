"""A run's payouts, measures and steps of one rep and period share one JSON array.

``row_block`` held three blocks for each thousand rows of a run, one per kind (payouts,
measures, Breakdown steps), each row a JSON object ``{"row", "rep_id", "period", "values"}``:
a run of 20,000 reps x 12 months was 114.5 MB of text. A block now holds the three kinds of
its rows together, each row an array ``[[rep_id, period], amounts, measures, steps]`` whose
place in the block, from the block's ``first_row``, is its row number: 79 MB, and about a
quarter less time to record a run. The views ``payout_row``, ``measure_row``,
``audit_step`` and ``payout_line`` keep their columns. Existing runs keep every row.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BLOCK_ROWS = 1000
# Each view: the kind of the blocks of 0004, the place of its array in a row, and its column.
VIEWS = {"payout_row": ("payout", 1, "amounts"), "measure_row": ("measure", 2, "measures"),
         "audit_step": ("step", 3, "steps")}  # fmt: skip

ROWS = {
    "sqlite": """
        CREATE VIEW {view} AS
        SELECT b.run_key, b.first_row + r."key" AS "row",
            json_extract(r.value, '$[0][0]') AS rep_id,
            json_extract(r.value, '$[0][1]') AS period,
            json_extract(r.value, '$[{at}]') AS {column}
        FROM row_block AS b JOIN json_each(b.rows) AS r
        WHERE json_type(r.value, '$[{at}]') = 'array'
    """,
    "postgresql": """
        CREATE VIEW {view} AS
        SELECT b.run_key, (b.first_row + r.n - 1)::integer AS "row", r.value->0->>0 AS rep_id,
            r.value->0->>1 AS period, (r.value->{at})::text AS {column}
        FROM row_block AS b
        CROSS JOIN LATERAL json_array_elements(b.rows::json) WITH ORDINALITY AS r(value, n)
        WHERE json_typeof(r.value->{at}) = 'array'
    """,
}
OLD_ROWS = {  # the views of 0004, for the downgrade
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
LINES = {  # the payout_line view of 0003 and 0004, over payout_row
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


def _lz4(bind: sa.Connection, table: str) -> None:
    """Compress the blocks with lz4 on a PostgreSQL server built with it (see 0004)."""
    try:
        with bind.begin_nested():
            bind.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN rows SET COMPRESSION lz4")
    except DBAPIError:
        return


def _text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _runs(bind: sa.Connection) -> list[int]:
    return [key for (key,) in bind.execute(sa.text("SELECT DISTINCT run_key FROM row_block"))]


def _merged(bind: sa.Connection, run_key: int) -> Iterator[list[dict[str, object]]]:
    """One run's rows of 0004 (three kinds of blocks), as blocks of this revision, a batch
    for each block number of 0004 (which holds the rows ``block * 1000`` on, of every kind).

    A row missing from a kind's blocks holds ``null`` for that kind, which the views and the
    store's reads skip. A block holds consecutive rows only.
    """
    numbers = bind.execute(
        sa.text("SELECT DISTINCT block FROM row_block WHERE run_key = :key ORDER BY block"),
        {"key": run_key},
    ).scalars()
    for number in list(numbers):
        rows: dict[int, list[Any]] = {}
        found = bind.execute(
            sa.text("SELECT kind, rows FROM row_block WHERE run_key = :key AND block = :block"),
            {"key": run_key, "block": number},
        )
        for kind, text in found:
            at = next(at for k, at, _ in VIEWS.values() if k == kind)
            for one in json.loads(text):
                keys = [one["rep_id"], one["period"]]
                rows.setdefault(one["row"], [keys, None, None, None])[at] = one["values"]
        spans: list[list[int]] = []  # runs of consecutive rows
        for row in sorted(rows):
            if spans and row == spans[-1][-1] + 1:
                spans[-1].append(row)
            else:
                spans.append([row])
        yield [
            {"run_key": run_key, "first_row": span[0],
             "rows": "[" + ",".join(_text(rows[row]) for row in span) + "]"}
            for span in spans
        ]  # fmt: skip


def _split(bind: sa.Connection, run_key: int) -> Iterator[list[dict[str, object]]]:
    """One run's blocks of this revision as the three kinds of blocks of 0004, a batch as soon
    as the rows of a block number of 0004 are all read."""
    firsts = bind.execute(
        sa.text("SELECT first_row FROM row_block WHERE run_key = :key ORDER BY first_row"),
        {"key": run_key},
    ).scalars()
    pending: dict[tuple[str, int], list[str]] = {}

    def done(before: int | None) -> list[dict[str, object]]:
        """The pending blocks whose number is below ``before`` (all of them for None)."""
        ready = [k for k in pending if before is None or k[1] < before]
        return [
            {"run_key": run_key, "kind": kind, "block": block,
             "rows": "[" + ",".join(pending.pop((kind, block))) + "]"}
            for kind, block in ready
        ]  # fmt: skip

    for first_row in list(firsts):
        text = bind.execute(
            sa.text("SELECT rows FROM row_block WHERE run_key = :key AND first_row = :first"),
            {"key": run_key, "first": first_row},
        ).scalar_one()
        row = first_row
        for row, (keys, *values) in enumerate(json.loads(text), start=first_row):
            for kind, at, _ in VIEWS.values():
                if values[at - 1] is not None:
                    one = {"row": row, "rep_id": keys[0], "period": keys[1],
                           "values": values[at - 1]}  # fmt: skip
                    pending.setdefault((kind, row // BLOCK_ROWS), []).append(_text(one))
        yield done(row // BLOCK_ROWS)  # later blocks of this revision hold later rows
    yield done(None)


def _replace(columns: list[sa.Column[Any]], keys: list[str], convert: Any) -> None:
    """Swap row_block for a table of ``columns`` keyed by ``keys``, each run's blocks
    converted by ``convert``."""
    bind = op.get_bind()
    op.execute("DROP VIEW payout_line")
    for view in VIEWS:
        op.execute(f"DROP VIEW {view}")
    following = op.create_table(
        "row_block_next",
        *columns,
        sa.PrimaryKeyConstraint(*keys, name="row_block_next_pkey"),
        sqlite_with_rowid=False,
    )
    if bind.dialect.name == "postgresql":
        _lz4(bind, "row_block_next")
    for run_key in _runs(bind):  # a batch at a time: a store's history may be large
        for batch in convert(bind, run_key):
            if batch:
                op.bulk_insert(following, batch)
    op.drop_table("row_block")  # its triggers go with it
    op.rename_table("row_block_next", "row_block")
    if bind.dialect.name == "postgresql":
        op.execute("ALTER INDEX row_block_next_pkey RENAME TO row_block_pkey")
    _append_only("row_block")


def upgrade() -> None:
    _replace(
        [
            sa.Column("run_key", sa.Integer, nullable=False),
            sa.Column("first_row", sa.Integer, nullable=False),
            sa.Column("rows", sa.Text, nullable=False),
        ],
        ["run_key", "first_row"],
        _merged,
    )
    dialect = op.get_bind().dialect.name
    for view, (_kind, at, column) in VIEWS.items():
        op.execute(ROWS[dialect].format(view=view, at=at, column=column))
    op.execute(LINES[dialect])


def downgrade() -> None:
    _replace(
        [
            sa.Column("run_key", sa.Integer, nullable=False),
            sa.Column("kind", sa.Text, nullable=False),
            sa.Column("block", sa.Integer, nullable=False),
            sa.Column("rows", sa.Text, nullable=False),
        ],
        ["run_key", "kind", "block"],
        _split,
    )
    dialect = op.get_bind().dialect.name
    for view, (kind, _at, column) in VIEWS.items():
        op.execute(OLD_ROWS[dialect].format(view=view, kind=kind, column=column))
    op.execute(LINES[dialect])
