"""Write a comparison's or a sweep's files atomically: all of them, or none.

The files are built in a temporary folder inside ``--out`` and moved into place only once
every one is complete, like a run's outputs (:mod:`compengine.outputs`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from compengine.engine.fixed import to_text
from compengine.outputs import csv_bytes, staged
from compengine.scenarios import charts
from compengine.scenarios.compare import PCT_DECIMALS, Comparison
from compengine.scenarios.workbook import write_workbook

Writer = Callable[[Path], object]


def write_atomically(
    out: Path, writers: dict[str, Writer], stale: tuple[str, ...] = ()
) -> list[Path]:
    """Run each ``name -> writer(path)`` into a staging folder, then move all into ``out``.

    Files named in ``stale`` that this write does not produce are removed, so a result of an
    earlier command never sits beside this one's.

    Raises:
        ExportError: when ``out`` cannot be created or written.
    """
    with staged(out, stale) as staging:
        for name, writer in writers.items():
            writer(staging / name)
    return [out / name for name in writers]


def comparison_csv(c: Comparison) -> bytes:
    """Per rep: band, score, base, proposed, difference and change in percent, exact text."""
    money = ("base", "proposed", "difference")
    return csv_bytes(
        c.reps.select(
            "rep_id",
            "relationship_band",
            to_text(pl.col("report_card_score"), 2).alias("report_card_score"),
            *(to_text(pl.col(m), c.scale).alias(m) for m in money),
            to_text(pl.col("change_pct"), PCT_DECIMALS).alias("change_pct"),
        )
    )


def write_comparison(c: Comparison, out: Path, proposed_text: str | None = None) -> list[Path]:
    """Write ``comparison.csv``, ``comparison.xlsx`` and the three charts into ``out``.

    Args:
        c: The comparison.
        out: The output folder.
        proposed_text: The proposed plan's YAML when it came from ``--set``; written as
            ``proposed.yaml`` so the variant can be kept.
    """
    writers: dict[str, Writer] = {
        "comparison.csv": lambda p: p.write_bytes(comparison_csv(c)),
        "comparison.xlsx": lambda p: write_workbook(c, p),
        "change_distribution.png": lambda p: charts.change_distribution(c, p),
        "cost_by_component.png": lambda p: charts.cost_by_component(c, p),
        "pay_vs_report_card.png": lambda p: charts.pay_vs_report_card(c, p),
    }
    if proposed_text is not None:
        writers["proposed.yaml"] = lambda p: p.write_text(proposed_text)
    return write_atomically(out, writers, stale=("proposed.yaml",))
