"""Change a plan without editing its file: ``--set PATH=VALUE`` on any plan key.

``PATH`` is a key path as plan errors print it (``components.revenue_commission.tiers[2].rate``,
``modifiers[0].bands[1][1]``, ``report_card.grade_points.B``); ``VALUE`` is YAML read by the
plan loader, so ``0.3`` is the exact ``Decimal('0.3')`` and ``[{from: 0, rate: 0.05}]`` a list.
Every step of the path must exist in the plan, except the last key of a mapping, which may add
an optional key the plan left out (``cap_amount``) or a new entry to a named map (a measure, a
behaviour). The changed plan is validated exactly like a plan file, and each message names the
``--set`` expression and the key path.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml
from pydantic import BaseModel

from compengine.errors import PlanError, Reason
from compengine.plan import models
from compengine.plan.load import (
    LoadedPlan,
    _message,
    _path,
    _PlanLoader,
    _shown,
    _Unread,
    checked,
)

Segment = str | int
_TOKEN = re.compile(r"(?:^|\.)([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]")
EXAMPLE = "components.relationship_bonus.target_share=0.3"


@dataclass(frozen=True)
class Override:
    """One ``--set PATH=VALUE``: the expression as given, its key path and parsed value."""

    expr: str
    path: str
    segments: tuple[Segment, ...]
    value: Any
    option: str = "--set"  # the option that gave it, as messages name it (``--vary``)


def key_path(segments: Sequence[Segment]) -> str:
    """Segments as a key path: ``("tiers", 2, "rate")`` -> ``tiers[2].rate``."""
    out = ""
    for seg in segments:
        out += f"[{seg}]" if isinstance(seg, int) else (f".{seg}" if out else seg)
    return out


def parse_override(expr: str, option: str = "--set") -> Override:
    """Parse ``PATH=VALUE``, given as ``option``; the value is YAML, numbers exact Decimals.

    Raises:
        PlanError: when the expression has no ``=``, the path is malformed or the value is not
            valid YAML.
    """
    path, sep, text = expr.partition("=")
    path = path.strip()
    if not sep or not path:
        raise PlanError(
            f"{option} {expr}: expected PATH=VALUE. Hint: for example --set {EXAMPLE}.",
            Reason.PLAN_SYNTAX,
        )
    segments: list[Segment] = []
    at = 0
    for match in _TOKEN.finditer(path):
        if match.start() != at:
            break
        name, index = match.groups()
        segments.append(int(index) if index is not None else name)
        at = match.end()
    if at != len(path) or not path[0].isalpha():
        raise PlanError(
            f"{option} {expr}: '{path}' is not a key path. Hint: write keys with dots and list "
            "items with [i], e.g. components.revenue_commission.tiers[2].rate.",
            Reason.PLAN_SYNTAX,
        )
    try:
        loader = _PlanLoader(text, at=segments)  # a SafeLoader subclass
        try:
            value = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())  # one line
        if isinstance(exc, _Unread):  # valid YAML, read as another value than meant
            raise PlanError(
                f"{option} {expr}, {path}: {problem}. Hint: {exc.hint}.", Reason.PLAN_SYNTAX
            ) from None
        raise PlanError(
            f"{option} {expr}, {path}: the value is not valid YAML: {problem}. "
            "Hint: quote the whole expression in the shell, e.g. --set 'x=[1, 2]'.",
            Reason.PLAN_SYNTAX,
        ) from None
    return Override(expr, key_path(segments), tuple(segments), value, option)


def _fields(model: BaseModel) -> dict[str, str]:
    """Key as written in a plan file -> attribute name (``from`` -> ``start``)."""
    return {(f.alias or name): name for name, f in type(model).model_fields.items()}


def _hint(key: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, list(choices), n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"use one of {', '.join(choices)}." if choices else "remove it."


def _apply(data: dict[str, Any], plan: models.Plan, override: Override) -> str | None:
    """Write ``override`` into the raw plan ``data``; return a problem, or None when done.

    The validated ``plan`` is walked beside the raw data: it tells which keys a model knows,
    including optional ones the file left out.
    """
    raw: Any = data
    obj: Any = plan
    segments = override.segments
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        here = key_path(segments[:i]) or "the plan"
        if isinstance(seg, int):
            if not isinstance(obj, list | tuple) or not isinstance(raw, list):
                return f"{here} is not a list. Hint: remove [{seg}]."
            if seg >= len(raw):
                return (
                    f"{here} has {len(raw)} items, there is no [{seg}]. "
                    f"Hint: use an index from 0 to {len(raw) - 1}."
                )
            child: Any = obj[seg]
        elif isinstance(obj, BaseModel) and isinstance(raw, dict):
            fields = _fields(obj)
            if seg not in fields:
                return f"unknown key '{seg}' in {here}. Hint: {_hint(seg, list(fields))}"
            child = getattr(obj, fields[seg])
            if seg not in raw and not last:
                if not isinstance(child, BaseModel):
                    name = key_path(segments[: i + 1])
                    shape = "[...]" if isinstance(segments[i + 1], int) else "{...}"
                    below = key_path(segments[i + 1 : i + 2])
                    return (
                        f"{name} is not in the plan, so it has no {below}. "
                        f"Hint: set {name} as a whole, e.g. --set '{name}={shape}'."
                    )
                raw[seg] = {}  # a default sub-model, e.g. report_card.grade_points
        elif isinstance(obj, dict) and isinstance(raw, dict):
            if seg not in raw and not last:
                return f"unknown name '{seg}' in {here}. Hint: {_hint(seg, list(raw))}"
            child = obj.get(seg)
        else:
            return (
                f"{here} is a single value ({_shown(obj)}), it has no key '{seg}'. "
                f"Hint: set it as a whole, e.g. --set '{here}=VALUE'."
            )
        if last:
            raw[seg] = override.value
            return None
        raw, obj = raw[seg], child
    return None


def current_value(plan: models.Plan, segments: Sequence[Segment]) -> Any:
    """The value at a key path of a valid plan (defaults included); None where it has none."""
    obj: Any = plan
    for seg in segments:
        if isinstance(seg, int):
            obj = obj[seg] if isinstance(obj, list | tuple) and seg < len(obj) else None
        elif isinstance(obj, BaseModel):
            name = _fields(obj).get(seg)
            obj = getattr(obj, name) if name else None
        else:
            obj = obj.get(seg) if isinstance(obj, dict) else None
        if obj is None:
            return None
    return obj


def _related(overrides: Sequence[Override], path: str) -> list[Override]:
    """The overrides that set ``path``, a key in it, or a key it is in."""
    return [
        o
        for o in overrides
        if path == o.path or o.path.startswith((path + ".", path + "[")) or not path
        or path.startswith((o.path + ".", o.path + "["))
    ]  # fmt: skip


def _blame(overrides: Sequence[Override], path: str) -> str:
    """The ``--set`` expressions an error at ``path`` comes from (all when none is related)."""
    return " ".join(f"{o.option} {o.expr}" for o in _related(overrides, path) or overrides)


class _Dumper(yaml.SafeDumper):
    """Writes Decimals as plain numbers, so the text re-loads to the same plan."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:float", str(value))


_Dumper.add_representer(Decimal, _represent_decimal)


def apply_overrides(loaded: LoadedPlan, exprs: Sequence[str], option: str = "--set") -> LoadedPlan:
    """The plan of ``loaded`` with every ``--set PATH=VALUE`` applied, validated as a whole.

    Args:
        loaded: A valid plan.
        exprs: ``PATH=VALUE`` expressions, applied in order.
        option: The option that gave them, as messages name it (``--vary`` for a sweep's
            values).

    Returns:
        The changed plan. Its ``text`` is the changed plan as YAML (headed by the file and the
        expressions as a comment), and ``sha256`` that text's hash; ``path`` stays the file's.

    Raises:
        PlanError: every problem at once, each naming the ``--set`` expression and key path.
    """
    if not exprs:
        return loaded
    overrides: list[Override] = []
    messages: list[str] = []
    reason = Reason.PLAN_INVALID
    for expr in exprs:
        try:
            overrides.append(parse_override(expr, option))
        except PlanError as error:
            messages += error.messages
            reason = Reason.PLAN_SYNTAX
    data = yaml.load(loaded.text, Loader=_PlanLoader)  # a SafeLoader subclass
    for o in overrides:
        problem = _apply(data, loaded.plan, o)
        if problem:
            messages.append(f"{loaded.path} {o.option} {o.expr}, {o.path}: {problem}")
    if messages:
        raise PlanError(messages, reason)
    plan, errors, problems = checked(data)
    messages = [
        f"{loaded.path} {_blame(overrides, p)}, {p or '(top level)'}: {_message(e)}"
        for e in errors
        for p in [_path(e["loc"])]
    ]
    messages += [f"{loaded.path} {_blame(overrides, p)}, {p}: {m}" for p, m in problems]
    if messages or plan is None:
        raise PlanError(messages, Reason.PLAN_INVALID)
    header = f"# {loaded.path.name} " + " ".join(f"{o.option} {o.expr}" for o in overrides)
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
    text = f"{header}\n{body}"
    return LoadedPlan(
        plan=plan,
        path=loaded.path,
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        where=lambda p: (
            f"{loaded.path} {_blame(overrides, p)}, {p or '(top level)'}"
            if _related(overrides, p)
            else loaded.where(p)  # a key no --set changed: where the file writes it
        ),
    )
