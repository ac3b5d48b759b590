"""A run's data files, read from the moment the process starts, before polars loads.

``compengine run`` spends its first 0.2 s on one core, loading polars before its reading
threads start (:func:`compengine.data.reading.begin`); the other core is idle.
:func:`start`, called first thing with the command line, reads the data folder's table files
on a thread in that time: their bytes and their SHA-256, both of which release the GIL.
:func:`~compengine.data.read.read` then :func:`take`s a file's bytes instead of reading it
again.

Only the standard library is used here, so that nothing waits for polars. The command line
is looked at, not parsed: a ``run`` with ``--data``, without ``--help`` and without
``--streaming`` (which never holds a file's bytes whole) starts the reads, anything else
does nothing. The command itself still parses its options as usual; a folder read here
that it does not use costs a read and nothing else.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path

from compengine.data.schema import TABLES, Table
from compengine.stopping import spawning

FORMATS = (".csv", ".parquet", ".xlsx")  # the file kinds a table may be, in this order
MOST_BYTES = 2**30  # read early at most this much of a folder (1 GiB)

Read = Future[tuple[bytes, str, os.stat_result]]  # the bytes, their SHA-256, the file's stat
_read: dict[Path, Read] = {}


def start(argv: Sequence[str]) -> Path | None:
    """Read the data files of a ``compengine run ARGS`` command line on a thread; the data
    folder being read, if any.

    The largest files first, as the reads later, and no more than :data:`MOST_BYTES` in all:
    bytes read early are held until taken, beside what the other reads hold.
    """
    if not argv or argv[0] != "run" or {"--streaming", "--help"} & set(argv):
        return None
    folder = _option(argv, "--data")
    if folder is None or not os.path.isdir(folder):
        return None
    sizes: dict[Path, int] = {}
    for path in (p for table in TABLES.values() for p in find(Path(folder), table)):
        try:
            sizes[path.resolve()] = path.stat().st_size
        except OSError:  # gone, or not ours to read: the run's own read says so
            continue
    total = 0
    ahead: dict[Path, Read] = {}
    for path in sorted(sizes, key=lambda p: -sizes[p]):
        if total + sizes[path] <= MOST_BYTES:
            total += sizes[path]
            ahead[path] = Future()
    try:
        reads = threading.Thread(target=_read_all, args=(dict(ahead),), daemon=True)
        with spawning():
            reads.start()
    except RuntimeError:  # no thread to be had: the run reads its files itself
        return None
    _read.update(ahead)
    return Path(folder)


def find(folder: Path, table: Table) -> list[Path]:
    """The files in ``folder`` that hold ``table`` (more than one is an error)."""
    return [
        folder / f"{table.name}{ext}"
        for ext in FORMATS
        if (folder / f"{table.name}{ext}").is_file()
    ]


def take(path: Path) -> tuple[bytes, str] | None:
    """The bytes and SHA-256 of ``path`` read early, waiting for them if the read is under
    way; None if it was not read early, or has changed since it was read (read it then)."""
    if not _read:
        return None
    try:
        read = _read.pop(path.resolve(), None)
        if read is None:
            return None
        raw, digest, before = read.result()
        now = path.stat()
    except Exception:  # not read early after all: the caller reads it, and reports a failure
        return None
    return (raw, digest) if _same(before) == _same(now) else None


def _same(stat: os.stat_result) -> tuple[int, ...]:
    """What changes when a file is written or replaced (ctime even when mtime is put back)."""
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _read_all(ahead: dict[Path, Read]) -> None:
    """Read each file of ``ahead`` in turn; only :data:`_read` keeps the bytes after that."""
    for path in list(ahead):
        _read_one(path, ahead.pop(path))


def _read_one(path: Path, future: Read) -> None:
    try:
        with path.open("rb") as file:
            before = os.fstat(file.fileno())
            raw = file.read()
        future.set_result((raw, hashlib.sha256(raw).hexdigest(), before))
    except Exception as exc:  # the run's own read of the file reports what is wrong
        future.set_exception(exc)


def _option(argv: Sequence[str], name: str) -> str | None:
    """The value of option ``name`` (``--data DIR`` or ``--data=DIR``), the last one given."""
    value = None
    for i, word in enumerate(argv):
        if word == name and i + 1 < len(argv):
            value = argv[i + 1]
        elif word.startswith(name + "="):
            value = word[len(name) + 1 :]
    return value
