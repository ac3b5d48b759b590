"""The migrations ship inside the package and bring an empty database to the newest schema."""

from __future__ import annotations

from importlib import resources

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from compengine.store.tables import APPEND_ONLY


def test_it_should_ship_the_migrations_inside_the_package() -> None:
    migrations = resources.files("compengine.store") / "migrations"
    assert (migrations / "env.py").is_file()
    assert (migrations / "versions" / "0001_run_store.py").is_file()


def test_it_should_migrate_a_new_store_to_the_newest_revision_with_every_table(
    store: Engine,
) -> None:
    with store.connect() as connection:
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        names = set(sa.inspect(connection).get_table_names())
    assert version == "0001"
    assert set(APPEND_ONLY) <= names
