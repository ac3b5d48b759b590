"""The migrations ship inside the package and bring an empty database to the newest schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError

from compengine.store import read
from compengine.store.db import HEAD, MIGRATIONS, open_store
from compengine.store.tables import APPEND_ONLY
from tests.store.conftest import record_small


def test_it_should_ship_the_migrations_inside_the_package() -> None:
    migrations = resources.files("compengine.store") / "migrations"
    assert (migrations / "env.py").is_file()
    assert (migrations / "versions" / "0001_run_store.py").is_file()
    assert (migrations / "versions" / "0002_run_key.py").is_file()
    assert (migrations / "versions" / "0003_payout_row.py").is_file()
    assert (migrations / "versions" / "0004_row_block.py").is_file()
    assert (migrations / "versions" / "0005_one_block_per_row.py").is_file()


def test_it_should_know_the_newest_revision_as_alembic_does() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_it_should_migrate_a_new_store_to_the_newest_revision_with_every_table(
    store: Engine,
) -> None:
    with store.connect() as connection:
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        names = set(sa.inspect(connection).get_table_names())
        views = set(sa.inspect(connection).get_view_names())
    assert version == HEAD == "0005"
    assert set(APPEND_ONLY) <= names
    assert views == {"payout_line", "payout_row", "measure_row", "audit_step"}


def test_it_should_make_a_new_sqlite_stores_pages_64_kib_and_keep_an_old_stores(
    tmp_path: Path,
) -> None:
    old = tmp_path / "old.db"
    with sa.create_engine(f"sqlite:///{old}").begin() as connection:  # 4 KiB pages
        connection.exec_driver_sql("CREATE TABLE t (x)")
    for path, size in ((tmp_path / "new.db", 65536), (old, 4096)):
        with open_store(str(path), create=True).connect() as connection:
            assert connection.exec_driver_sql("PRAGMA page_size").scalar() == size


def _at(url: str, revision: str, down: bool = False) -> None:
    engine = sa.create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
    engine.dispose()


def test_it_should_number_the_runs_of_an_older_store_and_keep_every_line(
    db_url: str, tmp_path: Path
) -> None:
    _at(db_url, "0001")
    engine = sa.create_engine(db_url)
    stamp = datetime(2027, 2, 1, tzinfo=UTC)
    text = dict.fromkeys(
        ("plan_id", "plan_file", "plan_text", "plan_sha256", "granularity", "status",
         "engine_version", "polars_version", "manifest"), "x",
    )  # fmt: skip
    with engine.begin() as connection:
        for n, run_id in enumerate(("run-b", "run-a")):
            connection.execute(
                sa.text(
                    "INSERT INTO run VALUES (:id, :plan_id, 1, :plan_file, :plan_text, "
                    ":plan_sha256, '{}', :granularity, '2027-01', '2027-01', :status, :at, :at, "
                    ":engine_version, :polars_version, :columns, :measures, '[]', :manifest)"
                ),
                {
                    "id": run_id,
                    "at": stamp.replace(day=n + 1),
                    "columns": '["rep_id", "period", "bonus", "total"]',
                    "measures": '["rep_id", "period", "m"]',
                    **text,
                },
            )
            connection.execute(
                sa.text(
                    "INSERT INTO payout_line (run_id, row, component, rep_id, period, amount) "
                    "VALUES (:run, 0, 'bonus', 'R1', '2027-01', :amount)"
                ),
                {"run": run_id, "amount": "12345678901234567890.10" if n else "0.01"},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO measure_row (run_id, row, rep_id, period, measures) "
                    "VALUES (:run, 0, 'R1', '2027-01', '[\"1.5\"]')"
                ),
                {"run": run_id},
            )
    engine.dispose()

    store = open_store(db_url)
    try:
        runs = read.runs(store)
        assert [(r.id, r.key) for r in runs] == [("run-b", 1), ("run-a", 2)]
        # 0003 folds the lines into rows, 0004 the rows into blocks, 0005 a row's kinds into
        # one array; a line the run never had (total) reads back empty.
        amounts = {r: read.lines(store, read.run(store, r))["amount"] for r in ("run-a", "run-b")}
        assert amounts["run-a"].to_list() == ["12345678901234567890.10", None]
        assert amounts["run-b"].to_list() == ["0.01", None]
        assert read.measures(store, read.run(store, "run-a"))["m"].to_list() == ["1.5"]
        with pytest.raises(DatabaseError, match="append-only"), store.begin() as connection:
            connection.execute(sa.text("DELETE FROM row_block"))
    finally:
        store.dispose()
    _at(db_url, "0001", down=True)
    engine = sa.create_engine(db_url)
    with engine.connect() as connection:
        back = connection.execute(sa.text("SELECT run_id, amount FROM payout_line")).all()
    engine.dispose()
    assert sorted((r, str(a)) for r, a in back) == [
        ("run-a", "12345678901234567890.10"),
        ("run-a", "None"),
        ("run-b", "0.01"),
        ("run-b", "None"),
    ]


def _unfolded(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the views that unfold the blocks, in order."""
    views = {"payout_row": "amounts", "measure_row": "measures", "audit_step": "steps"}
    with engine.connect() as connection:
        return {
            view: [
                (row, rep_id, period, json.loads(values))
                for row, rep_id, period, values in connection.execute(
                    sa.text(f'SELECT "row", rep_id, period, {column} FROM {view} ORDER BY "row"')
                )
            ]
            for view, column in views.items()
        }


def test_it_should_keep_a_runs_rows_through_0005_down_and_up_again(
    store: Engine, db_url: str, tmp_path: Path
) -> None:
    record, result = record_small(store, tmp_path / "out")
    info = read.run(store, record.run_id)
    unfolded = _unfolded(store)
    keys = ["rep_id", "period"]
    payouts, measures = unfolded["payout_row"], unfolded["measure_row"]
    assert [r[0] for r in payouts] == list(range(result.payouts.height))
    assert [r[1:3] for r in payouts] == result.payouts.select(keys).rows()
    assert [tuple(r[3]) for r in payouts] == result.payouts.drop(keys).rows()
    assert [tuple(r[3]) for r in measures] == result.measures.drop(keys).rows()
    assert len(unfolded["audit_step"]) == result.steps.height
    store.dispose()
    _at(db_url, "0004", down=True)  # three kinds of blocks of objects again
    engine = sa.create_engine(db_url)
    try:
        assert _unfolded(engine) == unfolded
        with engine.connect() as connection:
            kinds = connection.execute(sa.text("SELECT DISTINCT kind FROM row_block")).scalars()
            assert sorted(kinds) == ["measure", "payout", "step"]
    finally:
        engine.dispose()
    _at(db_url, "head")  # and up to 0005 again
    store = sa.create_engine(db_url)
    try:
        assert _unfolded(store) == unfolded
        assert read.payouts(store, info).drop("row").equals(result.payouts)
        assert read.measures(store, info).drop("row").equals(result.measures)
    finally:
        store.dispose()


def test_it_should_fold_0004_blocks_of_any_shape_into_rows_and_back(db_url: str) -> None:
    # 2,500 rows over three blocks of 1,000, but for rows 2,200-2,299; steps only up to row
    # 1,499; rep ids that JSON escapes.
    _at(db_url, "0004")
    numbers = [n for n in range(2500) if not 2200 <= n < 2300]
    odd = ['R"1', "R\\2", "Ré3", "R\n4", "R5"]
    kinds = {
        "payout": lambda n: [f"{n}.50", None if n % 7 else "1.00"],
        "measure": lambda n: [None, f"0.{n:04d}"],
        "step": lambda n: [str(n)] if n < 1500 else None,
    }
    blocks = []
    for kind, values in kinds.items():
        for block in range(3):
            rows = [
                {"row": n, "rep_id": odd[n % 5], "period": f"2027-{n % 12 + 1:02d}",
                 "values": values(n)}
                for n in numbers if n // 1000 == block and values(n) is not None
            ]  # fmt: skip
            if rows:
                blocks.append({"kind": kind, "block": block, "rows": json.dumps(rows)})
    stamp = datetime(2027, 2, 1, tzinfo=UTC)
    engine = sa.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO run (id, key, plan_id, plan_version, plan_file, plan_text, "
                "plan_sha256, inputs, granularity, first_period, last_period, status, "
                "started_at, finished_at, engine_version, polars_version, payout_columns, "
                "measure_columns, audit_columns, manifest) VALUES ('run-a', 1, 'p', 1, 'p', "
                "'p', 'x', '{}', 'month', '2027-01', '2027-12', 'complete', :at, :at, 'x', "
                '\'x\', \'["rep_id", "period", "bonus", "total"]\', '
                '\'["rep_id", "period", "m", "n"]\', \'["s"]\', \'{}\')'
            ),
            {"at": stamp},
        )
        for block in blocks:
            connection.execute(
                sa.text(
                    "INSERT INTO row_block (run_key, kind, block, rows) "
                    "VALUES (1, :kind, :block, :rows)"
                ),
                block,
            )
    before = _unfolded(engine)
    engine.dispose()
    assert [r[0] for r in before["payout_row"]] == numbers
    assert [r[0] for r in before["audit_step"]] == [n for n in numbers if n < 1500]

    _at(db_url, "head")
    engine = sa.create_engine(db_url)
    try:
        assert _unfolded(engine) == before
        info = read.run(engine, "run-a")
        payouts = read.payouts(engine, info)
        assert payouts["row"].to_list() == numbers
        assert payouts["rep_id"].to_list() == [odd[n % 5] for n in numbers]
        assert payouts["total"].to_list() == [None if n % 7 else "1.00" for n in numbers]
        assert read.measures(engine, info)["n"].to_list() == [f"0.{n:04d}" for n in numbers]
        assert read.audit_steps(engine, info, ["s"])["s"].to_list() == [
            str(n) for n in numbers if n < 1500
        ]
        with engine.connect() as connection:
            firsts = connection.execute(
                sa.text("SELECT first_row FROM row_block ORDER BY first_row")
            ).scalars()
            assert list(firsts) == [0, 1000, 2000, 2300]  # a block holds consecutive rows
    finally:
        engine.dispose()

    _at(db_url, "0004", down=True)
    engine = sa.create_engine(db_url)
    try:
        assert _unfolded(engine) == before
        with engine.connect() as connection:
            back = connection.execute(
                sa.text("SELECT kind, block FROM row_block ORDER BY kind, block")
            ).all()
        assert back == [
            (b["kind"], b["block"]) for b in sorted(blocks, key=lambda b: (b["kind"], b["block"]))
        ]
    finally:
        engine.dispose()


def test_it_should_number_the_views_rows_as_integers(store: Engine, tmp_path: Path) -> None:
    record_small(store, tmp_path / "out")
    with store.connect() as connection:
        for view in ("payout_row", "measure_row", "audit_step", "payout_line"):
            if store.dialect.name == "postgresql":
                kind = connection.execute(
                    sa.text(
                        "SELECT data_type FROM information_schema.columns WHERE table_schema "
                        "= current_schema() AND table_name = :view AND column_name = 'row'"
                    ),
                    {"view": view},
                ).scalar()
                assert kind == "integer", view
            else:
                kinds = connection.execute(sa.text(f'SELECT DISTINCT typeof("row") FROM {view}'))
                assert list(kinds.scalars()) == ["integer"], view
