"""Reopen a finished run from its ``--out`` folder, for ``explain`` and ``audit``.

Design: a run's folder keeps what it promised (payouts.csv, measures.csv, manifest.json,
audit.xlsx) and nothing else; the manifest records the plan file and every input file with
its absolute path and SHA-256. Reopening reads the manifest, checks that the plan and every
input file still hash the same (refusing, with the changed files named, if not) before it
reads them, loads them for the run's periods, books again the true-ups the manifest lists,
and calculates again: the engine is deterministic, so the steps are the run's own, and as a
last check the recalculated payouts.csv must hash like the run's.
This needs no extra file in the run folder and cannot disagree with the inputs it names.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compengine.data import periods
from compengine.data.early import find
from compengine.data.inputs import Inputs, load_inputs
from compengine.data.schema import TABLES
from compengine.engine.calculate import Result, calculate
from compengine.errors import ExportError, InputDataError, Reason
from compengine.outputs import csv_bytes
from compengine.plan.load import LoadedPlan, load_plan


@dataclass(frozen=True)
class Reopened:
    """A finished run, recalculated from its verified inputs."""

    manifest: dict[str, Any]
    loaded: LoadedPlan
    inputs: Inputs
    result: Result
    data: Path

    def period(self, text: str) -> int:
        """The period index of ``text`` (``--period``) in the run's plan.

        Raises:
            InputDataError: ``text`` is not a period of the plan's kind.
        """
        granularity = self.loaded.plan.period
        index = periods.parse(text, granularity)
        if index is None:
            expected = "YYYY-MM" if granularity == "month" else "YYYY-Qn"
            raise InputDataError(
                [
                    (
                        Reason.UNPARSABLE,
                        f"--period {text!r} is not a {granularity} of this plan. "
                        f"Hint: write {expected}.",
                    )
                ]
            )
        return index


def reopen(out: Path, data: Path | None = None, plan: Path | None = None) -> Reopened:
    """Recalculate the run in ``out`` from the plan and inputs its manifest names, or from
    copies of them: the plan ``plan`` and the input files in the folder ``data``, each
    checked against the SHA-256 the manifest records as the run's own are.

    Raises:
        ExportError: ``out`` holds no run, or the recalculation differs from its payouts.
        InputDataError: the run's payouts.csv or measures.csv, its plan or an input file
            changed (or vanished) since the run.
    """
    manifest, plan_path, recorded = _manifest(out)
    given = []  # copies named that are not there
    if data is not None and not data.is_dir():
        what = "a file, not a folder" if data.exists() else "no such folder"
        given.append(f"--data {data}: {what}. Hint: give the folder of the copies.")
    if plan is not None and not plan.is_file():
        what = "a folder, not a file" if plan.exists() else "no such file"
        given.append(f"--plan {plan}: {what}. Hint: give the copy of the run's plan.")
    if given:
        raise InputDataError([(Reason.MISSING_TABLE, message) for message in given])
    plan_path, data = plan or plan_path, data or recorded
    written = _outputs_changed(manifest, out)
    if written:
        hint = f"Hint: compengine export {manifest['run_id']} --out DIR writes them from the store."
        raise InputDataError([(Reason.INPUT_CHANGED, f"{m} {hint}") for m in written])
    changed = _changed(manifest, plan_path, data)
    if changed:
        hint = (
            "Hint: restore the run's inputs (or give --data and --plan where copies of them "
            "are), or run the plan again and explain that run."
        )
        raise InputDataError([(Reason.INPUT_CHANGED, f"{m} {hint}") for m in changed])
    loaded = load_plan(plan_path)
    inputs = load_inputs(data, loaded.plan, manifest["periods"][0], manifest["periods"][-1])
    booked = manifest.get("true_ups") or []
    if booked:  # adjustments the run booked for closed periods that moved: book them again
        from compengine.store.closed import TrueUp, book

        inputs = book(inputs, loaded.plan, [TrueUp.from_json(t) for t in booked])
    result = calculate(loaded.plan, inputs, where=loaded.where)
    payouts = manifest.get("outputs", {}).get("payouts.csv")
    if payouts and hashlib.sha256(csv_bytes(result.payouts)).hexdigest() != payouts:
        raise ExportError(
            f"{out}/payouts.csv: recalculating the run's inputs gives other payouts than the "
            "run wrote. Hint: run the plan again and explain that run.",
            Reason.EXPORT,
        )
    return Reopened(manifest, loaded, inputs, result, data)


def _manifest(out: Path) -> tuple[dict[str, Any], Path, Path]:
    """The run's manifest, its plan file and its data folder.

    Raises:
        ExportError: ``out`` has no manifest, or one that does not name the plan and inputs.
    """
    path = out / "manifest.json"
    if not path.is_file():
        raise ExportError(
            f"{out}: no manifest.json, so no finished run. "
            f"Hint: compengine run PLAN --data DIR --out {out}",
            Reason.EXPORT,
        )
    broken = ExportError(
        f"{path}: not the manifest of a compengine run (unreadable, or without the run id, "
        "plan, inputs or periods). Hint: run the plan again into this folder.",
        Reason.EXPORT,
    )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        plan = manifest["plan"]
        plan_path, reps_path = plan.get("path"), manifest["inputs"]["reps"].get("path")
        complete = bool(manifest["run_id"] and plan["sha256"] and manifest["periods"])
    except (OSError, ValueError, LookupError, TypeError, AttributeError):
        raise broken from None
    if not complete:
        raise broken
    if not plan_path or not reps_path:
        raise ExportError(
            f"{path}: the manifest does not say where the plan and inputs are. "
            "Hint: run the plan again with this version of compengine.",
            Reason.EXPORT,
        )
    return manifest, Path(plan_path), Path(reps_path).parent


def _outputs_changed(manifest: dict[str, Any], out: Path) -> list[str]:
    """The run's CSV files in ``out`` that are not the ones it wrote: what is traced must be
    what was paid."""
    changed = []
    for name in ("payouts.csv", "measures.csv"):
        recorded, file = manifest.get("outputs", {}).get(name), out / name
        if recorded is None:
            continue
        now = _sha256(file) if file.is_file() else None
        what = "changed" if now else "is gone"
        if now != recorded:
            changed.append(
                f"{file}: {what} since run {manifest['run_id']} wrote it (SHA-256 {recorded} "
                f"then, {now} now)."
            )
    return changed


def _changed(manifest: dict[str, Any], plan_path: Path, data: Path) -> list[str]:
    """What differs from the files the run read: the plan, then each input table's file."""
    run_id = manifest["run_id"]
    if not plan_path.is_file():
        return [f"{plan_path}: the run's plan is gone."]
    if _sha256(plan_path) != manifest["plan"]["sha256"]:
        return [f"{plan_path}: the plan changed since run {run_id}."]
    changed = []
    for name, table in TABLES.items():
        was = manifest["inputs"].get(name) or {}
        recorded = data / Path(was["path"]).name if was.get("path") else None
        found = recorded if recorded is not None and recorded.is_file() else None
        if recorded is None:  # the table was absent: it must still be
            found = next(iter(find(data, table)), None)
        now, then = _sha256(found) if found is not None else None, was.get("sha256")
        if now != then:
            label = found or recorded or data / f"{name}.csv"
            hashes = f"SHA-256 {then} then, {now} now" if now and then else f"SHA-256 {now or then}"
            what = "appeared" if not then else "vanished" if not found else "changed"
            changed.append(f"{label}: {what} since run {run_id} ({hashes}).")
    return changed


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
