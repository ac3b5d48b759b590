"""Commands that model plan changes: ``compare`` and ``sweep``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from compengine.commands.common import (
    DataOpt,
    FromOpt,
    PlanArg,
    ToOpt,
    guard,
    out_console,
    progress,
    warn,
)
from compengine.errors import PlanError


def _set_option(of: str) -> typer.models.OptionInfo:
    """The ``--set`` option, changing a key of the plan ``of`` names."""
    option: typer.models.OptionInfo = typer.Option(
        "--set",
        metavar="PATH=VALUE",
        help=f"Change one key of {of}, repeatable, "
        "e.g. components.relationship_bonus.target_share=0.3",
    )
    return option


CompareSetOpt = Annotated[list[str] | None, _set_option("PROPOSED (by default a copy of BASE)")]
SweepSetOpt = Annotated[list[str] | None, _set_option("PLAN, for every value")]
ScenarioOut = Annotated[
    Path, typer.Option("--out", help="Where to write the tables and charts.", show_default=False)
]


def compare(
    base: Annotated[Path, typer.Argument(help="The plan in force (YAML).", show_default=False)],
    data: DataOpt,
    out: ScenarioOut,
    proposed: Annotated[
        Path | None,
        typer.Argument(help="The proposed plan; default: BASE with the --set changes."),
    ] = None,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    sets: CompareSetOpt = None,
) -> None:
    """Cost, winners and losers, and relationship pay of a proposed plan against BASE."""
    from compengine.errors import Reason
    from compengine.plan.load import load_plan
    from compengine.plan.overrides import apply_overrides
    from compengine.scenarios.compare import compare as compare_plans
    from compengine.scenarios.report import comparison_summary
    from compengine.scenarios.write import write_comparison

    def work() -> None:
        if proposed is None and not sets:
            raise PlanError(
                "nothing to compare. Hint: give PROPOSED.yaml, or --set PATH=VALUE to change BASE.",
                Reason.PLAN_SYNTAX,
            )
        with progress() as step:
            step("reading the plans")
            base_plan = load_plan(base)
            changed = apply_overrides(load_plan(proposed) if proposed else base_plan, sets or [])
            step("reading the data and calculating both plans")
            comparison = compare_plans(base_plan, changed, data, period_from, period_to)
            step("writing the comparison")
            written = write_comparison(comparison, out, changed.text if sets else None)
        out_console.print(comparison_summary(comparison))
        out_console.print(f"Written to {out}/: {', '.join(p.name for p in written)}")
        both = [*comparison.base.inputs.warnings, *comparison.proposed.inputs.warnings]
        warn(list(dict.fromkeys(both)))

    guard(work)


def sweep(
    plan: PlanArg,
    data: DataOpt,
    vary: Annotated[
        str,
        typer.Option(
            "--vary",
            metavar="PATH=START:STOP:STEP",
            help="The key and its values, STOP included, e.g. "
            "components.relationship_bonus.target_share=0.1:0.4:0.05",
            show_default=False,
        ),
    ],
    out: ScenarioOut,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    sets: SweepSetOpt = None,
) -> None:
    """Run PLAN for each value of one key: total cost and relationship share per value."""
    from compengine.plan.load import load_plan
    from compengine.scenarios.report import sweep_summary
    from compengine.scenarios.sweep import run_sweep, write_sweep

    def work() -> None:
        with progress() as step:
            step("reading the plan")
            loaded = load_plan(plan)
            step(f"calculating each value of {vary.partition('=')[0]}")
            result = run_sweep(loaded, data, vary, period_from, period_to, sets or [])
            step("writing the sweep")
            written = write_sweep(result, out)
        out_console.print(sweep_summary(result))
        out_console.print(f"Written to {out}/: {', '.join(p.name for p in written)}")
        warn(result.warnings)

    guard(work)
