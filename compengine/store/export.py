"""Rewrite a run's outputs from the store, byte for byte as the run wrote them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from compengine.outputs import RESULT_FILES, csv_bytes, staged
from compengine.store import read


def export_run(engine: Engine, run_id: str, out: Path) -> dict[str, Path]:
    """Write payouts.csv, measures.csv and manifest.json of ``run_id`` into ``out``.

    Raises:
        StoreError: no such run.
        ExportError: ``out`` cannot be written.
    """
    info = read.run(engine, run_id)
    found = read.kinds(
        engine, info, {"payout": info.payout_columns[2:], "measure": info.measure_columns[2:]}
    )
    files = {
        "payouts.csv": csv_bytes(found["payout"].select(info.payout_columns)),
        "measures.csv": csv_bytes(found["measure"].select(info.measure_columns)),
        "manifest.json": info.manifest.encode(),
    }
    with staged(out, stale=RESULT_FILES) as staging:  # no other run's workbook beside them
        for name, data in files.items():
            (staging / name).write_bytes(data)
    return {name: out / name for name in files}
