"""The ``Plan`` sheet: the plan's numbers as cells the formulas reference, and its text.

Each table (tiers, curve points, multiplier bands, gates, caps, report-card weights, grade
points) is a block of rows; :class:`PlanRefs` remembers where each block landed, so the
other sheets' formulas point at the plan's own cells and a changed cell recalculates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from compengine.audit.formulas import divide, places
from compengine.audit.xlsx import Column, Formula, Sheet, Styled, Styles, small_rows
from compengine.engine.calculate import PERIODS_PER_YEAR
from compengine.plan import models
from compengine.plan.load import LoadedPlan

SHEET = "Plan"


def absolute(col: str, row: int) -> str:
    """An absolute reference to one cell of the Plan sheet."""
    return f"{SHEET}!${col}${row}"


def span(col: str, first: int, last: int) -> str:
    """An absolute reference to a column range of the Plan sheet."""
    return f"{SHEET}!${col}${first}:${col}${last}"


@dataclass
class PlanRefs:
    """Where the plan's numbers are: cells by key, and row ranges of the tables."""

    cells: dict[str, str] = field(default_factory=dict)  # key -> Plan!$C$7
    tables: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> first, last row


def build(loaded: LoadedPlan, styles: Styles) -> tuple[Sheet, PlanRefs]:
    """The Plan sheet and the references into it."""
    plan = loaded.plan
    refs = PlanRefs()
    bold = styles.style(bold=True)
    ratio = styles.style("0.000000")
    rows: list[list[object]] = []

    def add(*values: object) -> int:
        rows.append(list(values))
        return len(rows) + 1  # the sheet row (row 1 is the header)

    def heading(title: str) -> None:
        add()
        add(Styled(title, bold))

    add("plan", "id", plan.plan)
    add("plan", "version", plan.version)
    add("plan", "title", plan.title or "")
    add("plan", "period", plan.period)
    refs.cells["periods_per_year"] = absolute(
        "C", add("plan", "periods per year", PERIODS_PER_YEAR[plan.period])
    )
    add("plan", "currency", plan.currency)
    add("plan", "rounding", plan.rounding)
    refs.cells["decimals"] = absolute("C", add("plan", "decimals", plan.decimals))
    add("plan", "SHA-256 of the plan file", loaded.sha256)

    for name, c in plan.components.items():
        if isinstance(c, models.Commission):
            heading(f"component {name}: commission on {c.commission}")
            if c.rate is not None:
                refs.cells[f"{name}:rate"] = absolute("C", add(name, "flat rate", c.rate))
            else:
                assert c.tiers is not None
                add(Styled(f"{name} tiers ({c.mode})", bold), "", "from (attainment)", "rate")
                first = len(rows) + 2
                for i, tier in enumerate(c.tiers):
                    add(name, f"tier {i + 1}", tier.start, tier.rate)
                refs.tables[f"{name}:tiers"] = (first, first + len(c.tiers) - 1)
        else:
            heading(f"component {name}: bonus on {c.bonus}")
            refs.cells[f"{name}:share"] = absolute("C", add(name, "target share", c.target_share))
            add(Styled(f"{name} curve", bold), "", "x", "y", "y at 6 places")
            first = len(rows) + 2
            for i, (x, y) in enumerate(c.curve):
                r = first + i
                y6 = divide(f"D{r}", "1", 6, "half_even", places(y), 0)
                add(name, f"point {i + 1}", x, y, Styled(Formula(y6), ratio))
            refs.tables[f"{name}:curve"] = (first, first + len(c.curve) - 1)
        if c.cap_amount is not None:
            refs.cells[f"{name}:cap_amount"] = absolute("C", add(name, "cap amount", c.cap_amount))
        if c.cap_target_multiple is not None:
            refs.cells[f"{name}:cap_multiple"] = absolute(
                "C", add(name, "cap: multiple of the period target", c.cap_target_multiple)
            )

    for i, mod in enumerate(plan.modifiers):
        applies = ", ".join(mod.apply_to)
        if isinstance(mod, models.Multiplier):
            heading(f"modifier {i + 1}: multiplier by {mod.by} on {applies}")
            add(Styled(f"modifier {i + 1} bands", bold), "", "lower", "factor")
            first = len(rows) + 2
            for j, (lower, factor) in enumerate(mod.bands):
                add(f"modifier {i + 1}", f"band {j + 1}", lower, factor)
            refs.tables[f"modifier:{i}"] = (first, first + len(mod.bands) - 1)
        else:
            heading(f"modifier {i + 1}: gate on {mod.gate} for {applies}")
            row = add(f"modifier {i + 1}", "factor when the value is below", mod.below, mod.factor)
            refs.cells[f"modifier:{i}:below"] = absolute("C", row)
            refs.cells[f"modifier:{i}:factor"] = absolute("D", row)

    card = plan.report_card
    points = card.grade_points if card else models.GradePoints()
    heading("grade points (report card and recovery grades)")
    for grade in ("A", "B", "D"):
        refs.cells[f"points:{grade}"] = absolute(
            "C", add("grade points", grade, getattr(points, grade))
        )
    if card:
        heading("report card behaviours")
        for behaviour, weight in card.behaviours.items():
            refs.cells[f"weight:{behaviour}"] = absolute(
                "C", add("behaviour weight", behaviour, weight)
            )

    heading(f"plan text ({loaded.path.name}), SHA-256 {loaded.sha256}")
    for number, line in enumerate(loaded.text.splitlines(), start=1):
        add("plan text", number, line)

    columns = [
        Column("table", 22),
        Column("item", 34),
        Column("value / from / x / lower", 22),
        Column("rate / y / factor", 16),
        Column("", 16),
    ]
    return Sheet(SHEET, columns, pl.DataFrame(), header_style=bold, rows=small_rows(rows)), refs
