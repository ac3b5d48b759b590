"""Any plan file gives a plan or a PlanError, never another exception: the shipped plans
with values replaced, keys removed and keys added at random places."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compengine.errors import PlanError
from compengine.plan.load import parse_plan

PLANS = sorted((Path(__file__).parents[2] / "plans").glob("*.yaml"))
ODD_VALUES = [
    None, "", "abc", "x" * 40, -1, 0, 1, 2.5, -0.5, 10**30, True, [], {}, [1, "a"],
    {"x": 1}, [[0, 0], [1, "b"]], "2027-13-01", "transactions.amount", "revenue",
]  # fmt: skip
ODD_KEYS = ["bogus", "rate", "tiers", "bonus", "curve", "where", 7, None, True, 1.5]


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every value in ``node``."""
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _places(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _places(value, (*path, i))
    return out


def _mutated(plan: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    plan = copy.deepcopy(plan)
    for _ in range(data.draw(st.integers(1, 4))):
        places = [p for p in _places(plan) if p]
        if not places:
            break
        *parent_path, key = data.draw(st.sampled_from(places))
        parent: Any = plan
        for part in parent_path:
            parent = parent[part]
        change = data.draw(st.sampled_from(["replace", "remove", "add"]))
        if change == "replace":
            parent[key] = copy.deepcopy(data.draw(st.sampled_from(ODD_VALUES)))
        elif change == "remove":
            del parent[key]
        elif isinstance(parent[key], dict):
            new_key = data.draw(st.sampled_from(ODD_KEYS))
            parent[key][new_key] = copy.deepcopy(data.draw(st.sampled_from(ODD_VALUES)))
    return plan


@pytest.mark.parametrize("file", PLANS, ids=lambda p: p.stem)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_it_should_give_a_plan_or_a_plan_error(file: Path, data: st.DataObject) -> None:
    plan = _mutated(yaml.safe_load(file.read_text()), data)
    text = yaml.safe_dump(plan, sort_keys=False)
    messages: list[str] = []
    try:
        parse_plan(text, file)
    except PlanError as error:
        messages = error.messages or ["no message"]
    assert all(m.startswith(str(file)) for m in messages)
