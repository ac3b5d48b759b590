"""Open the run store: resolve the URL, create the engine, bring the schema up to date.

The default store is SQLite at ``./compengine.db``; ``$COMPENGINE_DB`` or ``--db`` name
another, as a SQLAlchemy URL (``postgresql+psycopg://user@host/db``) or a file path.
Opening runs the package's alembic migrations, so an installed package migrates any
database it is pointed at. Of a store already at :data:`HEAD` only the version is read
(alembic, a fifth of a second to import, is then not loaded).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from compengine.errors import Reason, StoreError

DEFAULT = "compengine.db"
MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0005"  # the newest revision in MIGRATIONS (a test checks it against alembic's)
_LOCK = 0x636F6D70  # advisory lock key that serialises migrations on PostgreSQL
_migrated: set[str] = set()


def resolve(db: str | None = None) -> str:
    """The store's SQLAlchemy URL: ``db``, else ``$COMPENGINE_DB``, else ./compengine.db."""
    target = db or os.environ.get("COMPENGINE_DB") or DEFAULT
    if "://" in target:
        return target
    return f"sqlite:///{Path(target).expanduser()}"


@contextmanager
def writing(engine: Engine, doing: str = "write to the store") -> Iterator[sa.Connection]:
    """A transaction that will write; ``doing`` says what, if the database refuses it.

    On SQLite it takes the write lock when it begins, so its reads and writes see one state
    and two writers queue instead of failing.

    Raises:
        StoreError: the database refused the transaction (a read-only database or user, a
            full disk, a lock held past the wait).
    """
    driver = engine.dialect.loaded_dbapi.Error  # what bulk loads through the driver raise
    # Not reaching the database at all is the caller's to word (open_store: cannot open it).
    with engine.execution_options(compengine_write=True).connect() as connection:
        try:
            with connection.begin():
                yield connection
        except (DBAPIError, driver) as exc:
            raise _refused(engine, exc, doing) from None


def _refused(engine: Engine, exc: Exception, doing: str) -> StoreError:
    """The database's refusal of a write, as a store error."""
    said = str(exc.orig if isinstance(exc, DBAPIError) else exc).strip()
    refusal = said.splitlines()[0] if said else type(exc).__name__
    hint = (
        "another process kept the store locked past the wait; run again once it is done"
        if "locked" in refusal or "busy" in refusal
        else "check that the database and this user may write, and that the disk has room"
    )
    return StoreError(
        f"{engine.url.render_as_string(hide_password=True)}: cannot {doing} ({refusal}); "
        f"nothing was recorded. Hint: {hint}.",
        Reason.STORE,
    )


def _sqlite_hooks(engine: Engine) -> None:
    """Real transactions on SQLite (the driver's own skip DDL), foreign keys on, waits."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver opens no transactions itself
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        dbapi_connection.execute("PRAGMA busy_timeout = 60000")
        # 64 MB of page cache instead of 2 MB: a large run's rows are then written to the
        # file once, at commit, instead of pages spilling mid-transaction (3x on 1.5M rows).
        dbapi_connection.execute("PRAGMA cache_size = -65536")
        # A new store's pages are 64 KiB (SQLite's largest), not 4 KiB: a block of rows is
        # about 300 KB, a chain of 5 pages to write instead of 75. (A store that holds a
        # table already keeps its page size: SQLite changes it only on an empty file.)
        dbapi_connection.execute("PRAGMA page_size = 65536")

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        write = connection.get_execution_options().get("compengine_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def open_store(db: str | None = None, create: bool = False) -> Engine:
    """An engine on the store, its schema migrated to the newest version.

    A SQLite store is a file that only ``create`` makes (``run`` records the first run in
    it): any other command given a file that does not exist, a mistyped path or another
    folder's default, says so rather than make an empty store and show nothing.

    Raises:
        StoreError: the URL is not usable, the SQLite file does not exist and is not to be
            created, or the database cannot be reached.
    """
    url = resolve(db)
    try:
        parsed = make_url(url)
        if parsed.drivername in ("postgres", "postgresql"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.get_backend_name() == "sqlite" and _in_memory(parsed):
            raise StoreError(
                f"--db {url!r} is a store in memory, which keeps nothing: every command would "
                "begin with an empty one. Hint: give a file path or a database URL.",
                Reason.STORE,
            )
        engine = sa.create_engine(parsed)
    except (ArgumentError, ValueError) as exc:
        raise StoreError(
            f"--db {url!r} is not a database URL ({exc}). "
            "Hint: give a file path or a URL like postgresql+psycopg://user@host/db.",
            Reason.STORE,
        ) from None
    except ModuleNotFoundError as exc:
        raise StoreError(
            f"--db {url!r}: the driver {exc.name} is not installed. Hint: compengine stores "
            "runs in SQLite (a file path) or PostgreSQL (postgresql+psycopg://user@host/db).",
            Reason.STORE,
        ) from None
    if engine.dialect.name == "sqlite":
        file = parsed.database or ""
        named = not parsed.query.get("uri")  # a plain file
        if named and not create and not Path(file).is_file():
            raise StoreError(
                f"no store at {file}: no run was recorded there. Hint: give the --db (or "
                "$COMPENGINE_DB) that compengine run recorded into, or run from its folder.",
                Reason.STORE,
            )
        if named and not Path(file).absolute().parent.is_dir():
            raise StoreError(
                f"--db {file}: no folder {Path(file).absolute().parent} to make the store in. "
                "Hint: make the folder, or give a path in one that exists.",
                Reason.STORE,
            )
        _sqlite_hooks(engine)
    if url not in _migrated:
        try:
            if version(engine) != HEAD:
                migrate(engine)
        except DBAPIError as exc:
            said = " ".join(str(exc.orig).split())  # the driver's lines, on one
            raise StoreError(
                f"{engine.url.render_as_string(hide_password=True)}: cannot open the store "
                f"({said}). Hint: check that --db names a compengine store, and that its "
                "server runs and lets this user in.",
                Reason.STORE,
            ) from None
        _migrated.add(url)
    return engine


def _in_memory(url: sa.URL) -> bool:
    """Whether a SQLite URL names a database in memory, which is gone when the command ends."""
    file = url.database or ""
    in_file = file == "" or ":memory:" in file or "mode=memory" in file
    return in_file or url.query.get("mode") == "memory"


def version(engine: Engine) -> str | None:
    """The store's schema revision; None for a new database (or one that cannot be read,
    which :func:`migrate` then reports)."""
    try:
        with engine.connect() as connection:
            found = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
            return found.scalar()
    except DBAPIError:
        return None


def migrate(engine: Engine) -> None:
    """Apply the package's migrations, one process at a time."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with writing(engine, f"bring the store's tables up to date (revision {HEAD})") as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK})")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
