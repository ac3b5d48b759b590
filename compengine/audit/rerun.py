"""Reopen a finished run from its ``--out`` folder, for ``explain`` and ``audit``.

Design: a run's folder keeps what it promised (payouts.csv, measures.csv, manifest.json,
audit.xlsx) and nothing else; the manifest records the plan file and every input file with
its absolute path and SHA-256. Reopening reads the manifest, checks that the plan and every
input file still hash the same (refusing, with the changed files named, if not), loads them
for the run's periods, books again the true-ups the manifest lists, and calculates again:
the engine is deterministic, so the steps are the run's own, and as a last check the
recalculated payouts.csv must hash like the run's.
This needs no extra file in the run folder and cannot disagree with the inputs it names.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from compengine.data.inputs import Inputs, load_inputs
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


def reopen(out: Path) -> Reopened:
    """Recalculate the run in ``out`` from the plan and inputs its manifest names.

    Raises:
        ExportError: ``out`` holds no run, or the recalculation differs from its payouts.
        InputDataError: the plan or an input file changed (or vanished) since the run.
    """
    path = out / "manifest.json"
    if not path.is_file():
        raise ExportError(
            f"{out}: no manifest.json, so no finished run. "
            f"Hint: compengine run PLAN --data DIR --out {out}",
            Reason.EXPORT,
        )
    manifest = json.loads(path.read_text())
    plan_path = manifest["plan"].get("path")
    if not plan_path:
        raise ExportError(
            f"{path}: the manifest does not say where the plan and inputs are. "
            "Hint: run the plan again with this version of compengine.",
            Reason.EXPORT,
        )
    changed: list[str] = []
    loaded = None
    if not Path(plan_path).is_file():
        changed.append(f"{plan_path}: the run's plan is gone.")
    else:
        loaded = load_plan(Path(plan_path))
        if loaded.sha256 != manifest["plan"]["sha256"]:
            changed.append(f"{plan_path}: the plan changed since run {manifest['run_id']}.")
    data = Path(manifest["inputs"]["reps"]["path"]).parent
    if loaded is not None and not changed:
        periods = manifest["periods"]
        inputs = load_inputs(data, loaded.plan, periods[0], periods[-1])
        for name, raw in inputs.files.items():
            was = manifest["inputs"].get(name, {})
            if raw.sha256 != was.get("sha256"):
                label = raw.path or data / f"{name}.csv"
                what = "appeared" if not was.get("sha256") else "vanished" if not raw.path else ""
                changed.append(
                    f"{label}: {what or 'changed'} since run {manifest['run_id']} "
                    f"(SHA-256 {was.get('sha256')} then, {raw.sha256} now)."
                )
    if changed or loaded is None:
        hint = "Hint: restore the run's inputs, or run the plan again and explain that run."
        raise InputDataError([(Reason.INVALID_VALUE, f"{m} {hint}") for m in changed])
    booked = manifest.get("true_ups") or []
    if booked:  # adjustments the run booked for closed periods that moved: book them again
        from compengine.store.closed import TrueUp, book

        trued = [
            TrueUp(t["rep_id"], t["period"], Decimal(t["amount"]), t["reason"]) for t in booked
        ]
        inputs = book(inputs, loaded.plan, trued)
    result = calculate(loaded.plan, inputs)
    payouts = manifest.get("outputs", {}).get("payouts.csv")
    if payouts and hashlib.sha256(csv_bytes(result.payouts)).hexdigest() != payouts:
        raise ExportError(
            f"{out}/payouts.csv: recalculating the run's inputs gives other payouts than the "
            "run wrote. Hint: run the plan again and explain that run.",
            Reason.EXPORT,
        )
    return Reopened(manifest, loaded, inputs, result, data)
