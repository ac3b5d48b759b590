"""The ``explain`` trace of one component: tiers or curve, modifiers, cap and rounding."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from compengine.audit.explain_text import EXACT, Section, num, quotient
from compengine.audit.rerun import Reopened
from compengine.engine import measures
from compengine.engine.calculate import component_column
from compengine.plan import models


def component(run: Reopened, row: dict[str, Any], name: str) -> Section:
    """The trace of component ``name`` on ``row``: its base, each modifier, cap, rounding."""
    plan = run.loaded.plan
    c = plan.components[name]
    lines: list[str] = []
    base = row[component_column(name, "base")]
    if isinstance(c, models.Commission):
        m = row[measures.measure_column(c.commission)]
        title = f"{name}: commission on {c.commission} = {num(m)}"
        if m is None:
            lines.append(f"{c.commission} has no value: pays 0")
        elif c.rate is not None:
            lines.append(f"{num(m)} x rate {num(c.rate)} = {num(base)}")
        else:
            assert c.tiers is not None
            quota = row["quota"]
            if c.mode == "retroactive":
                attainment = EXACT.divide(m, quota).quantize(Decimal("1e-6"), context=EXACT)
                band = max(i for i, t in enumerate(c.tiers) if i == 0 or attainment >= t.start)
                lines.append(
                    f"attainment {num(m)} / quota {num(quota)} = {quotient(m, quota)} -> "
                    f"{num(attainment)} (half-even, 6 places); "
                    f"retroactive: band {band + 1} (from {num(c.tiers[band].start)}) pays "
                    f"rate {num(c.tiers[band].rate)} on the whole measure"
                )
                lines.append(f"{num(m)} x {num(c.tiers[band].rate)} = {num(base)}")
            else:
                parts = []
                for i, tier in enumerate(c.tiers):
                    lower = tier.start * quota
                    upper = c.tiers[i + 1].start * quota if i + 1 < len(c.tiers) else None
                    inside = m if upper is None else min(m, upper)
                    if i > 0:
                        inside = max(inside, lower) - lower
                    amount = inside * tier.rate
                    parts.append(amount)
                    top = "inf" if upper is None else num(upper)
                    span = f"[{num(lower) if i else '-inf'}, {top})"
                    lines.append(
                        f"band {i + 1} {span} (from {num(tier.start)} x quota {num(quota)}): "
                        f"{num(inside)} x {num(tier.rate)} = {num(amount)}"
                    )
                lines.append(f"marginal tiers: {' + '.join(num(p) for p in parts)} = {num(base)}")
    else:
        v = row[measures.measure_column(c.bonus)]
        title = f"{name}: bonus on {c.bonus} = {num(v)}"
        pt = row["period_target"]
        if v is None:
            lines.append(f"{c.bonus} has no value: pays 0")
        else:
            lines.append(_curve(c.curve, v))
            curve = _curve_value(c.curve, v)
            lines.append(
                f"period target {pt:.{plan.decimals}f} x target share {num(c.target_share)} "
                f"x curve {num(curve)} = {num(base)}"
            )
    amount = base
    factors = []
    for j, mod in enumerate(plan.modifiers):
        if name not in mod.apply_to:
            continue
        factor = row[f"modifier:{j}"]
        factors.append(factor)
        by = mod.by if isinstance(mod, models.Multiplier) else mod.gate
        mv = row[measures.measure_column(by)]
        if mv is None:
            lines.append(f"modifier {j + 1} ({by}) has no value: factor 1")
        elif isinstance(mod, models.Multiplier):
            lower = [lo for lo, _ in mod.bands if lo <= mv]
            where = f"the band from {num(lower[-1])}" if lower else "below the first band"
            lines.append(
                f"modifier {j + 1}: multiplier by {by} = {num(mv)}, {where}: factor {num(factor)}"
            )
        else:
            test = "<" if mv < mod.below else ">="
            lines.append(
                f"modifier {j + 1}: gate on {by} = {num(mv)} {test} {num(mod.below)}: "
                f"factor {num(factor)}"
            )
        amount = amount * factor
    if factors:
        lines.append(
            f"after modifiers: {' x '.join(num(x) for x in [base, *factors])} = {num(amount)}"
        )
    capped = row[component_column(name, "capped")]
    caps = []
    if c.cap_amount is not None:
        caps.append((f"cap amount {num(c.cap_amount)}", c.cap_amount))
    if c.cap_target_multiple is not None:
        pt = row["period_target"]
        caps.append(
            (
                f"{num(c.cap_target_multiple)} x period target {pt:.{plan.decimals}f}",
                c.cap_target_multiple * pt,
            )
        )
    if caps:
        cap = min(value for _, value in caps)
        reached = "reached" if amount > cap else "not reached"
        lines.append(
            f"cap = {' and '.join(text for text, _ in caps)} -> {num(cap)}: {reached}, "
            f"{num(capped)}"
        )
    paid = row[component_column(name)]
    lines.append(
        f"paid: {num(capped)} rounded {plan.rounding} to {plan.decimals} places = "
        f"{paid:.{plan.decimals}f}"
    )
    return Section(title, lines)


def _six(value: Decimal) -> Decimal:
    """``value`` rounded half-even to 6 places, as the engine rounds every curve value."""
    return value.quantize(Decimal("1e-6"), context=EXACT)


def _curve_value(points: list[tuple[Decimal, Decimal]], v: Decimal) -> Decimal:
    below = [i for i, (x, _) in enumerate(points) if x <= v]
    if not below:
        return _six(points[0][1])
    j = below[-1]
    if j == len(points) - 1:
        return _six(points[-1][1])
    (x0, y0), (x1, y1) = points[j], points[j + 1]
    return _six(EXACT.divide(y0 * (x1 - x0) + (y1 - y0) * (v - x0), x1 - x0))


def _flat(y: Decimal) -> str:
    """A flat part's y, with its rounding to 6 places when that changes it."""
    return num(y) if _six(y) == y else f"{num(y)} -> {num(_six(y))} (half-even, 6 places)"


def _curve(points: list[tuple[Decimal, Decimal]], v: Decimal) -> str:
    below = [i for i, (x, _) in enumerate(points) if x <= v]
    if not below:
        x, y = points[0]
        return f"curve: {num(v)} is below the first point ({num(x)}): y = {_flat(y)}"
    j = below[-1]
    if j == len(points) - 1:
        x, y = points[-1]
        return f"curve: {num(v)} is at or past the last point ({num(x)}): y = {_flat(y)}"
    (x0, y0), (x1, y1) = points[j], points[j + 1]
    exact = y0 * (x1 - x0) + (y1 - y0) * (v - x0)
    return (
        f"curve between points {j + 1} ({num(x0)}, {num(y0)}) and {j + 2} ({num(x1)}, "
        f"{num(y1)}): {num(y0)} + ({num(y1)} - {num(y0)}) x ({num(v)} - {num(x0)}) / "
        f"({num(x1)} - {num(x0)}) = {quotient(exact, x1 - x0)} -> "
        f"{num(_curve_value(points, v))} (half-even, 6 places)"
    )
