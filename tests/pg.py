"""The PostgreSQL server of the tests and benchmarks: 127.0.0.1:5432, database test."""

from __future__ import annotations

import functools

import psycopg

PG = {"host": "127.0.0.1", "port": 5432, "dbname": "test"}


@functools.cache
def pg_user() -> str | None:
    """The user that reaches the test database, or None when the server does not answer."""
    for user in ("postgres", "root"):
        try:
            with psycopg.connect(**PG, user=user, connect_timeout=3) as connection:  # type: ignore[arg-type]
                connection.execute("select 1")
            return user
        except psycopg.OperationalError:
            continue
    return None
