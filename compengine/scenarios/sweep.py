"""Run one plan for each value of one key: ``--vary PATH=START:STOP:STEP``.

The values run from START to STOP inclusive in exact decimal steps (``0.1:0.4:0.05`` is 0.10,
0.15, ..., 0.40). Every variant is validated before the data is read, so a value that breaks
the plan (shares above 1) is reported with the others at once; the data is then read and
checked once (:class:`~compengine.scenarios.run.DataFolder`) and each variant reuses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import polars as pl

from compengine.engine.fixed import I128, to_text
from compengine.errors import PlanError, Reason
from compengine.outputs import csv_bytes
from compengine.plan.load import LoadedPlan
from compengine.plan.overrides import apply_overrides, current_value, parse_override
from compengine.scenarios import charts
from compengine.scenarios.compare import component_sums, plan_totals
from compengine.scenarios.run import DataFolder, run_scenario
from compengine.scenarios.write import write_atomically

MAX_POINTS = 201
EXAMPLE = "components.relationship_bonus.target_share=0.1:0.4:0.05"
# The columns of the sweep table and sweep.csv besides one per component.
TABLE_COLUMNS = (
    "value", "total_cost", "adjustments", "relationship_pay", "relationship_share",
    "relationship_share_pct",
)  # fmt: skip


@dataclass(frozen=True)
class Sweep:
    """The plan's cost and relationship share for each value of one key."""

    plan_id: str
    currency: str
    path: str
    values: list[Decimal]
    current: Decimal | None  # the value in the plan as written
    sets: list[str]  # the --set changes every value's plan has besides
    scale: int
    table: pl.DataFrame  # value, total_cost, <components>, adjustments, relationship_pay, ...
    warnings: list[str]  # what the data holds that may not be meant, said once


def parse_vary(spec: str) -> tuple[str, list[Decimal]]:
    """``PATH=START:STOP:STEP`` as the key path and its values.

    Raises:
        PlanError: a malformed spec, a step that is not positive, START above STOP, or more
            than :data:`MAX_POINTS` values.
    """
    path, sep, numbers = spec.partition("=")
    parts = numbers.split(":")
    fix = f"Hint: for example --vary {EXAMPLE}."
    if not sep or len(parts) != 3:
        raise PlanError(f"--vary {spec}: expected PATH=START:STOP:STEP. {fix}", Reason.PLAN_SYNTAX)
    try:
        start, stop, step = (Decimal(p.strip()) for p in parts)
    except InvalidOperation:
        raise PlanError(
            f"--vary {spec}: START, STOP and STEP must be numbers. {fix}", Reason.PLAN_SYNTAX
        ) from None
    if not all(v.is_finite() for v in (start, stop, step)) or step <= 0 or start > stop:
        raise PlanError(
            f"--vary {spec}: needs START <= STOP and STEP > 0. {fix}", Reason.PLAN_SYNTAX
        )
    count = int((stop - start) / step) + 1
    if count > MAX_POINTS:
        raise PlanError(
            f"--vary {spec}: {count} values. Hint: use a larger step (at most {MAX_POINTS}).",
            Reason.PLAN_SYNTAX,
        )
    parse_override(spec, "--vary")  # the path's own syntax errors, before any value
    return path.strip(), [start + i * step for i in range(count)]


def _segments(expr: str) -> tuple[object, ...] | None:
    """The key path of a ``--set`` expression; None for a malformed one (reported, with every
    other, when the expressions are applied)."""
    try:
        return parse_override(expr).segments
    except PlanError:
        return None


def run_sweep(
    loaded: LoadedPlan,
    data: Path,
    vary: str,
    period_from: str | None = None,
    period_to: str | None = None,
    sets: Sequence[str] = (),
) -> Sweep:
    """Calculate ``loaded`` (with ``sets`` applied) once per value of ``vary``.

    Raises:
        PlanError: a bad ``--vary`` or ``--set``, or the values that make the plan invalid.
        InputDataError: the data breaks the contract.
    """
    path, values = parse_vary(vary)
    varied = parse_override(f"{path}=0").segments
    both = [expr for expr in sets if _segments(expr) == varied]
    if both:
        raise PlanError(
            [f"{loaded.path} --set {expr}: --vary sets {path} too. Hint: leave it to --vary."
             for expr in both],
            Reason.PLAN_INVALID,
        )  # fmt: skip
    plan = apply_overrides(loaded, sets)
    # The first value alone: a key the plan does not have is said once, not once per value.
    variants = [apply_overrides(plan, [f"{path}={values[0]}"], "--vary")]
    messages: list[str] = []
    for value in values[1:]:
        try:
            variants.append(apply_overrides(plan, [f"{path}={value}"], "--vary"))
        except PlanError as error:
            messages += error.messages
    if messages:
        raise PlanError(messages, Reason.PLAN_INVALID)
    scale = max(v.plan.decimals for v in variants)
    folder = DataFolder(data, period_from, period_to)
    names = list(dict.fromkeys(n for v in variants for n in v.plan.components))
    taken = sorted(set(names) & set(TABLE_COLUMNS))
    if taken:
        raise PlanError(
            f"{loaded.path}: component {', '.join(taken)} is named like a column of the sweep "
            f"table ({', '.join(TABLE_COLUMNS)}). Hint: rename it for the sweep.",
            Reason.PLAN_INVALID,
        )
    rows: dict[str, list[int | None]] = {
        k: []
        for k in ["total_cost", *names, "adjustments", "relationship_pay", "relationship_share"]
    }
    warnings: dict[str, None] = {}
    for variant in variants:
        scenario = run_scenario("sweep", variant, folder)
        warnings |= dict.fromkeys(scenario.inputs.warnings)
        sums = component_sums(scenario, scale)
        totals = plan_totals(scenario, sums, scale)
        rows["total_cost"].append(sum(sums.values()))
        for name in [*names, "adjustments"]:
            rows[name].append(sums.get(name, 0))
        rows["relationship_pay"].append(int(totals.relationship_pay.scaleb(scale)))
        share = totals.relationship_share
        rows["relationship_share"].append(None if share is None else int(share.scaleb(2)))
    table = pl.DataFrame(
        {"value": [str(v) for v in values], **rows},
        schema={"value": pl.String, **dict.fromkeys(rows, I128)},
    )
    current = current_value(plan.plan, parse_override(f"{path}=0").segments)
    return Sweep(
        plan_id=plan.plan.plan,
        currency=plan.plan.currency,
        path=path,
        values=values,
        current=Decimal(current) if isinstance(current, Decimal | int) else None,
        sets=list(sets),
        scale=scale,
        table=table,
        warnings=list(warnings),
    )


def sweep_csv(sweep: Sweep) -> bytes:
    """The sweep table as CSV: amounts exact, relationship share in percent (2 places)."""
    money = [c for c in sweep.table.columns if c not in ("value", "relationship_share")]
    return csv_bytes(
        sweep.table.select(
            "value",
            *(to_text(pl.col(c), sweep.scale).alias(c) for c in money),
            to_text(pl.col("relationship_share"), 2).alias("relationship_share_pct"),
        )
    )


def write_sweep(sweep: Sweep, out: Path) -> list[Path]:
    """Write ``sweep.csv`` and ``sweep.png`` into ``out``, atomically."""
    return write_atomically(
        out,
        {
            "sweep.csv": lambda p: p.write_bytes(sweep_csv(sweep)),
            "sweep.png": lambda p: charts.sweep_curve(sweep, p),
        },
    )
