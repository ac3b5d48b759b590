"""Pydantic models of the plan language (PLAN.md). Shapes and types only.

Rules that relate one part of a plan to another (measure references, tier order, bonus
shares) live in :mod:`compengine.plan.rules`, so each can name its own key path. Numbers are
:class:`~decimal.Decimal` built from the YAML text, never from a binary float.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

MEASURE_KINDS = (
    "sum",
    "count",
    "attainment",
    "ratio",
    "report_card",
    "resolution_rate",
    "recovery_score",
)
COMPONENT_KINDS = ("commission", "bonus")
MODIFIER_KINDS = ("by", "gate")
TAG_PREFIX = "kind:"

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
# Every number of a plan: finite, at most 12 digits before the point (a mistyped cap or rate
# is refused with its key instead of overflowing exact arithmetic) and 20 decimals.
NUMBER_WHOLE_DIGITS, NUMBER_DECIMALS = 12, 20
Number = Annotated[
    Decimal,
    Field(max_digits=NUMBER_DECIMALS + NUMBER_WHOLE_DIGITS, decimal_places=NUMBER_DECIMALS),
]
Where = dict[str, str | list[str]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GradePoints(_Strict):
    """Points of each grade on the Customer Report Card scale (there is no C)."""

    A: Number = Decimal(100)
    B: Number = Decimal(75)
    D: Number = Decimal(0)


class ReportCard(_Strict):
    """The behaviours customers grade, with their weights, and the points per grade."""

    behaviours: dict[Name, Number]
    grade_points: GradePoints = GradePoints()


class _Measure(_Strict):
    default: Number | None = None


class SumMeasure(_Measure):
    """Sum of credited transaction amounts or of event values."""

    sum: Literal["transactions.amount", "events.value"]
    where: Where | None = None


class CountMeasure(_Measure):
    """Number of rows of a dated table."""

    count: Literal["transactions", "events", "feedback", "incidents"]
    where: Where | None = None


class AttainmentMeasure(_Measure):
    """A measure divided by the row's quota."""

    attainment: str


class RatioMeasure(_Measure):
    """One measure divided by another."""

    ratio: tuple[str, str]


class ReportCardMeasure(_Measure):
    """Weighted grade points of the row's Customer Report Card grades."""

    report_card: Literal["grades"]
    where: Where | None = None
    min_ratings: Annotated[int, Field(ge=0, strict=True)] | None = None


class ResolutionRateMeasure(_Measure):
    """Share of feedback items resolved within a deadline."""

    resolution_rate: Literal["feedback"]
    within_days: Annotated[int, Field(ge=0, strict=True)]
    where: Where | None = None


class RecoveryScoreMeasure(_Measure):
    """Mean recovery points of incidents, zero when late or unresolved."""

    recovery_score: Literal["incidents"]
    within_days: Annotated[int, Field(ge=0, strict=True)]
    where: Where | None = None


def _kind(value: Any, kinds: tuple[str, ...]) -> str | None:
    if isinstance(value, dict):
        for kind in kinds:
            if kind in value:
                return TAG_PREFIX + kind
        return None
    # A model instance (re-validation): its class carries the kind as a field.
    for kind in kinds:
        if hasattr(value, kind):
            return TAG_PREFIX + kind
    return None


def _measure_kind(value: Any) -> str | None:
    return _kind(value, MEASURE_KINDS)


def _component_kind(value: Any) -> str | None:
    return _kind(value, COMPONENT_KINDS)


def _modifier_kind(value: Any) -> str | None:
    return _kind(value, MODIFIER_KINDS)


Measure = Annotated[
    Annotated[SumMeasure, Tag(TAG_PREFIX + "sum")]
    | Annotated[CountMeasure, Tag(TAG_PREFIX + "count")]
    | Annotated[AttainmentMeasure, Tag(TAG_PREFIX + "attainment")]
    | Annotated[RatioMeasure, Tag(TAG_PREFIX + "ratio")]
    | Annotated[ReportCardMeasure, Tag(TAG_PREFIX + "report_card")]
    | Annotated[ResolutionRateMeasure, Tag(TAG_PREFIX + "resolution_rate")]
    | Annotated[RecoveryScoreMeasure, Tag(TAG_PREFIX + "recovery_score")],
    Discriminator(
        _measure_kind,
        custom_error_type="measure_kind",
        custom_error_message="a measure needs exactly one kind: " + ", ".join(MEASURE_KINDS),
    ),
]


class Tier(_Strict):
    """A band of attainment starting at ``from`` (a fraction of quota)."""

    start: Number = Field(alias="from")
    rate: Number


class _Capped(_Strict):
    cap_amount: Number | None = None
    cap_target_multiple: Number | None = None


class Commission(_Capped):
    """Money measure times a flat rate or a tier table."""

    commission: str
    rate: Number | None = None
    tiers: list[Tier] | None = None
    mode: Literal["marginal", "retroactive"] = "marginal"


class Bonus(_Capped):
    """Share of the period target paid on a curve of a measure."""

    bonus: str
    target_share: Number
    curve: list[tuple[Number, Number]] = Field(min_length=1)


Component = Annotated[
    Annotated[Commission, Tag(TAG_PREFIX + "commission")]
    | Annotated[Bonus, Tag(TAG_PREFIX + "bonus")],
    Discriminator(
        _component_kind,
        custom_error_type="component_kind",
        custom_error_message="a component needs exactly one kind: commission or bonus",
    ),
]


class Multiplier(_Strict):
    """Factor from a band table of a measure."""

    apply_to: list[str] = Field(min_length=1)
    by: str
    bands: list[tuple[Number, Number]] = Field(min_length=1)


class Gate(_Strict):
    """Factor applied when a measure is below a threshold."""

    apply_to: list[str] = Field(min_length=1)
    gate: str
    below: Number
    factor: Number = Decimal(0)


Modifier = Annotated[
    Annotated[Multiplier, Tag(TAG_PREFIX + "by")] | Annotated[Gate, Tag(TAG_PREFIX + "gate")],
    Discriminator(
        _modifier_kind,
        custom_error_type="modifier_kind",
        custom_error_message="a modifier is a multiplier (by, bands) or a gate (gate, below)",
    ),
]


MOST_VERSION = 2**31 - 1


class Plan(_Strict):
    """A whole plan file."""

    plan: Annotated[str, Field(pattern=r"^[a-z0-9_-]+$")]
    # at most the run store's integer (PostgreSQL's INTEGER: 2**31 - 1)
    version: Annotated[int, Field(ge=1, le=MOST_VERSION, strict=True)]
    title: str | None = None
    period: Literal["month", "quarter"]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    rounding: Literal["half_even", "half_up"] = "half_even"
    decimals: Annotated[int, Field(ge=0, le=6, strict=True)] = 2
    allow_overlay_credit: Annotated[bool, Field(strict=True)] = False
    report_card: ReportCard | None = None
    measures: dict[Name, Measure] = Field(min_length=1)
    components: dict[Name, Component] = Field(min_length=1)
    modifiers: list[Modifier] = []

    def tables_read(self) -> set[str]:
        """The input tables the plan pays from: reps and adjustments always, quotas when it
        uses them, and the table each measure reads."""
        tables = {"reps", "adjustments", *(["quotas"] if self.uses_quota() else [])}
        for m in self.measures.values():
            if isinstance(m, SumMeasure):
                tables.add(m.sum.split(".")[0])
            elif isinstance(m, CountMeasure):
                tables.add(m.count)
            elif isinstance(m, ReportCardMeasure):
                tables.add(m.report_card)
            elif isinstance(m, ResolutionRateMeasure):
                tables.add(m.resolution_rate)
            elif isinstance(m, RecoveryScoreMeasure):
                tables.add(m.recovery_score)
        return tables

    def uses_quota(self) -> bool:
        """Whether any measure or component needs the quotas table."""
        return any(isinstance(m, AttainmentMeasure) for m in self.measures.values()) or any(
            isinstance(c, Commission) and c.tiers is not None for c in self.components.values()
        )
