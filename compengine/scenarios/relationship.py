"""Which pay rewards relationship behaviour, and how each rep's report card scores.

**Relationship measures** are the plan's ``report_card``, ``resolution_rate`` and
``recovery_score`` measures, and any ``attainment`` or ``ratio`` built on one of them.

**Relationship pay** of a row is the paid amount of every component whose own measure is a
relationship measure, plus, for each other component that a modifier driven by a
relationship measure applies to, what those modifiers changed: the paid amount minus what
the component would pay without them (its other modifiers, its caps and its rounding
applied alike). A relationship multiplier of 1.15 on a commission counts the extra 15% as
relationship pay, as far as the cap lets it be paid; a gate that halves it counts the lost
half as negative relationship pay; a cap alone, or a modifier on attainment, moves none.
The **relationship share** is relationship pay over the pay of all components (adjustments
are not pay of the plan).

**Relationship bands** group reps by their report card over the whole compared range, from
the grades themselves (not from a plan measure, so ``min_ratings`` and ``default`` do not
move a rep): score = sum(points x weight) / sum(weight) over all the rep's grades, with the
base plan's behaviour weights and grade points. A-level: score >= 90% of an A's points (90 on
the default scale); D-level: score < 60% of an A's points (60); B-level: in between; no grades:
the rep has no grade in the range. Bands are decided exactly (integers), the score shown is
rounded half-even to 2 places.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from compengine.data.inputs import Inputs
from compengine.engine.calculate import Result, capped, component_column
from compengine.engine.fixed import I128, Fixed, scale_of
from compengine.plan import models

BANDS = ("A-level", "B-level", "D-level", "no grades")
A_LEVEL = Decimal("0.9")  # of an A's points
D_LEVEL = Decimal("0.6")
SCORE_DECIMALS = 2
_DIRECT = (models.ReportCardMeasure, models.ResolutionRateMeasure, models.RecoveryScoreMeasure)


def relationship_measures(plan: models.Plan) -> list[str]:
    """The plan's measures that are relationship measures, in plan order."""
    found: list[str] = []
    for name, m in plan.measures.items():  # a measure only uses measures above it
        built_on = (
            [m.attainment]
            if isinstance(m, models.AttainmentMeasure)
            else list(m.ratio)
            if isinstance(m, models.RatioMeasure)
            else []
        )
        if isinstance(m, _DIRECT) or any(ref in found for ref in built_on):
            found.append(name)
    return found


def relationship_components(plan: models.Plan) -> tuple[list[str], list[str]]:
    """Components paid on a relationship measure, and other components such a modifier moves."""
    measures = set(relationship_measures(plan))
    direct = [
        name
        for name, c in plan.components.items()
        if (c.commission if isinstance(c, models.Commission) else c.bonus) in measures
    ]
    moved = {
        target
        for mod in plan.modifiers
        if (mod.by if isinstance(mod, models.Multiplier) else mod.gate) in measures
        for target in mod.apply_to
    }
    return direct, [name for name in plan.components if name in moved and name not in direct]


def relationship_pay(plan: models.Plan, result: Result) -> Fixed:
    """Each row's relationship pay (exact) as an expression over ``result.steps``."""
    measures = set(relationship_measures(plan))
    direct, moved = relationship_components(plan)
    steps = result.steps

    def stored(column: str) -> Fixed:
        return Fixed.stored(steps, column, result.scales[column])

    pay = Fixed.lit(0)
    for name in direct:
        pay = pay + stored(component_column(name))
    for name in moved:
        amount = stored(component_column(name, "base"))
        for i, mod in enumerate(plan.modifiers):
            driver = mod.by if isinstance(mod, models.Multiplier) else mod.gate
            if name in mod.apply_to and driver not in measures:
                amount = amount * stored(f"modifier:{i}")
        limited = capped(plan.components[name], amount, stored("period_target"))
        without = limited.round(plan.decimals, plan.rounding)
        pay = pay + stored(component_column(name)) - without
    return pay


def report_card_bands(plan: models.Plan, inputs: Inputs) -> pl.DataFrame:
    """Every rep of the range: ``report_card_score`` (Int128 at 2 places, null without grades)
    and ``relationship_band``."""
    card = plan.report_card
    points_of = card.grade_points if card else models.GradePoints()
    weights = dict(card.behaviours) if card else {}
    p_scale = max(scale_of(points_of.A), scale_of(points_of.B), scale_of(points_of.D))
    w_scale = max((scale_of(w) for w in weights.values()), default=0)
    point_of = {g: int(getattr(points_of, g).scaleb(p_scale)) for g in ("A", "B", "D")}
    points = Fixed(
        pl.col("grade").replace_strict(point_of, return_dtype=I128),
        p_scale,
        max(map(abs, point_of.values())),
    )
    weight_of = {b: int(w.scaleb(w_scale)) for b, w in weights.items()}
    weight = Fixed(
        pl.col("behaviour").replace_strict(
            weight_of,
            default=10**w_scale,  # no report card in the plan: every behaviour weighs 1
            return_dtype=I128,
        ),
        w_scale,
        max([*weight_of.values(), 10**w_scale]),
    )
    grades = inputs.tables["grades"]
    rows = max(grades.height, 1)  # no rep's sum is larger than a row's bound times the rows
    product = points * weight
    summed_pw = Fixed(product.expr.sum(), product.scale, product.bound * rows)
    summed_w = Fixed(weight.expr.sum(), weight.scale, weight.bound * rows)
    scored = grades.group_by("rep_id").agg(summed_pw.alias("_pw"), summed_w.alias("_w"))
    reps = inputs.rows.select("rep_id").unique().join(scored, on="rep_id", how="left")
    pw = Fixed.stored(reps, "_pw", p_scale + w_scale)
    w = Fixed.stored(reps, "_w", w_scale)
    top = Fixed.lit(points_of.A)
    band = (
        pl.when(pl.col("_w").is_null() | (pl.col("_w") == 0))
        .then(pl.lit(BANDS[3]))
        .when(pw >= w * top * Fixed.lit(A_LEVEL))
        .then(pl.lit(BANDS[0]))
        .when(pw < w * top * Fixed.lit(D_LEVEL))
        .then(pl.lit(BANDS[2]))
        .otherwise(pl.lit(BANDS[1]))
    )
    return reps.select(
        "rep_id",
        pw.div(w, SCORE_DECIMALS).alias("report_card_score"),
        band.alias("relationship_band"),
    ).sort("rep_id")
