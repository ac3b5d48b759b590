"""Components: money per row before modifiers and caps (commission tiers, bonus curves)."""

from __future__ import annotations

from decimal import ROUND_UP, Decimal
from itertools import pairwise

from compengine.engine.fixed import Fixed, when
from compengine.engine.measures import RATIO_SCALE
from compengine.plan import models

ZERO = Fixed.lit(0)


def commission(c: models.Commission, measure: Fixed, quota: Fixed | None) -> Fixed:
    """Commission on ``measure``; a null measure pays 0.

    Marginal tiers pay each band's rate on the part of the measure inside
    ``[from_i * quota, from_{i+1} * quota)``, the first band reaching down without limit.
    Retroactive tiers pay the whole measure at the rate of the band its attainment (rounded
    to 6 places, as the auditor sees it) falls in; a boundary value takes the upper band.
    """
    if c.rate is not None:
        amount = measure * Fixed.lit(c.rate)
    else:
        assert c.tiers is not None
        assert quota is not None
        if c.mode == "marginal":
            amount = marginal(c.tiers, measure, quota)
        else:
            attainment = measure.div(quota, RATIO_SCALE)
            amount = measure * band_value([(t.start, t.rate) for t in c.tiers], attainment)
    # min/max_horizontal skip nulls, so marginal bands of a null measure are not null
    return when(measure.is_null(), ZERO, amount.fill_null(ZERO))


def marginal(tiers: list[models.Tier], measure: Fixed, quota: Fixed) -> Fixed:
    """Sum over bands of rate times the part of ``measure`` inside the band."""
    total = ZERO
    for i, tier in enumerate(tiers):
        part = measure
        if i + 1 < len(tiers):
            part = part.minimum(Fixed.lit(tiers[i + 1].start) * quota)
        if i > 0:
            lower = Fixed.lit(tier.start) * quota
            part = part.maximum(lower) - lower
        total = total + part * Fixed.lit(tier.rate)
    return total


def band_value(bands: list[tuple[Decimal, Decimal]], value: Fixed) -> Fixed:
    """The value of the last band whose lower <= ``value``; below the first, the first's."""
    result = Fixed.lit(bands[0][1])
    for lower, factor in bands[1:]:
        result = when(value >= Fixed.lit(lower), Fixed.lit(factor), result)
    return result


def curve(points: list[tuple[Decimal, Decimal]], value: Fixed) -> Fixed:
    """The curve at ``value``, rounded half-even to 6 places.

    Flat below the first and above the last point, linear between; where two points share
    an x, the later one holds at that x (a step).
    """

    def flat(y: Decimal) -> Fixed:
        return Fixed.lit(y).round(RATIO_SCALE, "half_even")

    result = flat(points[0][1])  # below the first point
    for (x0, y0), (x1, y1) in pairwise(points):
        if x1 == x0:
            continue  # a step: the later point holds from x0 on
        # y0 + (y1 - y0) * (v - x0) / (x1 - x0), as one exact, rounded division
        numerator = Fixed.lit(y0 * (x1 - x0)) + Fixed.lit(y1 - y0) * (value - Fixed.lit(x0))
        result = when(
            value >= Fixed.lit(x0), numerator.div(Fixed.lit(x1 - x0), RATIO_SCALE), result
        )
    x_last, y_last = points[-1]
    result = when(value >= Fixed.lit(x_last), flat(y_last), result)
    # Between two points the line lies between their y: no value is larger than the largest
    # y (a bound far tighter than the line's arithmetic, which spans the measure's values).
    largest_y = max(abs(_int_at(y, RATIO_SCALE)) for _, y in points) + 1
    return Fixed(result.expr, result.scale, min(result.bound, largest_y))


def _int_at(value: Decimal, scale: int) -> int:
    """The integer of ``value`` at ``scale`` places, rounded up in size."""
    scaled = value.scaleb(scale)
    return int(scaled.to_integral_value(rounding=ROUND_UP))


def bonus(b: models.Bonus, measure: Fixed, period_target: Fixed) -> Fixed:
    """``period_target * target_share * curve(value)``; a null value pays 0."""
    amount = period_target * Fixed.lit(b.target_share) * curve(b.curve, measure)
    return when(measure.is_null(), ZERO, amount)
