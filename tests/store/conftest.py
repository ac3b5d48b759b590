"""Every store test runs against SQLite and against the PostgreSQL server on 127.0.0.1:5432.

PostgreSQL tests run whenever the server answers; when it does not, they are skipped on a
developer's machine and fail under CI (``CI=true``). Each test gets its own SQLite file or
its own PostgreSQL schema, so runs and closes never meet across tests.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import Engine

from compengine.data.inputs import Inputs, load_inputs
from compengine.engine.calculate import Result, calculate
from compengine.outputs import RunRecord, write_run
from compengine.plan.load import LoadedPlan, load_plan
from compengine.store.db import open_store
from compengine.store.write import record_run
from tests.conftest import EXAMPLES, PLANS
from tests.pg import PG, pg_user

SMALL = EXAMPLES / "small" / "data"
PLAN = PLANS / "relationship-first.yaml"


@contextmanager
def fresh_store(kind: str, folder: Path) -> Iterator[str]:
    """A URL of an empty store: a new, empty SQLite file, or a new PostgreSQL schema."""
    if kind == "sqlite":
        path = folder / f"store-{uuid.uuid4().hex[:8]}.db"
        path.touch()
        yield f"sqlite:///{path}"
        return
    user = pg_user()
    if user is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL at 127.0.0.1:5432 (database test) is not reachable under CI.")
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(**PG, user=user, autocommit=True) as connection:  # type: ignore[arg-type]
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield (
            f"postgresql+psycopg://{user}@{PG['host']}:{PG['port']}/{PG['dbname']}"
            f"?options=-csearch_path%3D{schema}"
        )
    finally:
        with psycopg.connect(**PG, user=user, autocommit=True) as connection:  # type: ignore[arg-type]
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store of each kind."""
    with fresh_store(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Engine]:
    """An open, migrated, empty store of each kind."""
    engine = open_store(db_url, create=True)
    yield engine
    engine.dispose()


@functools.cache
def small() -> tuple[LoadedPlan, Inputs, Result]:
    """The spec's small example under the relationship-first plan, calculated once."""
    loaded = load_plan(PLAN)
    inputs = load_inputs(SMALL, loaded.plan)
    return loaded, inputs, calculate(loaded.plan, inputs)


def record_small(engine: Engine, out: Path) -> tuple[RunRecord, Result]:
    """Run the small example into ``out`` and record it in ``engine``."""
    loaded, inputs, result = small()
    started = datetime.now(UTC)
    record = write_run(
        out, loaded, inputs, result,
        keep=lambda r: record_run(engine, r, loaded, inputs, result, started),
    )  # fmt: skip
    return record, result
