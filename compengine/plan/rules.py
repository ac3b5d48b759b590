"""Rules that relate one part of a plan to another; each problem names its key path."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from compengine.data.schema import TABLES
from compengine.plan.models import (
    MEASURE_KINDS,
    AttainmentMeasure,
    Bonus,
    Commission,
    Gate,
    Measure,
    Multiplier,
    Plan,
    RatioMeasure,
    RecoveryScoreMeasure,
    ReportCardMeasure,
    ResolutionRateMeasure,
    SumMeasure,
)

Problem = tuple[str, str]  # (key path, message with a hint)

RESERVED_MEASURES = {"rep_id", "period", "period_target"}
RESERVED_COMPONENTS = {"rep_id", "period", "adjustments", "total"}
MAX_BEHAVIOURS = 6


def _ordered(values: list[Decimal], strict: bool) -> int | None:
    """Index of the first value that breaks the order, or None."""
    for i in range(1, len(values)):
        if values[i] < values[i - 1] or (strict and values[i] == values[i - 1]):
            return i
    return None


@dataclass(frozen=True)
class Listed:
    """What a plan file lists, beside the parts of it that a checked :class:`Plan` holds: a
    measure or component with an error of its own is left out of the plan, but the others
    may still name it, and a report card with an error is still given."""

    measures: tuple[str, ...]  # in the file's order
    components: tuple[str, ...]
    report_card: bool
    modifiers: tuple[int, ...]  # the place in the file of each modifier the plan holds
    shares_left_out: Decimal = Decimal(0)  # target shares of bonuses left out, that parse

    @classmethod
    def of(cls, plan: Plan) -> Listed:
        """What ``plan`` lists, all of it checked."""
        return cls(
            tuple(plan.measures),
            tuple(plan.components),
            plan.report_card is not None,
            tuple(range(len(plan.modifiers))),
        )


def check_plan(plan: Plan, listed: Listed | None = None) -> list[Problem]:
    """Return every cross-reference and ordering problem of a structurally valid plan, or of
    the parts of a plan file ``listed`` that parse."""
    listed = listed or Listed.of(plan)
    return [
        *_report_card(plan),
        *_measures(plan, listed),
        *_components(plan, listed),
        *_modifiers(plan, listed),
    ]


def _report_card(plan: Plan) -> Iterator[Problem]:
    card = plan.report_card
    if card is not None:
        yield from behaviour_problems(len(card.behaviours), card.behaviours)


def behaviour_problems(count: int, weights: dict[str, Decimal]) -> Iterator[Problem]:
    """A report card's rules: ``count`` behaviours, and the ``weights`` that parse."""
    if not 1 <= count <= MAX_BEHAVIOURS:
        yield (
            "report_card.behaviours",
            f"{count} behaviours. Hint: a report card grades 1 to {MAX_BEHAVIOURS} behaviours.",
        )
    for name, weight in weights.items():
        if weight <= 0:
            yield (f"report_card.behaviours.{name}", f"weight {weight}. Hint: use a weight > 0.")


def _measure_ref(
    measures: tuple[str, ...],
    path: str,
    ref: str,
    above: list[str] | None = None,
    own: str | None = None,
) -> Iterator[Problem]:
    """A reference to one of ``measures``: any, or (``above`` given) one defined above
    ``own``."""
    known = list(measures) if above is None else above
    if ref in known:
        return
    listed = ", ".join(known) or "none"
    if ref == own:
        yield path, f"measure '{ref}' uses itself. Hint: use a measure above it ({listed})."
    elif above is not None and ref in measures:
        yield (
            path,
            f"measure '{ref}' is defined below this one. "
            f"Hint: move '{ref}' up; a measure uses only measures above it.",
        )
    else:
        close = difflib.get_close_matches(ref, known, n=1)
        where = "above this one" if above is not None else "in measures"
        hint = f"did you mean '{close[0]}'?" if close else f"use a measure defined {where}"
        yield path, f"unknown measure '{ref}'. Hint: {hint} ({listed})."


def _measures(plan: Plan, listed: Listed) -> Iterator[Problem]:
    above: list[str] = []
    for name in listed.measures:
        measure = plan.measures.get(name)
        if measure is not None:  # None: left out for an error of its own
            yield from _measure(listed, name, measure, above)
        above.append(name)


def _measure(listed: Listed, name: str, m: Measure, above: list[str]) -> Iterator[Problem]:
    path = f"measures.{name}"
    if name in RESERVED_MEASURES:
        yield path, f"'{name}' is a column of measures.csv. Hint: choose another name."
    if isinstance(m, AttainmentMeasure):
        yield from _measure_ref(listed.measures, f"{path}.attainment", m.attainment, above, name)
    elif isinstance(m, RatioMeasure):
        for i, ref in enumerate(m.ratio):
            yield from _measure_ref(listed.measures, f"{path}.ratio[{i}]", ref, above, name)
    elif isinstance(m, ReportCardMeasure) and not listed.report_card:
        yield (
            path,
            "a report_card measure needs a report card. Hint: add report_card.behaviours.",
        )
    where = getattr(m, "where", None)
    if where:
        table = m.sum.split(".")[0] if isinstance(m, SumMeasure) else _table_of(m)
        columns = TABLES[table].column_names
        for column, values in where.items():
            if column not in columns:
                yield (
                    f"{path}.where.{column}",
                    f"{table} has no column '{column}'. Hint: use one of {', '.join(columns)}.",
                )
            if isinstance(values, list) and not values:
                yield f"{path}.where.{column}", "no values. Hint: list at least one value."


def _table_of(measure: object) -> str:
    for attr in ("count", "report_card", "resolution_rate", "recovery_score"):
        if hasattr(measure, attr):
            return str(getattr(measure, attr))
    raise AssertionError(f"no table for {measure!r}")


def _components(plan: Plan, listed: Listed) -> Iterator[Problem]:
    share = listed.shares_left_out
    for name, c in plan.components.items():
        path = f"components.{name}"
        if name in RESERVED_COMPONENTS:
            yield path, f"'{name}' is a column of payouts.csv. Hint: choose another name."
        for cap in ("cap_amount", "cap_target_multiple"):
            value = getattr(c, cap)
            if value is not None and value < 0:
                yield f"{path}.{cap}", f"{value} is negative. Hint: a cap is >= 0."
        if isinstance(c, Commission):
            yield from _measure_ref(listed.measures, f"{path}.commission", c.commission)
            yield from _money(plan, f"{path}.commission", c.commission)
            yield from _commission(path, c)
        else:
            yield from _measure_ref(listed.measures, f"{path}.bonus", c.bonus)
            yield from _bonus(path, c)
            share += c.target_share
    if share > 1:
        yield (
            "components",
            f"bonus target shares add up to {share}. Hint: they may not exceed 1.",
        )


# Measure kinds that are never money: a share of quota, grade points, a share of items.
NOT_MONEY = (AttainmentMeasure, ReportCardMeasure, ResolutionRateMeasure, RecoveryScoreMeasure)


def _money(plan: Plan, path: str, ref: str) -> Iterator[Problem]:
    """A commission is paid on a money measure: a sum, a count (paid per item) or a ratio
    (revenue per deal), never an attainment, a report card or a rate."""
    measure = plan.measures.get(ref)
    if isinstance(measure, NOT_MONEY):
        kind = next(k for k in MEASURE_KINDS if hasattr(measure, k))
        money = [n for n, m in plan.measures.items() if not isinstance(m, NOT_MONEY)]
        yield (
            path,
            f"measure '{ref}' is not money (kind: {kind}). Hint: pay a commission on a sum, "
            f"count or ratio measure ({', '.join(money) or 'none'}); pay on a {kind} with a "
            "bonus curve or a modifier.",
        )


def _commission(path: str, c: Commission) -> Iterator[Problem]:
    if (c.rate is None) == (c.tiers is None):
        yield path, "needs either rate (flat) or tiers. Hint: give exactly one of them."
    if c.tiers is not None:
        if not c.tiers:
            yield f"{path}.tiers", "empty. Hint: list at least {from: 0, rate: r}."
            return
        if c.tiers[0].start != 0:
            yield f"{path}.tiers[0].from", f"{c.tiers[0].start}. Hint: the first tier starts at 0."
        bad = _ordered([t.start for t in c.tiers], strict=True)
        if bad is not None:
            yield (
                f"{path}.tiers[{bad}].from",
                f"{c.tiers[bad].start} is not above {c.tiers[bad - 1].start}. "
                "Hint: tiers start at strictly increasing attainment.",
            )


def _bonus(path: str, c: Bonus) -> Iterator[Problem]:
    if not 0 < c.target_share <= 1:
        yield f"{path}.target_share", f"{c.target_share}. Hint: use 0 < target_share <= 1."
    bad = _ordered([x for x, _ in c.curve], strict=False)
    if bad is not None:
        yield (
            f"{path}.curve[{bad}]",
            f"x {c.curve[bad][0]} is below {c.curve[bad - 1][0]}. Hint: curve x never decreases.",
        )


def _modifiers(plan: Plan, listed: Listed) -> Iterator[Problem]:
    for i, mod in zip(listed.modifiers, plan.modifiers, strict=True):
        path = f"modifiers[{i}]"
        for j, target in enumerate(mod.apply_to):
            if target in mod.apply_to[:j]:
                yield (
                    f"{path}.apply_to[{j}]",
                    f"'{target}' is listed twice. Hint: list each component once; the factor "
                    "applies once to each.",
                )
            elif target not in listed.components:
                close = difflib.get_close_matches(target, list(listed.components), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "use one of"
                yield (
                    f"{path}.apply_to[{j}]",
                    f"unknown component '{target}'. Hint: {hint} ({', '.join(listed.components)}).",
                )
        if isinstance(mod, Multiplier):
            yield from _measure_ref(listed.measures, f"{path}.by", mod.by)
            bad = _ordered([lower for lower, _ in mod.bands], strict=False)
            if bad is not None:
                yield (
                    f"{path}.bands[{bad}]",
                    f"lower {mod.bands[bad][0]} is below {mod.bands[bad - 1][0]}. "
                    "Hint: band lowers never decrease.",
                )
        elif isinstance(mod, Gate):
            yield from _measure_ref(listed.measures, f"{path}.gate", mod.gate)
