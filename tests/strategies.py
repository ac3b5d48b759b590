"""Hypothesis strategies for random valid plans and data folders.

A plan is drawn as a dict and written as flow-style YAML text (JSON syntax, numbers as their
decimal text), so it goes through :func:`compengine.plan.load.parse_plan` like a user's file.
A data folder is drawn for one plan (its granularity, report card and decimals) as tables of
text rows and written as CSV. Values lean towards the places where arithmetic goes wrong:
half-cent ties after a 0.5 split or a 0.5 rate, boundaries of tiers, curves and bands, steps
in curves, negative amounts, hires and terminations in the middle of a period.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from compengine import generate
from compengine.plan.load import parse_plan
from compengine.plan.models import Plan

BEHAVIOURS = (*generate.BEHAVIOURS, "acts_like_a_partner")
ACCOUNTS = ("A1", "A2", "A3")
EVENT_KINDS = ("referral", "testimonial", "joint_strategy", "social_event")
DEAL_TYPES = ("new", "existing")
SOURCES = ("customer", "prospect")

COLUMNS = {
    "reps": ["rep_id", "name", "manager_id", "hire_date", "termination_date", "target_incentive"],
    "quotas": ["rep_id", "period", "quota"],
    "transactions": ["txn_id", "rep_id", "account_id", "date", "amount", "deal_type", "split"],
    "grades": ["rep_id", "account_id", "period", "behaviour", "grade", "comment"],
    "feedback": ["feedback_id", "rep_id", "account_id", "source", "opened", "resolved"],
    "incidents": ["incident_id", "rep_id", "account_id", "opened", "resolved", "recovery_grade"],
    "events": ["event_id", "rep_id", "account_id", "date", "kind", "value"],
    "adjustments": ["rep_id", "period", "amount", "reason"],
}

# Typical values of each family of measure, so curves, bands and gates land near real values.
SCALES = {
    "money": ("-500", "0", "100", "1000", "2500", "5000", "7777.7", "10000", "20000"),
    "ratio": ("0", "0.25", "0.5", "0.7", "0.8", "1", "1.2", "1.5", "2"),
    "points": ("0", "25", "33", "40", "50", "75", "90", "100"),
    "count": ("0", "1", "2", "3", "5", "7"),
}


def yaml_text(value: Any) -> str:
    """Flow-style YAML of dicts, lists, text and Decimals, numbers kept as written."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {yaml_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(yaml_text(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


# ---------------------------------------------------------------- plans


def _decimal(choices: tuple[str, ...]) -> st.SearchStrategy[Decimal]:
    return st.sampled_from(choices).map(Decimal)


@st.composite
def _measures(draw: st.DrawFn, card: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """Ordered measures and the family (scale) of each."""
    measures: dict[str, Any] = {"revenue": {"sum": "transactions.amount"}}
    family = {"revenue": "money"}
    for i in range(draw(st.integers(0, 6))):
        name = f"m{i}"
        above = list(measures)
        kinds = ["sum_txn", "sum_events", "count", "attainment", "ratio", "rate", "recovery"]
        kinds += ["report_card"] if card else []
        kind = draw(st.sampled_from(kinds))
        m: dict[str, Any]
        if kind == "sum_txn":
            where = draw(
                st.sampled_from([{"deal_type": "existing"}, {"deal_type": ["new", "existing"]},
                                 {"account_id": ["A1", "A2"]}, {"deal_type": "new"},
                                 {"deal_type": ""}, {"deal_type": ["new", ""]}])
            )  # fmt: skip
            m, family[name] = {"sum": "transactions.amount", "where": where}, "money"
        elif kind == "sum_events":
            m, family[name] = {"sum": "events.value"}, "count"
            if draw(st.booleans()):
                m["where"] = {
                    "kind": draw(st.sampled_from(["referral", ["referral", "testimonial"]]))
                }
        elif kind == "count":
            table = draw(st.sampled_from(["transactions", "events", "feedback", "incidents"]))
            m, family[name] = {"count": table}, "count"
            if draw(st.booleans()):
                column = {"transactions": "deal_type", "events": "kind", "feedback": "source",
                          "incidents": "account_id"}[table]  # fmt: skip
                pool = {"transactions": DEAL_TYPES, "events": EVENT_KINDS, "feedback": SOURCES,
                        "incidents": ACCOUNTS}[table]  # fmt: skip
                m["where"] = {column: draw(st.sampled_from(pool))}
        elif kind == "attainment":
            m, family[name] = {"attainment": draw(st.sampled_from(above))}, "ratio"
        elif kind == "ratio":
            m = {"ratio": [draw(st.sampled_from(above)), draw(st.sampled_from(above))]}
            family[name] = "ratio"
        elif kind == "rate":
            m, family[name] = {"resolution_rate": "feedback"}, "ratio"
            m["within_days"] = draw(st.integers(0, 12))
            if draw(st.booleans()):
                m["where"] = {"source": draw(st.sampled_from(("", *SOURCES)))}
        elif kind == "recovery":
            m, family[name] = {"recovery_score": "incidents"}, "points"
            m["within_days"] = draw(st.integers(0, 8))
            if draw(st.booleans()):
                m["where"] = {"account_id": draw(st.sampled_from([["A1", "A2"], "A3"]))}
        else:
            m, family[name] = {"report_card": "grades"}, "points"
            if draw(st.booleans()):
                m["min_ratings"] = draw(st.integers(0, 4))
            if draw(st.integers(0, 3)) == 0:
                column = draw(st.sampled_from(["account_id", "behaviour", "grade"]))
                values = {"account_id": ["A1", ["A1", "A2"]], "grade": ["A", ["B", "D"]],
                          "behaviour": [list(BEHAVIOURS[:3]), BEHAVIOURS[0]]}[column]  # fmt: skip
                m["where"] = {column: draw(st.sampled_from(values))}
        if draw(st.integers(0, 2)) == 0:
            m["default"] = draw(_decimal(SCALES[family[name]]))
        measures[name] = m
    return measures, family


@st.composite
def _curve(draw: st.DrawFn, scale: str) -> list[list[Decimal]]:
    xs = sorted(draw(st.lists(_decimal(SCALES[scale]), min_size=1, max_size=4)))
    if draw(st.booleans()):  # a step: the same x twice
        i = draw(st.integers(0, len(xs) - 1))
        xs.insert(i, xs[i])
    ys = draw(
        st.lists(_decimal(("0", "0.5", "1", "1.2", "1.5", "2", "0.333", "0.75", "0.33333333")),
                 min_size=len(xs), max_size=len(xs))
    )  # fmt: skip
    return [[x, y] for x, y in zip(xs, ys, strict=True)]


@st.composite
def _caps(draw: st.DrawFn, component: dict[str, Any]) -> dict[str, Any]:
    if draw(st.booleans()):
        component["cap_amount"] = draw(_decimal(("0", "50", "250.5", "1000", "3000")))
    if draw(st.booleans()):
        component["cap_target_multiple"] = draw(_decimal(("0", "0.5", "1", "1.1", "3")))
    return component


@st.composite
def _components(draw: st.DrawFn, family: dict[str, str]) -> dict[str, Any]:
    money = [name for name, f in family.items() if f == "money"]
    components: dict[str, Any] = {}
    share_left = Decimal(1)
    rates = ("0", "0.01", "0.03", "0.05", "0.08", "0.5", "1", "0.125")
    for i in range(draw(st.integers(1, 4))):
        c: dict[str, Any]
        if draw(st.booleans()) or share_left <= 0:
            c = {"commission": draw(st.sampled_from(money))}
            if draw(st.booleans()):
                c["rate"] = draw(_decimal(rates))
            else:
                starts = sorted(set(draw(st.lists(
                    _decimal(("0.25", "0.5", "0.8", "1", "1.5", "2")), max_size=3))))  # fmt: skip
                c["tiers"] = [
                    {"from": start, "rate": draw(_decimal(rates))}
                    for start in [Decimal(0), *starts]
                ]
                c["mode"] = draw(st.sampled_from(["marginal", "retroactive"]))
        else:
            measure = draw(st.sampled_from(list(family)))
            share = min(share_left, draw(_decimal(("0.1", "0.2", "0.25", "0.55", "1"))))
            share_left -= share
            c = {"bonus": measure, "target_share": share, "curve": draw(_curve(family[measure]))}
        components[f"c{i}"] = draw(_caps(c))
    return components


@st.composite
def _modifiers(
    draw: st.DrawFn, family: dict[str, str], components: list[str]
) -> list[dict[str, Any]]:
    modifiers: list[dict[str, Any]] = []
    factors = ("0", "0.5", "0.8", "0.9", "1", "1.15", "1.5")
    for _ in range(draw(st.integers(0, 3))):
        measure = draw(st.sampled_from(list(family)))
        scale = SCALES[family[measure]]
        apply_to = draw(st.lists(st.sampled_from(components), min_size=1, max_size=2, unique=True))
        if draw(st.booleans()):
            lowers = sorted(draw(st.lists(_decimal(scale), min_size=1, max_size=4)))
            bands = [[lower, draw(_decimal(factors))] for lower in lowers]
            modifiers.append({"apply_to": apply_to, "by": measure, "bands": bands})
        else:
            gate: dict[str, Any] = {
                "apply_to": apply_to, "gate": measure, "below": draw(_decimal(scale)),
            }  # fmt: skip
            if draw(st.booleans()):
                gate["factor"] = draw(_decimal(factors))
            modifiers.append(gate)
    return modifiers


@st.composite
def plan_texts(draw: st.DrawFn) -> str:
    """YAML text of a random valid plan (every measure kind, component mode and modifier)."""
    plan: dict[str, Any] = {
        "plan": "generated",
        "version": 1,
        "period": draw(st.sampled_from(["month", "quarter"])),
        "currency": "USD",
        "rounding": draw(st.sampled_from(["half_even", "half_up"])),
        "decimals": draw(st.integers(0, 3)),
    }
    if draw(st.integers(0, 3)) == 0:
        plan["allow_overlay_credit"] = True
    card = draw(st.booleans())
    if card:
        names = draw(st.lists(st.sampled_from(BEHAVIOURS), min_size=1, max_size=6, unique=True))
        plan["report_card"] = {
            "behaviours": {n: draw(_decimal(("1", "2", "3", "0.5", "1.5"))) for n in names}
        }
        if draw(st.booleans()):
            points = {
                "A": draw(_decimal(("100", "10", "4"))),
                "B": draw(_decimal(("75", "7.5", "3", "2.5"))),
                "D": draw(_decimal(("0", "1"))),
            }
            keep = draw(st.lists(st.sampled_from("ABD"), min_size=1, unique=True))
            plan["report_card"]["grade_points"] = {k: v for k, v in points.items() if k in keep}
    measures, family = draw(_measures(card))
    plan["measures"] = measures
    plan["components"] = draw(_components(family))
    plan["modifiers"] = draw(_modifiers(family, list(plan["components"])))
    return yaml_text(plan)


def parse(text: str) -> Plan:
    """The plan model of generated plan text."""
    return parse_plan(text, Path("generated.yaml")).plan


# ---------------------------------------------------------------- data


@dataclass
class DataCase:
    """A data folder as text rows per table, and an optional narrower --from/--to window."""

    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    window: tuple[str, str] | None = None

    def write(self, folder: Path) -> Path:
        """Write every table as ``<table>.csv`` into ``folder``; return the folder."""
        folder.mkdir(parents=True, exist_ok=True)
        for table, rows in self.tables.items():
            with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as f:
                writer = csv.DictWriter(f, fieldnames=COLUMNS[table], lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
        return folder


def _month_label(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def _shift(month: tuple[int, int], by: int) -> tuple[int, int]:
    year, index = divmod(month[0] * 12 + month[1] - 1 + by, 12)
    return year, index + 1


def _months(start: tuple[int, int], count: int) -> list[tuple[int, int]]:
    year, month = start
    out = []
    for _ in range(count):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _money(draw: st.DrawFn, places: int, negative: bool = True) -> str:
    """Amounts with up to ``places`` decimals, often on a half-cent tie once halved."""
    cents = draw(st.integers(-50000 if negative else 0, 1500000))
    value = Decimal(cents).scaleb(-2)
    if places >= 3 and draw(st.booleans()):
        value += Decimal("0.005")  # x.xx5: a tie at 2 places, and again after a 0.5 split
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}" if places < 2 else f"{value:f}"


SPLITS = (
    ("1",), ("",), ("0.5", "0.5"), ("0.25", "0.75"), ("0.6", "0.4"),
    ("0.3333", "0.3333", "0.3334"), ("0.1", "0.2", "0.7"),
)  # fmt: skip
OVERLAY_SPLITS = (("1", "0.5"), ("0.5",), ("0.3333", "0.3333"))


@st.composite
def data_cases(draw: st.DrawFn, plan: Plan) -> DataCase:
    """A random valid data folder for ``plan``, with quotas for every rep and period."""
    quarterly = plan.period == "quarter"
    if quarterly:
        start = draw(st.sampled_from([(2026, 10), (2027, 1), (2027, 4), (2028, 1)]))
        months = _months(start, 3 * draw(st.integers(1, 2)))
    else:
        start = draw(st.sampled_from([(2026, 11), (2027, 1), (2027, 2), (2028, 2)]))
        months = _months(start, draw(st.integers(1, 4)))
    # One period either side of the data, for quotas and a --from/--to wider than the data.
    step = 3 if quarterly else 1
    span = _months(_shift(start, -step), len(months) + 2 * step)
    first = date(*months[0], 1)
    end_year, end_month = _months(months[-1], 2)[1]
    last = date(end_year, end_month, 1) - timedelta(days=1)
    days = (last - first).days

    def day() -> date:
        return first + timedelta(days=draw(st.integers(0, days)))

    case = DataCase()
    reps = []
    for i in range(draw(st.integers(1, 4))):
        hire = draw(st.sampled_from([date(2024, 5, 17), day(), last + timedelta(days=9)]))
        term = ""
        if draw(st.integers(0, 2)) == 0:
            term = (hire + timedelta(days=draw(st.integers(0, 80)))).isoformat()
        target = draw(st.sampled_from(["36000.50", "41999.99", "1200.06", "400.02", "0", "4800.3"]))
        reps.append({"rep_id": f"R{i}", "name": f"Rep {i}", "manager_id": "",
                     "hire_date": hire.isoformat(), "termination_date": term,
                     "target_incentive": target})  # fmt: skip
    case.tables["reps"] = reps
    rep_ids = [r["rep_id"] for r in reps]
    pick = st.sampled_from(rep_ids)

    txns = []
    for t in range(draw(st.integers(1, 10))):
        pool = SPLITS + (OVERLAY_SPLITS if plan.allow_overlay_credit else ())
        splits = draw(st.sampled_from([s for s in pool if len(s) <= len(rep_ids)]))
        owners = draw(st.lists(pick, min_size=len(splits), max_size=len(splits), unique=True))
        when, amount = day().isoformat(), _money(draw, draw(st.integers(0, 3)))
        account, deal = draw(st.sampled_from(ACCOUNTS)), draw(st.sampled_from(("", *DEAL_TYPES)))
        txns += [{"txn_id": f"T{t}", "rep_id": rep, "account_id": account, "date": when,
                  "amount": amount, "deal_type": deal, "split": split}
                 for rep, split in zip(owners, splits, strict=True)]  # fmt: skip
    case.tables["transactions"] = txns

    grades: dict[tuple[str, str, str, str], dict[str, str]] = {}
    if plan.report_card is not None:
        behaviours = list(plan.report_card.behaviours)
        for _ in range(draw(st.integers(0, 12))):
            month = _month_label(*draw(st.sampled_from(months)))
            key = (draw(pick), draw(st.sampled_from(ACCOUNTS)), month,
                   draw(st.sampled_from(behaviours)))  # fmt: skip
            grades[key] = {"rep_id": key[0], "account_id": key[1], "period": key[2],
                           "behaviour": key[3], "grade": draw(st.sampled_from("ABD")),
                           "comment": draw(st.sampled_from(("", "prompt, as always")))}  # fmt: skip
    case.tables["grades"] = list(grades.values())

    feedback = []
    for f in range(draw(st.integers(0, 6))):
        opened = day()
        resolved = "" if draw(st.integers(0, 3)) == 0 else (
            opened + timedelta(days=draw(st.integers(0, 15)))).isoformat()  # fmt: skip
        feedback.append({"feedback_id": f"F{f}", "rep_id": draw(pick),
                         "account_id": draw(st.sampled_from(("", *ACCOUNTS))),
                         "source": draw(st.sampled_from(("", *SOURCES))),
                         "opened": opened.isoformat(), "resolved": resolved})  # fmt: skip
    case.tables["feedback"] = feedback

    incidents = []
    for n in range(draw(st.integers(0, 5))):
        opened = day()
        resolved = "" if draw(st.integers(0, 3)) == 0 else (
            opened + timedelta(days=draw(st.integers(0, 10)))).isoformat()  # fmt: skip
        grade = draw(st.sampled_from("ABD")) if resolved or draw(st.booleans()) else ""
        incidents.append({"incident_id": f"I{n}", "rep_id": draw(pick),
                          "account_id": draw(st.sampled_from(("", *ACCOUNTS))),
                          "opened": opened.isoformat(), "resolved": resolved,
                          "recovery_grade": grade})  # fmt: skip
    case.tables["incidents"] = incidents

    case.tables["events"] = [
        {"event_id": f"E{e}", "rep_id": draw(pick), "account_id": "", "date": day().isoformat(),
         "kind": draw(st.sampled_from(EVENT_KINDS)),
         "value": draw(st.sampled_from(("", "1", "0.5", "2", "1.25", "-1")))}
        for e in range(draw(st.integers(0, 5)))
    ]  # fmt: skip

    quarters = sorted({f"{y}-Q{(m - 1) // 3 + 1}" for y, m in months})
    span_quarters = sorted({f"{y}-Q{(m - 1) // 3 + 1}" for y, m in span})
    adjustment_periods = [_month_label(*m) for m in months] + (quarters if quarterly else [])
    places = min(plan.decimals, 2)
    case.tables["adjustments"] = [
        {"rep_id": draw(pick), "period": draw(st.sampled_from(adjustment_periods)),
         "amount": _money(draw, places), "reason": "correction"}
        for _ in range(draw(st.integers(0, 3)))
    ]  # fmt: skip

    quota_values = ("10000", "20000", "7500.50", "3000", "1")
    quotas = []
    for rep in rep_ids:
        for q in span_quarters if quarterly else []:
            year, k = int(q[:4]), int(q[-1])
            if draw(st.booleans()):
                quotas.append(
                    {"rep_id": rep, "period": q, "quota": draw(st.sampled_from(quota_values))}
                )
            else:
                quotas += [{"rep_id": rep, "period": _month_label(year, 3 * k - 2 + j),
                            "quota": draw(st.sampled_from(quota_values))}
                           for j in range(3)]  # fmt: skip
        if not quarterly:
            quotas += [{"rep_id": rep, "period": _month_label(*m),
                        "quota": draw(st.sampled_from(quota_values))} for m in span]  # fmt: skip
    case.tables["quotas"] = quotas

    periods = span_quarters if quarterly else [_month_label(*m) for m in span]
    if draw(st.integers(0, 3)) == 0:
        lo = draw(st.integers(0, len(periods) - 1))
        hi = draw(st.integers(lo, len(periods) - 1))
        case.window = (periods[lo], periods[hi])
    return case


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, Plan, DataCase]:
    """A random plan's text, its model and a data folder for it."""
    text = draw(plan_texts())
    plan = parse(text)
    return text, plan, draw(data_cases(plan))
