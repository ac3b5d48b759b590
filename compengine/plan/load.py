"""Load a plan file: YAML with line numbers, numbers as Decimal, every error at once."""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from compengine.errors import PlanError, Reason
from compengine.plan import models
from compengine.plan.rules import check_plan


@dataclass(frozen=True)
class LoadedPlan:
    """A validated plan with the text and hash it came from."""

    plan: models.Plan
    path: Path
    text: str
    sha256: str


_LAST_SEGMENT = re.compile(r"(\.?[^.\[]+|\[\d+\])$")


class _PlanLoader(yaml.SafeLoader):
    """SafeLoader that keeps decimal literals exact and refuses duplicate keys."""


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:  # .inf, .nan: let pydantic reject them with a path
        return Decimal("NaN")


_PlanLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


def _lines(node: yaml.Node, path: str, out: dict[str, int], dupes: list[tuple[str, int]]) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            child = f"{path}.{name}" if path else name
            if name in seen:
                dupes.append((child, key.start_mark.line + 1))
            seen.add(name)
            out[child] = key.start_mark.line + 1
            _lines(value, child, out, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, f"{path}[{i}]", out, dupes)


def _path(loc: tuple[int | str, ...]) -> str:
    """Pydantic's error location as a plan key path, e.g. ``components.x.tiers[2].rate``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith(models.TAG_PREFIX):
            continue
        else:
            # the alias of Tier.start is `from`; tuples of [x, y] show as [i][j]
            key = "from" if part == "start" else part
            path = f"{path}.{key}" if path else key
    return path


def _known_keys() -> list[str]:
    keys: set[str] = set()
    for cls in (
        models.Plan, models.ReportCard, models.GradePoints, models.SumMeasure,
        models.CountMeasure, models.AttainmentMeasure, models.RatioMeasure,
        models.ReportCardMeasure, models.ResolutionRateMeasure, models.RecoveryScoreMeasure,
        models.Commission, models.Bonus, models.Multiplier, models.Gate,
    ):  # fmt: skip
        keys.update(cls.model_fields)
    keys.discard("start")
    keys.add("from")
    return sorted(keys)


def _message(error: Any) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        close = difflib.get_close_matches(key, _known_keys(), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "remove it."
        return f"unknown key '{key}'. Hint: {hint}"
    if kind in ("measure_kind", "component_kind", "modifier_kind"):
        value = error.get("input")
        keys = ", ".join(map(str, value)) if isinstance(value, dict) else repr(value)
        kinds = {
            "measure_kind": models.MEASURE_KINDS,
            "component_kind": models.COMPONENT_KINDS,
            "modifier_kind": models.MODIFIER_KINDS,
        }[kind]
        close = [
            c for k in (value if isinstance(value, dict) else {})
            for c in difflib.get_close_matches(str(k), kinds, n=1)
        ]  # fmt: skip
        hint = f" Did you mean '{close[0]}'?" if close else ""
        return f"{error['msg']} (found keys: {keys}).{hint}"
    if kind == "missing":
        return "required key is missing."
    value = error.get("input")
    shown = f"{value!r}: " if not isinstance(value, dict | list) else ""
    return f"{shown}{error['msg']}."


def load_plan(path: Path | str) -> LoadedPlan:
    """Read and validate a plan file.

    Args:
        path: The YAML plan file.

    Returns:
        The validated plan with its text and SHA-256.

    Raises:
        PlanError: with one line per problem, each naming the file, line and key path.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PlanError(
            f"{path}: cannot read the plan ({exc.strerror}).", Reason.PLAN_SYNTAX
        ) from None
    text = raw.decode("utf-8", errors="replace")
    return parse_plan(text, path, hashlib.sha256(raw).hexdigest())


def parse_plan(text: str, path: Path, sha256: str | None = None) -> LoadedPlan:
    """Validate plan text; ``path`` is only used to name the file in messages."""
    sha256 = sha256 or hashlib.sha256(text.encode()).hexdigest()
    try:
        loader = _PlanLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PlanError(
            f"{path}{where}: not valid YAML: {problem}. Hint: check indentation and quoting.",
            Reason.PLAN_SYNTAX,
        ) from None
    if not isinstance(data, dict):
        raise PlanError(
            f"{path} line 1: a plan is a mapping of keys (plan, version, period, ...).",
            Reason.PLAN_SYNTAX,
        )
    lines: dict[str, int] = {}
    dupes: list[tuple[str, int]] = []
    _lines(node, "", lines, dupes)

    def at(key_path: str) -> str:
        probe = key_path
        while probe and probe not in lines:  # a missing key: report its parent's line
            probe = _LAST_SEGMENT.sub("", probe)
        return f"{path} line {lines.get(probe, 1)}, {key_path or '(top level)'}"

    messages = [f"{at(p)}: key given twice. Hint: keep one." for p, _ in dupes]
    try:
        plan = models.Plan.model_validate(data)
    except ValidationError as exc:
        messages += [f"{at(_path(e['loc']))}: {_message(e)}" for e in exc.errors()]
        raise PlanError(messages, Reason.PLAN_INVALID) from None
    messages += [f"{at(p)}: {m}" for p, m in check_plan(plan)]
    if messages:
        raise PlanError(messages, Reason.PLAN_INVALID)
    return LoadedPlan(plan=plan, path=path, text=text, sha256=sha256)
