"""Run several plans on one data folder, reading and validating it once per distinct need.

:func:`~compengine.data.inputs.load_inputs` takes the plan because the data's checks and
shape depend on it: the period (months or quarters), whether quotas are needed, the report
card's behaviours (grades naming another behaviour are errors) and ``allow_overlay_credit``
(split totals). Scenarios that agree on these four share one :class:`Inputs`; the engine
never modifies the frames it is given, so each scenario reuses them as they are. A sweep of a
rate or a share loads the folder once however many points it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from compengine.data.inputs import Inputs, load_inputs
from compengine.engine.calculate import Result, calculate
from compengine.plan.load import LoadedPlan
from compengine.plan.models import Plan

Need = tuple[str, bool, tuple[str, ...], bool]


def data_need(plan: Plan) -> Need:
    """What of a plan the loading and checking of the data depends on."""
    behaviours = tuple(sorted(plan.report_card.behaviours)) if plan.report_card else ()
    return (plan.period, plan.uses_quota(), behaviours, plan.allow_overlay_credit)


@dataclass
class DataFolder:
    """One data folder and range; :meth:`inputs` loads it once per distinct :func:`data_need`."""

    folder: Path
    period_from: str | None = None
    period_to: str | None = None
    loaded: dict[Need, Inputs] = field(default_factory=dict)

    def inputs(self, plan: Plan) -> Inputs:
        """The validated inputs for ``plan``, loaded on first use of its need.

        Raises:
            InputDataError: every problem of the folder for this plan.
        """
        need = data_need(plan)
        if need not in self.loaded:
            self.loaded[need] = load_inputs(self.folder, plan, self.period_from, self.period_to)
        return self.loaded[need]


@dataclass(frozen=True)
class Scenario:
    """One plan calculated on the data: the plan, the inputs it ran on, the engine's result."""

    name: str
    loaded: LoadedPlan
    inputs: Inputs
    result: Result

    @property
    def plan(self) -> Plan:
        return self.loaded.plan


def run_scenario(name: str, loaded: LoadedPlan, data: DataFolder) -> Scenario:
    """Calculate ``loaded`` on ``data`` (loading it only if no earlier plan needed the same)."""
    inputs = data.inputs(loaded.plan)
    return Scenario(name, loaded, inputs, calculate(loaded.plan, inputs, where=loaded.where))
