"""PNG charts of a comparison and a sweep (matplotlib, Agg canvas: no screen needed).

Amounts become floats here and only here, for drawing; every number written to a table
stays exact.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

if TYPE_CHECKING:
    from compengine.scenarios.compare import Comparison
    from compengine.scenarios.sweep import Sweep

BASE_COLOUR = "#7f7f7f"
PROPOSED_COLOUR = "#1f77b4"
DPI = 110


def _floats(frame: pl.DataFrame, column: str, scale: int) -> list[float]:
    return frame.select(pl.col(column).cast(pl.Float64) / 10**scale).to_series().to_list()


def _money(value: float, _pos: object = None) -> str:
    return f"{value:,.0f}"


def _save(figure: Figure, path: Path) -> None:
    FigureCanvasAgg(figure)
    figure.tight_layout()
    figure.savefig(path, dpi=DPI, format="png")


def change_distribution(comparison: Comparison, path: Path) -> None:
    """Histogram of the per-rep change in pay over the range."""
    diffs = _floats(comparison.reps, "difference", comparison.scale)
    figure = Figure(figsize=(7, 4.2))
    ax = figure.add_subplot()
    ax.hist(diffs, bins=min(40, max(5, len(diffs) // 5)), color=PROPOSED_COLOUR, alpha=0.85)
    ax.axvline(0, color="black", linewidth=1)
    ax.set_title(
        f"Change in pay per rep: {comparison.count(1):,} gain, {comparison.count(-1):,} lose, "
        f"{comparison.count(0):,} unchanged"
    )
    ax.set_xlabel(f"proposed - base ({comparison.base.plan.currency})")
    ax.set_ylabel("reps")
    ax.xaxis.set_major_formatter(FuncFormatter(_money))
    _save(figure, path)


def cost_by_component(comparison: Comparison, path: Path) -> None:
    """Bars of the cost of each component (and adjustments) under both plans."""
    frame = comparison.components
    names = frame["component"].to_list()
    base = _floats(frame, "base", comparison.scale)
    proposed = _floats(frame, "proposed", comparison.scale)
    figure = Figure(figsize=(8, 4.5))
    ax = figure.add_subplot()
    xs = list(range(len(names)))
    width = 0.4
    ax.bar([x - width / 2 for x in xs], base, width, label="base", color=BASE_COLOUR)
    ax.bar([x + width / 2 for x in xs], proposed, width, label="proposed", color=PROPOSED_COLOUR)
    ax.set_xticks(xs, names, rotation=20, ha="right")
    ax.set_ylabel(f"cost ({comparison.base.plan.currency})")
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    ax.set_title("Cost by component")
    ax.legend()
    _save(figure, path)


def _binned_means(score: list[float], pay: list[float], width: float) -> tuple[list[float], ...]:
    """Mean score and mean pay of the reps in each score bin ``width`` points wide."""
    sums: dict[int, tuple[float, float, int]] = {}
    for s, p in zip(score, pay, strict=True):
        xs, ys, n = sums.get(int(s // width), (0.0, 0.0, 0))
        sums[int(s // width)] = (xs + s, ys + p, n + 1)
    bins = [sums[b] for b in sorted(sums)]
    return [x / n for x, _, n in bins], [y / n for _, y, n in bins]


def pay_vs_report_card(comparison: Comparison, path: Path) -> None:
    """Each rep's pay against their report-card score under both plans, with bin means."""
    graded = comparison.reps.filter(pl.col("report_card_score").is_not_null())
    score = _floats(graded, "report_card_score", 2)
    figure = Figure(figsize=(7, 4.5))
    ax = figure.add_subplot()
    many = graded.height > 300
    if not many:
        before = _floats(graded, "base", comparison.scale)
        after = _floats(graded, "proposed", comparison.scale)
        ax.vlines(score, before, after, color="#c7c7c7", linewidth=0.8, zorder=1)
    for column, colour in (("base", BASE_COLOUR), ("proposed", PROPOSED_COLOUR)):
        pay = _floats(graded, column, comparison.scale)
        ax.scatter(score, pay, s=4 if many else 12, alpha=0.25 if many else 0.6, color=colour,
                   label=column, linewidths=0)  # fmt: skip
        if score:
            xs, means = _binned_means(score, pay, 5.0)
            ax.plot(xs, means, color=colour, linewidth=2.2, marker="o", markersize=4,
                    label=f"{column}: mean per 5 points")  # fmt: skip
    ungraded = comparison.reps.height - graded.height
    note = f" ({ungraded:,} reps without grades not shown)" if ungraded else ""
    ax.set_title("Pay versus report-card score" + note)
    ax.set_xlabel("report-card score (weighted grade points)")
    ax.set_ylabel(f"pay over the range ({comparison.base.plan.currency})")
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    ax.legend(fontsize="small")
    _save(figure, path)


def sweep_curve(sweep: Sweep, path: Path) -> None:
    """Total cost and relationship share of pay against the varied value."""
    values = [float(v) for v in sweep.values]
    cost = _floats(sweep.table, "total_cost", sweep.scale)
    share = sweep.table.select(pl.col("relationship_share").cast(pl.Float64) / 100).to_series()
    figure = Figure(figsize=(7, 6))
    top, bottom = figure.subplots(2, 1, sharex=True)
    top.plot(values, cost, marker="o", color=PROPOSED_COLOUR)
    top.set_ylabel(f"total cost ({sweep.currency})")
    top.yaxis.set_major_formatter(FuncFormatter(_money))
    top.set_title(f"{sweep.plan_id}: varying {sweep.path}")
    bottom.plot(values, share.to_list(), marker="o", color="#2ca02c")
    bottom.set_ylabel("relationship share of pay")
    bottom.yaxis.set_major_formatter(PercentFormatter(100))
    bottom.set_xlabel(sweep.path)
    if sweep.current is not None:
        for ax in (top, bottom):
            ax.axvline(float(sweep.current), color=BASE_COLOUR, linestyle="--", linewidth=1)
        top.annotate(
            "plan as written",
            (float(sweep.current), 1),
            xycoords=("data", "axes fraction"),
            xytext=(4, -12),
            textcoords="offset points",
            color=BASE_COLOUR,
        )
    _save(figure, path)
