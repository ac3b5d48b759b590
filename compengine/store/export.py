"""Rewrite a run's outputs from the store, byte for byte as the run wrote them."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy.engine import Engine

from compengine.outputs import csv_bytes, staged
from compengine.store import read

KEYS = ["row", "rep_id", "period"]


def wide(long: pl.DataFrame, on: str, value: str, columns: list[str]) -> pl.DataFrame:
    """Long lines back to the run's table: one row per ``row``, ``columns`` in order."""
    if long.is_empty():
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    return (
        long.pivot(on=on, index=KEYS, values=value, aggregate_function=None)
        .sort("row")
        .select(columns)
    )


def export_run(engine: Engine, run_id: str, out: Path) -> dict[str, Path]:
    """Write payouts.csv, measures.csv and manifest.json of ``run_id`` into ``out``.

    Raises:
        StoreError: no such run.
        ExportError: ``out`` cannot be written.
    """
    info = read.run(engine, run_id)
    files = {
        "payouts.csv": csv_bytes(
            wide(read.lines(engine, info.id), "component", "amount", info.payout_columns)
        ),
        "measures.csv": csv_bytes(
            read.measures(engine, info.id, info.measure_columns[2:]).select(info.measure_columns)
        ),
        "manifest.json": info.manifest.encode(),
    }
    with staged(out) as staging:
        for name, data in files.items():
            (staging / name).write_bytes(data)
    return {name: out / name for name in files}
