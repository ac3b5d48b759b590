"""A slow, row-by-row reference calculation, written from PLAN.md and DATA.md only.

It shares nothing with the engine but the plan models: it reads the data folder's CSV files
with the :mod:`csv` module, keeps every number as an exact :class:`~fractions.Fraction`, and
walks rep by rep, period by period, in plain Python. The differential test compares the
engine against it, so a bug has to be made twice, in two different ways, to go unseen.

The data is assumed valid (DATA.md's error rules are the engine's to check); only a missing
quota raises, because the reference cannot go on without one.

Readings chosen where the spec leaves room:

- The default range runs from the first to the last period that a transaction, grade,
  feedback item, incident, event or adjustment falls in; quotas and hire dates do not count.
- A rep with input rows in a period where they are not employed has a row whose
  ``period_target`` is 0.
- Every measure refers to the values of the measures above it *after* their ``default``
  replaced a null (what ``measures.csv`` shows is what the later steps use).
- ``where`` compares the column's text exactly; an empty cell's text is '' (it matches '').
- ``min_ratings`` counts the row's grades after ``where``.
- ``resolution_rate``: items opened in the period; an unresolved item counts as not resolved
  in time. ``recovery_score``: an incident that is unresolved or resolved later than
  ``within_days`` scores 0; no incidents opened in the period gives null.
- Marginal commission compares the measure with ``from * quota`` exactly (no division is
  made). Retroactive commission picks its band by the attainment ``measure / quota`` rounded
  half-even to 6 places, the value an auditor sees, then pays ``rate * measure``.
- A curve's value is computed exactly and rounded once, half-even to 6 places, wherever it is
  read: between points, and also at and beyond them, where it is the point's ``y`` rounded
  (a ``y`` written with more than 6 places gives the same value at its point as just beside
  it, so the curve stays continuous and every curve value has 6 places).
- In a quarterly plan a quarter's quota is its quarter row, else the sum of the monthly rows
  of its quarter (all that exist). Grades and adjustments named by month count in the
  quarter holding the month.
- Adjustments are summed as given and rounded like a paid amount; the total adds them to
  the rounded components.
"""

from __future__ import annotations

import calendar
import csv
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Any

from compengine.plan.models import (
    AttainmentMeasure,
    Bonus,
    Commission,
    CountMeasure,
    Gate,
    Multiplier,
    Plan,
    RatioMeasure,
    RecoveryScoreMeasure,
    ReportCardMeasure,
    ResolutionRateMeasure,
    SumMeasure,
)

Row = dict[str, str | None]
Value = Fraction | None

DATED = {"transactions": "date", "feedback": "opened", "incidents": "opened", "events": "date"}
TABLES = ("reps", "quotas", "transactions", "grades", "feedback", "incidents", "events",
          "adjustments")  # fmt: skip


@dataclass(frozen=True)
class ReferenceResult:
    """The reference's outputs: header row first, rows as text, like ``csv.reader`` gives."""

    payouts: list[list[str]]
    measures: list[list[str]]


# ---------------------------------------------------------------- numbers and periods


def _frac(text: str | Decimal) -> Fraction:
    return Fraction(Decimal(text))


def _round(value: Fraction, places: int, mode: str) -> Fraction:
    """Round ``value`` to ``places`` decimals, ``half_even`` or ``half_up`` (away from 0)."""
    scaled = value * 10**places
    sign = -1 if scaled < 0 else 1
    # |scaled| = whole + rest / d: the part cut off is more than a half when 2 * rest > d
    d = scaled.denominator
    whole, rest = divmod(abs(scaled.numerator), d)
    if 2 * rest > d or (2 * rest == d and (mode == "half_up" or whole % 2 == 1)):
        whole += 1
    return Fraction(sign * whole, 10**places)


def _round6(value: Fraction) -> Fraction:
    return _round(value, 6, "half_even")


def _decimal(value: Fraction) -> Decimal:
    """The exact decimal of a terminating fraction."""
    with localcontext() as ctx:
        ctx.prec = 200
        result = Decimal(value.numerator) / Decimal(value.denominator)
    if Fraction(result) != value:
        raise ValueError(f"{value} does not terminate")
    return result


def _money_text(value: Fraction, places: int) -> str:
    text = f"{_decimal(value).quantize(Decimal(1).scaleb(-places)):f}"
    return text.lstrip("-") if value == 0 else text


def _parse_date(text: str) -> date:
    return date.fromisoformat(text)


class _Periods:
    """Period indexes of one granularity: months ``y*12+m-1`` or quarters ``y*4+q-1``."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.per_year = 12 if kind == "month" else 4

    def of_date(self, day: date) -> int:
        if self.kind == "month":
            return day.year * 12 + day.month - 1
        return day.year * 4 + (day.month - 1) // 3

    def of_label(self, text: str) -> int:
        """A month ``YYYY-MM`` or quarter ``YYYY-Qn`` as an index of this granularity."""
        year, rest = text.split("-")
        if rest.startswith("Q"):
            if self.kind == "month":
                raise ValueError(f"a quarter {text} in a monthly plan")
            return int(year) * 4 + int(rest[1:]) - 1
        return self.of_date(date(int(year), int(rest), 1))

    def label(self, index: int) -> str:
        year, k = divmod(index, self.per_year)
        return f"{year}-{k + 1:02d}" if self.kind == "month" else f"{year}-Q{k + 1}"

    def bounds(self, index: int) -> tuple[date, date]:
        year, k = divmod(index, self.per_year)
        first_month = k + 1 if self.kind == "month" else 3 * k + 1
        last_month = first_month if self.kind == "month" else first_month + 2
        last_day = calendar.monthrange(year, last_month)[1]
        return date(year, first_month, 1), date(year, last_month, last_day)


# ---------------------------------------------------------------- reading


def _read(folder: Path, table: str) -> list[Row]:
    path = folder / f"{table}.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(f)]


def _text(row: Row, column: str) -> str:
    value = row[column]
    if value is None:
        raise ValueError(f"{column} is empty in {row}")
    return value


# ---------------------------------------------------------------- the calculation


class _Reference:
    def __init__(self, plan: Plan, folder: Path) -> None:
        self.plan = plan
        self.periods = _Periods(plan.period)
        self.data = {table: _read(folder, table) for table in TABLES}
        self.reps = {_text(r, "rep_id"): r for r in self.data["reps"]}
        # rep -> its quota rows, so that a row's quota reads a handful of rows, not them all
        self.quotas: dict[str | None, list[Row]] = defaultdict(list)
        for r in self.data["quotas"]:
            self.quotas[r["rep_id"]].append(r)
        # (table, rep, period) -> rows of dated tables, grades and adjustments
        self.by_row: dict[tuple[str, str, int], list[Row]] = defaultdict(list)
        for table, column in DATED.items():
            for r in self.data[table]:
                period = self.periods.of_date(_parse_date(_text(r, column)))
                self.by_row[table, _text(r, "rep_id"), period].append(r)
        for table in ("grades", "adjustments"):
            for r in self.data[table]:
                period = self.periods.of_label(_text(r, "period"))
                self.by_row[table, _text(r, "rep_id"), period].append(r)

    # -- rows and targets

    def range(self, period_from: str | None, period_to: str | None) -> list[int]:
        seen = sorted({period for (_, _, period) in self.by_row})
        if not seen and not (period_from and period_to):
            raise ValueError("no dated rows and no --from/--to: the range is empty")
        first = self.periods.of_label(period_from) if period_from else seen[0]
        last = self.periods.of_label(period_to) if period_to else seen[-1]
        return list(range(first, last + 1))

    def employed_days(self, rep: Row, period: int) -> int:
        start, end = self.periods.bounds(period)
        hire = _parse_date(_text(rep, "hire_date"))
        term = rep["termination_date"]
        last = min(end, _parse_date(term)) if term is not None else end
        first = max(start, hire)
        return max(0, (last - first).days + 1)

    def rows(self, periods: list[int]) -> list[tuple[str, int]]:
        keep = set(periods)
        found = {(rep, p) for (_, rep, p) in self.by_row if p in keep}
        for rep_id, rep in self.reps.items():
            found.update((rep_id, p) for p in periods if self.employed_days(rep, p) > 0)
        return sorted(found)

    def period_target(self, rep_id: str, period: int) -> Fraction:
        rep = self.reps[rep_id]
        start, end = self.periods.bounds(period)
        days_in_period = (end - start).days + 1
        exact = (
            _frac(_text(rep, "target_incentive"))
            * self.employed_days(rep, period)
            / (self.periods.per_year * days_in_period)
        )
        return _round(exact, self.plan.decimals, self.plan.rounding)

    def quota(self, rep_id: str, period: int) -> Fraction:
        own: list[Fraction] = []
        monthly: list[Fraction] = []
        for r in self.quotas.get(rep_id, []):
            label = _text(r, "period")
            if self.periods.of_label(label) != period:
                continue
            (own if self.plan.period == "month" or "Q" in label else monthly).append(
                _frac(_text(r, "quota"))
            )
        values = own or monthly
        if not values:
            raise ValueError(f"no quota for {rep_id} {self.periods.label(period)}")
        return sum(values, Fraction(0))

    # -- measures

    def _where(self, rows: Iterable[Row], where: dict[str, str | list[str]] | None) -> list[Row]:
        kept = list(rows)
        for column, wanted in (where or {}).items():
            allowed = {wanted} if isinstance(wanted, str) else set(wanted)
            kept = [r for r in kept if (r.get(column) or "") in allowed]
        return kept

    def _points(self, grade: str) -> Fraction:
        card = self.plan.report_card
        points = card.grade_points if card is not None else None
        scale = {"A": Decimal(100), "B": Decimal(75), "D": Decimal(0)}
        if points is not None:
            scale = {"A": points.A, "B": points.B, "D": points.D}
        return Fraction(scale[grade])

    def measures(self, rep_id: str, period: int) -> dict[str, Value]:
        values: dict[str, Value] = {}
        for name, m in self.plan.measures.items():
            value = self._measure(m, rep_id, period, values)
            if value is None and m.default is not None:
                value = Fraction(m.default)
            values[name] = value
        return values

    def _measure(self, m: Any, rep_id: str, period: int, above: dict[str, Value]) -> Value:
        def rows(table: str) -> list[Row]:
            return self._where(self.by_row.get((table, rep_id, period), []), m.where)

        if isinstance(m, SumMeasure):
            if m.sum == "transactions.amount":
                return sum(
                    (_frac(_text(r, "amount")) * _frac(r["split"] or "1")
                     for r in rows("transactions")),
                    Fraction(0),
                )  # fmt: skip
            return sum((_frac(r["value"] or "1") for r in rows("events")), Fraction(0))
        if isinstance(m, CountMeasure):
            return Fraction(len(rows(m.count)))
        if isinstance(m, AttainmentMeasure):
            value = above[m.attainment]
            return None if value is None else _round6(value / self.quota(rep_id, period))
        if isinstance(m, RatioMeasure):
            a, b = above[m.ratio[0]], above[m.ratio[1]]
            return None if a is None or b is None or b == 0 else _round6(a / b)
        if isinstance(m, ReportCardMeasure):
            grades = rows("grades")
            if not grades or (m.min_ratings is not None and len(grades) < m.min_ratings):
                return None
            assert self.plan.report_card is not None
            weights = self.plan.report_card.behaviours
            total = sum(
                (self._points(_text(g, "grade")) * Fraction(weights[_text(g, "behaviour")])
                 for g in grades),
                Fraction(0),
            )  # fmt: skip
            weight = sum((Fraction(weights[_text(g, "behaviour")]) for g in grades), Fraction(0))
            return _round6(total / weight)
        if isinstance(m, ResolutionRateMeasure):
            items = rows("feedback")
            if not items:
                return None
            in_time = sum(1 for r in items if self._in_time(r, m.within_days))
            return _round6(Fraction(in_time, len(items)))
        if isinstance(m, RecoveryScoreMeasure):
            incidents = rows("incidents")
            if not incidents:
                return None
            scores = [
                self._points(_text(r, "recovery_grade"))
                if self._in_time(r, m.within_days)
                else Fraction(0)
                for r in incidents
            ]
            return _round6(sum(scores, Fraction(0)) / len(scores))
        raise AssertionError(f"unknown measure {m!r}")

    @staticmethod
    def _in_time(row: Row, within_days: int) -> bool:
        resolved = row["resolved"]
        if resolved is None:
            return False
        return (_parse_date(resolved) - _parse_date(_text(row, "opened"))).days <= within_days

    # -- components

    def commission(self, c: Commission, value: Value, rep_id: str, period: int) -> Fraction:
        if value is None:
            return Fraction(0)
        if c.rate is not None:
            return value * Fraction(c.rate)
        assert c.tiers is not None
        quota = self.quota(rep_id, period)
        starts = [Fraction(t.start) for t in c.tiers]
        rates = [Fraction(t.rate) for t in c.tiers]
        if c.mode == "retroactive":
            attainment = _round6(value / quota)
            band = max(i for i, s in enumerate(starts) if i == 0 or attainment >= s)
            return rates[band] * value
        total = Fraction(0)
        for i, rate in enumerate(rates):
            upper = starts[i + 1] * quota if i + 1 < len(starts) else None
            top = value if upper is None else min(value, upper)
            if i == 0:
                total += rate * top
            else:
                total += rate * max(Fraction(0), top - starts[i] * quota)
        return total

    @staticmethod
    def curve(points: list[tuple[Decimal, Decimal]], value: Fraction) -> Fraction:
        xs = [Fraction(x) for x, _ in points]
        ys = [Fraction(y) for _, y in points]
        if value < xs[0]:
            return _round6(ys[0])
        j = max(i for i, x in enumerate(xs) if x <= value)
        if xs[j] == value or j == len(xs) - 1:
            return _round6(ys[j])
        x0, x1, y0, y1 = xs[j], xs[j + 1], ys[j], ys[j + 1]
        return _round6(y0 + (y1 - y0) * (value - x0) / (x1 - x0))

    @staticmethod
    def factor(modifier: Multiplier | Gate, value: Value) -> Fraction:
        if value is None:
            return Fraction(1)
        if isinstance(modifier, Multiplier):
            factor = Fraction(modifier.bands[0][1])
            for lower, band_factor in modifier.bands:
                if Fraction(lower) <= value:
                    factor = Fraction(band_factor)
            return factor
        return Fraction(modifier.factor) if value < Fraction(modifier.below) else Fraction(1)

    def payouts(
        self, rep_id: str, period: int, target: Fraction, values: dict[str, Value]
    ) -> tuple[list[Fraction], Fraction]:
        plan = self.plan
        amounts: dict[str, Fraction] = {}
        for name, c in plan.components.items():
            if isinstance(c, Commission):
                amounts[name] = self.commission(c, values[c.commission], rep_id, period)
            else:
                assert isinstance(c, Bonus)
                value = values[c.bonus]
                share = Fraction(c.target_share)
                amounts[name] = (
                    Fraction(0) if value is None else target * share * self.curve(c.curve, value)
                )
        for modifier in plan.modifiers:
            measure = modifier.by if isinstance(modifier, Multiplier) else modifier.gate
            factor = self.factor(modifier, values[measure])
            for name in modifier.apply_to:
                amounts[name] *= factor
        rounded: list[Fraction] = []
        for name, c in plan.components.items():
            amount = amounts[name]
            caps = []
            if c.cap_amount is not None:
                caps.append(Fraction(c.cap_amount))
            if c.cap_target_multiple is not None:
                caps.append(Fraction(c.cap_target_multiple) * target)
            if amount > 0 and caps:
                amount = min(amount, *caps)
            rounded.append(_round(amount, plan.decimals, plan.rounding))
        adjustments = sum(
            (
                _frac(_text(r, "amount"))
                for r in self.by_row.get(("adjustments", rep_id, period), [])
            ),
            Fraction(0),
        )
        return rounded, _round(adjustments, plan.decimals, plan.rounding)


def run_reference(
    plan: Plan, folder: Path, period_from: str | None = None, period_to: str | None = None
) -> ReferenceResult:
    """Calculate every row of a data folder the slow way.

    Args:
        plan: The validated plan model.
        folder: A data folder of CSV files named after the tables.
        period_from: First period label; default the first period the data falls in.
        period_to: Last period label; default the last period the data falls in.

    Returns:
        ``payouts.csv`` and ``measures.csv`` as lists of text rows, header first. Measure
        values are exact decimals (compare them as numbers); nulls are empty.
    """
    ref = _Reference(plan, folder)
    decimals = plan.decimals
    money: Callable[[Fraction], str] = lambda v: _money_text(v, decimals)  # noqa: E731
    payouts = [["rep_id", "period", *plan.components, "adjustments", "total"]]
    measures = [["rep_id", "period", "period_target", *plan.measures]]
    for rep_id, period in ref.rows(ref.range(period_from, period_to)):
        label = ref.periods.label(period)
        target = ref.period_target(rep_id, period)
        values = ref.measures(rep_id, period)
        components, adjustments = ref.payouts(rep_id, period, target, values)
        total = sum(components, Fraction(0)) + adjustments
        payouts.append([rep_id, label, *map(money, components), money(adjustments), money(total)])
        measures.append(
            [rep_id, label, money(target)]
            + ["" if v is None else f"{_decimal(v):f}" for v in values.values()]
        )
    return ReferenceResult(payouts=payouts, measures=measures)
