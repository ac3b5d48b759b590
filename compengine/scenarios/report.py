"""The one-screen terminal summary of a comparison and of a sweep (rich renderables)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import polars as pl
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from compengine.scenarios.compare import PCT_DECIMALS, Comparison, to_decimal
from compengine.scenarios.relationship import BANDS
from compengine.scenarios.sweep import Sweep


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,}"


def _signed(value: Decimal | None, unit: str = "") -> Text:
    """``value`` with its sign and ``unit``, green for a gain, red for a loss (styled text:
    the consoles read no markup)."""
    if value is None:
        return Text()
    colour = "green" if value > 0 else "red" if value < 0 else "dim"
    return Text(f"{value:+,}{unit}", style=colour)


def _pct(value: Decimal | None) -> str:
    return "" if value is None else f"{value:+}%"


def _rows(table: Table, frame: pl.DataFrame, label: str, scale: int) -> None:
    for row in frame.iter_rows(named=True):
        table.add_row(
            str(row[label]),
            _money(to_decimal(row["base"], scale)),
            _money(to_decimal(row["proposed"], scale)),
            _signed(to_decimal(row["difference"], scale)),
            _pct(to_decimal(row["change_pct"], PCT_DECIMALS)),
        )


def _table(title: str, first: str) -> Table:
    table = Table(
        title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
        pad_edge=False, collapse_padding=True,
    )  # fmt: skip
    table.add_column(first, no_wrap=True)
    for name in ("base", "proposed", "difference", "change"):
        table.add_column(name, justify="right", overflow="fold")  # never cut an amount
    return table


def verdict(c: Comparison) -> str:
    """Whether the proposal pays good relationship behaviour more than poor behaviour.

    Compares the pay change (percent of the band's base pay) of the best and the worst graded
    band that has reps: A-level against D-level when both have reps.
    """
    graded = [
        r
        for r in c.bands.iter_rows(named=True)
        if r["relationship_band"] != BANDS[3] and r["reps"] and r["change_pct"] is not None
    ]
    if len(graded) < 2:
        return "Fewer than two relationship bands have paid reps: nothing to compare."
    good, poor = graded[0], graded[-1]
    g = to_decimal(good["change_pct"], PCT_DECIMALS)
    p = to_decimal(poor["change_pct"], PCT_DECIMALS)
    assert g is not None
    assert p is not None
    answer = "Yes" if g > p else "No" if g < p else "No difference"
    return (
        f"Does the proposal pay good relationship behaviour more? {answer}: "
        f"{good['relationship_band']} reps {g:+}%, {poor['relationship_band']} reps {p:+}% "
        "(change of each band's pay)."
    )


def comparison_summary(c: Comparison) -> Group:
    """Cost, components, winners and losers, relationship bands, and the verdict."""
    t = c.totals
    head = _table(
        f"{c.base.plan.plan} v{c.base.plan.version} -> {c.proposed.plan.plan} "
        f"v{c.proposed.plan.version} ({c.base.plan.currency})",
        "",
    )
    diff = t["proposed"].cost - t["base"].cost
    base_cost = abs(t["base"].cost)  # of the base's size: a gain is positive (see change_pct)
    pct = (diff * 100 / base_cost).quantize(Decimal("0.01"), ROUND_HALF_UP) if base_cost else None
    head.add_row("total cost", _money(t["base"].cost), _money(t["proposed"].cost),
                 _signed(diff), _pct(pct))  # fmt: skip
    share = [t[k].relationship_share for k in ("base", "proposed")]
    head.add_row(
        "relationship share", *(f"{s}%" if s is not None else "" for s in share),
        _signed(share[1] - share[0], " pts") if None not in share else "", "",  # type: ignore[operator]
    )  # fmt: skip
    _rows(head, c.components, "component", c.scale)
    bands = Table(
        title="By relationship band (report-card score over the range)", title_justify="left",
        header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
    )  # fmt: skip
    for name in ("band", "reps", "base per rep", "proposed per rep", "change"):
        bands.add_column(name, justify="left" if name == "band" else "right")
    for row in c.bands.iter_rows(named=True):
        bands.add_row(
            row["relationship_band"], f"{row['reps']:,}",
            _money(to_decimal(row["base_per_rep"], c.scale)),
            _money(to_decimal(row["proposed_per_rep"], c.scale)),
            _pct(to_decimal(row["change_pct"], PCT_DECIMALS)),
        )  # fmt: skip
    movers = []
    for sign, word in ((1, "gains"), (-1, "losses")):
        top = c.movers(sign, 3)
        shown = ", ".join(
            f"{r['rep_id']} {to_decimal(r['difference'], c.scale):+,}"
            for r in top.iter_rows(named=True)
        )
        movers.append(f"largest {word}: {shown or 'none'}")
    counts = Text.assemble(
        (f"{c.count(1):,} reps gain", "green"),
        ", ",
        (f"{c.count(-1):,} lose", "red"),
        f", {c.count(0):,} unchanged; " + "; ".join(movers),  # rep ids as written
    )
    return Group(head, counts, bands, Text(verdict(c), style="bold"))


def sweep_summary(sweep: Sweep) -> Table:
    """One line per value: total cost, its change from the first value, relationship share."""
    changed = f", with --set {', '.join(sweep.sets)}" if sweep.sets else ""
    table = Table(
        title=Text(f"{sweep.plan_id}{changed}: {sweep.path} ({sweep.currency})"),
        title_justify="left",
        header_style="bold",
    )
    for name in ("value", "total cost", "vs first", "relationship pay", "relationship share"):
        table.add_column(name, justify="right")
    first: Decimal | None = None
    for row in sweep.table.iter_rows(named=True):
        cost = to_decimal(row["total_cost"], sweep.scale)
        assert cost is not None
        first = cost if first is None else first
        share = to_decimal(row["relationship_share"], 2)
        marker = (
            " (plan)"
            if sweep.current is not None and Decimal(row["value"]) == sweep.current
            else ""
        )
        table.add_row(
            row["value"] + marker,
            _money(cost),
            _signed(cost - first),
            _money(to_decimal(row["relationship_pay"], sweep.scale)),
            "" if share is None else f"{share}%",
        )
    return table
