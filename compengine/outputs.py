"""Write a run's outputs atomically: build everything in a temporary folder, then move.

A failed run leaves nothing in ``--out`` that looks like a result: the files are written to
a hidden staging folder inside it and moved into place only when all of them are complete.
A command stopped by a signal removes its staging folder (see :mod:`compengine.stopping`);
one killed outright leaves it, and the next command writing to that folder removes it.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

import compengine
from compengine.data import periods
from compengine.data.inputs import Inputs
from compengine.engine.calculate import Result
from compengine.errors import ExportError, Reason
from compengine.plan.load import LoadedPlan
from compengine.stopping import held

RESULT_FILES = ("payouts.csv", "measures.csv", "manifest.json", "audit.xlsx")
STAGING = ".compengine-"  # a staging folder's name: this and a random suffix
LOCK = ".lock"  # in a staging folder: locked while its command runs


@dataclass(frozen=True)
class RunRecord:
    """What a finished run wrote, for the summary and the store."""

    run_id: str
    out: Path
    manifest: dict[str, Any]

    @property
    def text(self) -> str:
        """manifest.json exactly as written."""
        return manifest_text(self.manifest)


def new_run_id() -> str:
    """A run id that sorts by time: ``20270131T120000Z-1a2b3c4d``."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def manifest_text(record: dict[str, Any]) -> str:
    """The bytes of manifest.json for ``record`` (two-space JSON, final newline)."""
    return json.dumps(record, indent=2) + "\n"


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The frame as CSV bytes: nulls empty, ``\\n`` line ends, deterministic (written as bytes,
    not made a Python string first)."""
    out = io.BytesIO()
    frame.write_csv(out, null_value="", line_terminator="\n")
    return out.getvalue()


def require_folder(out: Path) -> None:
    """Refuse an output folder that is a file, or lies in a file or in a folder this user
    may not write, before any work for it is done.

    Raises:
        ExportError: ``out`` cannot be a folder this user writes in.
    """
    if out.exists() and not out.is_dir():
        raise ExportError(
            f"{out}: a file, not a folder. Hint: give a folder (it is made if missing).",
            Reason.EXPORT,
        )
    nearest = next(p for p in (out.absolute(), *out.absolute().parents) if p.exists())
    if nearest != out.absolute() and not nearest.is_dir():
        raise ExportError(
            f"{out}: {nearest} is a file, so no folder can be made in it. "
            "Hint: give a folder (it is made if missing).",
            Reason.EXPORT,
        )
    if not os.access(nearest, os.W_OK | os.X_OK):
        raise ExportError(
            f"{out}: this user may not write in {nearest}. Hint: give a folder you may write in.",
            Reason.EXPORT,
        )


@contextmanager
def staged(out: Path, stale: Iterable[str] = ()) -> Iterator[Path]:
    """A staging folder inside ``out`` whose files move into ``out`` when the block ends well.

    Nothing moves if the block raises, so a failed command leaves nothing in ``out`` that
    looks like a result. Files named in ``stale`` that the block did not write are removed
    from ``out``, so an earlier command's result never sits beside this one's. The files move
    all or none: if one cannot, those moved go back and the earlier ones are put back.

    Raises:
        ExportError: when ``out`` cannot be created or written, or holds a folder where a
            file is to go (checked before the block for the names in ``stale``).
    """
    stale = list(stale)
    require_folder(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        _refuse_folders(out, stale)
        _remove_abandoned(out)
        staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=out))
        try:
            lock = _locked(staging / LOCK)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    except OSError as exc:
        raise ExportError(f"{out}: cannot write here ({exc.strerror}).", Reason.EXPORT) from None
    try:
        yield staging
        with held():
            _move_in(staging, out, stale)
    except OSError as exc:
        raise ExportError(f"{out}: cannot write ({exc.strerror}).", Reason.EXPORT) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        os.close(lock)


def _locked(path: Path) -> int:
    """A new lock file at ``path``, locked by this process until it closes the descriptor
    (or ends, however it ends). It is locked under another name, then renamed: a lock file
    is never seen unlocked while its command runs."""
    making = path.with_name(path.name + ".new")
    descriptor = os.open(making, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    # On a file system without locks no one can take it for abandoned either.
    with suppress(OSError):
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    os.replace(making, path)
    return descriptor


def _remove_abandoned(out: Path) -> None:
    """Remove the staging folders that commands killed outright (``kill -9``, a power cut)
    left in ``out``. A staging folder's lock is held as long as its command runs, on this
    machine or another sharing the folder; one that can be taken belongs to no one. A folder
    without a lock file yet (being made) is left alone."""
    for folder in out.glob(f"{STAGING}*"):
        try:
            descriptor = os.open(folder / LOCK, os.O_WRONLY)
        except OSError:  # no lock file, or not a staging folder
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # held: its command runs
            pass
        finally:
            os.close(descriptor)


def _refuse_folders(out: Path, names: Iterable[str]) -> None:
    """Refuse to put a file where ``out`` holds a folder of that name (nothing is moved)."""
    for name in names:
        if (out / name).is_dir():
            raise ExportError(
                f"{out / name}: a folder where the file {name} goes. "
                "Hint: move the folder away, or write to another --out.",
                Reason.EXPORT,
            )


def _move_in(staging: Path, out: Path, stale: list[str]) -> None:
    """Move the files of ``staging`` into ``out``, the earlier ones (and ``stale``'s) set
    aside in ``staging`` first; if a move fails, put everything back as it was."""
    written = sorted(name for name in os.listdir(staging) if name != LOCK)
    _refuse_folders(out, written)
    earlier = staging / ".earlier"  # removed with staging: the earlier files are replaced
    earlier.mkdir()
    aside: list[str] = []
    moved: list[str] = []
    try:
        for name in dict.fromkeys([*written, *stale]):
            if (out / name).exists():
                os.replace(out / name, earlier / name)
                aside.append(name)
        for name in written:
            os.replace(staging / name, out / name)
            moved.append(name)
    except BaseException:  # a failed move, or the command stopped half-way
        for name in moved:
            os.replace(out / name, staging / name)
        for name in aside:
            os.replace(earlier / name, out / name)
        raise


def manifest(
    run_id: str, loaded: LoadedPlan, inputs: Inputs, outputs: dict[str, bytes]
) -> dict[str, Any]:
    """The run's manifest: plan, input files and their hashes, periods, rows ignored, the
    data's warnings, engine, outputs."""
    plan = loaded.plan
    return {
        "run_id": run_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "plan": {
            "id": plan.plan,
            "version": plan.version,
            "file": loaded.path.name,
            "path": str(loaded.path.resolve()),
            "sha256": loaded.sha256,
        },
        "inputs": {
            name: {
                "file": raw.path.name if raw.path else None,
                "path": str(raw.path.resolve()) if raw.path else None,
                "sha256": raw.sha256,
                "rows": raw.frame.height,
            }
            for name, raw in inputs.files.items()
        },
        "periods": [periods.label(p, plan.period) for p in range(inputs.first, inputs.last + 1)],
        "ignored_out_of_range": inputs.ignored,
        "warnings": inputs.warnings,
        "engine": {"compengine": compengine.__version__, "polars": pl.__version__},
        "outputs": {name: hashlib.sha256(data).hexdigest() for name, data in outputs.items()},
    }


def write_run(
    out: Path,
    loaded: LoadedPlan,
    inputs: Inputs,
    result: Result,
    extra: dict[str, Callable[[Path], None]] | None = None,
    run_id: str | None = None,
    keep: Callable[[RunRecord], None] | None = None,
    notes: dict[str, Any] | None = None,
) -> RunRecord:
    """Write payouts.csv, measures.csv, manifest.json (and ``extra`` writers) into ``out``.

    Args:
        out: The output folder; created if missing. Earlier result files in it are replaced
            only once the new ones are complete.
        loaded: The plan.
        inputs: The validated inputs.
        result: The calculation.
        extra: More files to write, name -> writer taking the target path (the workbook).
        run_id: The run's id; a new one by default.
        keep: Called with the finished record before the files move into place (records
            the run in the store); if it raises, nothing is moved. The store commits first
            because it is the record: should a move then fail, the earlier files are put
            back and ``compengine export`` writes the recorded run's files.
        notes: More manifest entries (``true_ups``: the adjustments booked for closed
            periods, which are not in the data folder).
    """
    run_id = run_id or new_run_id()
    outputs = {"payouts.csv": csv_bytes(result.payouts), "measures.csv": csv_bytes(result.measures)}
    # From the store's commit to the last file moved, a stop waits: the run lands whole.
    with ExitStack() as landing, staged(out, stale=RESULT_FILES) as staging:
        for name, data in outputs.items():
            (staging / name).write_bytes(data)
        for name, writer in (extra or {}).items():
            writer(staging / name)
            outputs[name] = (staging / name).read_bytes()
        record = manifest(run_id, loaded, inputs, outputs) | (notes or {})
        (staging / "manifest.json").write_text(manifest_text(record))
        if keep is not None:
            landing.enter_context(held())
            keep(RunRecord(run_id, out, record))
    return RunRecord(run_id, out, record)
