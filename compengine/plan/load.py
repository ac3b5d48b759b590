"""Load a plan file: YAML with line numbers, numbers as Decimal, every error at once."""

from __future__ import annotations

import copy
import difflib
import hashlib
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, Tag, TypeAdapter, ValidationError

from compengine.errors import PlanError, Reason
from compengine.plan import models
from compengine.plan.rules import Listed, Problem, behaviour_problems, check_plan


@dataclass(frozen=True)
class LoadedPlan:
    """A validated plan with the text and hash it came from.

    ``where`` names where a key path is written, for messages: ``plan.yaml line 12,
    components.bonus`` (``plan.yaml --set ..., components.bonus`` for a changed plan).
    """

    plan: models.Plan
    path: Path
    text: str
    sha256: str
    where: Callable[[str], str] = field(compare=False, repr=False)


_LAST_SEGMENT = re.compile(r"(\.?[^.\[]+|\[\d+\])$")
_AS_WRITTEN = {f"tag:yaml.org,2002:{kind}" for kind in ("int", "float", "bool", "timestamp")}
_STR_TAG = "tag:yaml.org,2002:str"


def _as_text(node: yaml.Node) -> yaml.Node:
    """A plain scalar, or each of a list's, read as the text written: a new node, so that
    an anchor's other uses read as before."""
    if isinstance(node, yaml.SequenceNode):
        items = [_as_text(item) for item in node.value]
        return yaml.SequenceNode(node.tag, items, node.start_mark, node.end_mark, node.flow_style)
    if isinstance(node, yaml.ScalarNode) and node.style is None and node.tag in _AS_WRITTEN:
        return yaml.ScalarNode(_STR_TAG, node.value, node.start_mark, node.end_mark)
    return node


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value of ``key`` in a mapping node (the last, which YAML keeps, after a merge);
    None if there is none."""
    if not isinstance(node, yaml.MappingNode):
        return None
    found = [v for k, v in node.value if getattr(k, "value", None) == key]
    return found[-1] if found else None


def _values(node: yaml.Node | None) -> list[yaml.Node]:
    """The values of a mapping node; none for another node."""
    return [v for _, v in node.value] if isinstance(node, yaml.MappingNode) else []


class _PlanLoader(yaml.SafeLoader):
    """SafeLoader that keeps decimal literals exact, dates and ``where`` values as written
    (duplicate keys are found by ``_lines``)."""

    def __init__(self, stream: str, at: Sequence[str | int] = ()) -> None:
        """Read ``stream``, the value at key path ``at`` of a plan (the whole plan: none)."""
        super().__init__(stream)
        self.at = list(at)

    def construct_document(self, node: yaml.Node) -> Any:
        """The plan's values, each ``where`` value read as the text written."""
        return super().construct_document(self._where_as_text(node, self.at))

    def _where_as_text(self, node: yaml.Node, path: Sequence[str | int]) -> yaml.Node:
        """``node``, the value at key ``path`` of a plan (``[]``, ``["measures", "m",
        "where", "account_id"]``), with its ``where`` values read as the text written: the
        data's cells are text and ``where`` compares text (PLAN.md), so ``{account_id:
        1001}`` keeps the rows of account 1001, and ``0042`` or ``yes`` is that text, not a
        number or true. An empty value stays empty (and is refused as not text)."""
        if not path:
            found = _value(self._flat(node), "measures")
            if found is not None:
                self._where_as_text(found, ["measures"])
            return node
        if path[0] != "measures":
            return node
        if len(path) > 3:  # a where column's value, or a value inside a measure
            return _as_text(node) if path[2] == "where" else node
        wheres: list[yaml.Node | None]
        if len(path) == 3:
            wheres = [node] if path[2] == "where" else []
        else:
            measures = _values(self._flat(node)) if len(path) == 1 else [node]
            wheres = [_value(self._flat(m), "where") for m in measures]
        for where in wheres:
            if isinstance(where, yaml.MappingNode):
                self.flatten_mapping(where)
                where.value = [(key, _as_text(value)) for key, value in where.value]
        return node

    def _flat(self, node: yaml.Node | None) -> yaml.Node | None:
        """A mapping node with its merge keys (``<<: *base``) merged, as YAML reads it."""
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """A value, or a YAML error at its line for a tagged one that cannot be read
        (``!!int abc``, ``!!bool maybe``): PyYAML raises plain Python errors for those."""
        try:
            return super().construct_object(node, deep)
        except (ArithmeticError, AttributeError, KeyError, TypeError, ValueError):
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            what = repr(node.value) if isinstance(node, yaml.ScalarNode) else "the value"
            raise _Unread(
                f"{what} is not a {tag} value",
                "write the value without the tag, or one the tag reads",
                node,
            ) from None


class _Unread(yaml.constructor.ConstructorError):
    """A value YAML would read as something else than what is meant, or not at all."""

    def __init__(self, problem: str, hint: str, node: yaml.Node) -> None:
        super().__init__(None, None, problem, node.start_mark)
        self.hint = hint


_NOT_FINITE = {
    ".inf": Decimal("Infinity"),
    "+.inf": Decimal("Infinity"),
    "-.inf": Decimal("-Infinity"),
    ".nan": Decimal("NaN"),
}


_BASE_60 = re.compile(r"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?")


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    """A YAML float as an exact Decimal; one Decimal cannot hold (``.inf``, ``.nan``, a
    sexagesimal ``1:30.5``) is left for pydantic to refuse with its path. Text no float
    reads, tagged ``!!float``, is refused here."""
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        if text.lower() in _NOT_FINITE or _BASE_60.fullmatch(text):
            return _NOT_FINITE.get(text.lower(), text)
        raise _Unread(
            f"{node.value!r} is not a !!float value",
            "write the value without the tag, or one the tag reads",
            node,
        ) from None


_PlanLoader.add_constructor("tag:yaml.org,2002:float", _decimal)

_DECIMAL_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)")


def _int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """A YAML integer written in decimals (``12``, ``1_000``); YAML 1.1's other forms are
    refused rather than read as another number than the one a reader sees (octal ``010`` is
    8, ``0_2`` is 2, sexagesimal ``1:30`` is 90, hex ``0x1F`` is 31)."""
    text = str(loader.construct_scalar(node))
    if _DECIMAL_INT.fullmatch(text):
        return int(text.replace("_", ""))
    number = loader.construct_yaml_int(node)  # text no form reads (!!int abc) raises here
    raise _Unread(
        f"{text!r} is {number} to YAML (a binary, octal, hexadecimal or base-60 number)",
        "write the number in decimals, or quote it if it is text",
        node,
    )


_PlanLoader.add_constructor("tag:yaml.org,2002:int", _int)


def _text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    """A YAML timestamp as the text written: the plan language has no dates, and one written
    unquoted (a ``where`` on a date column, a title) is text, as the data's dates are, not a
    date that may not exist (``2027-02-30``). Text no timestamp reads, tagged
    ``!!timestamp``, is refused."""
    text = str(loader.construct_scalar(node))
    if not loader.timestamp_regexp.match(text):
        raise _Unread(
            f"{text!r} is not a !!timestamp value",
            "write the value without the tag, or one the tag reads",
            node,
        )
    return text


_PlanLoader.add_constructor("tag:yaml.org,2002:timestamp", _text)


class _Places:
    """The line and column of a character of plan text, counted as an editor counts them: a
    line ends with LF, CRLF or CR, and a byte-order mark is no column. (YAML's own marks also
    end a line at U+0085, U+2028 and U+2029, which an editor shows inside a line, and would
    name a later line.)"""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(found.end() for found in re.finditer(r"\r\n|\r|\n", text))]
        self.bom = text.startswith("\ufeff")

    def line(self, index: int) -> int:
        return bisect_right(self.starts, index)

    def column(self, index: int) -> int:
        line = self.line(index)
        return index - self.starts[line - 1] + 1 - (line == 1 and self.bom)


def _lines(
    node: yaml.Node,
    path: str,
    places: _Places,
    out: dict[str, int],
    dupes: list[tuple[str, int]],
    loader: _PlanLoader,
    named: str | None = None,
) -> None:
    """The line of every key path under ``node``, by its text (``measures.2027``) and, where
    a key is not text, also as pydantic names it (``named``: ``measures[2027]``)."""
    named = path if named is None else named
    line = places.line(node.start_mark.index)
    out.setdefault(path, line)
    out.setdefault(named, line)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            child = f"{path}.{name}" if path else name
            line = places.line(key.start_mark.index)
            if name in seen:
                dupes.append((child, line))
            seen.add(name)
            read: int | str = name
            if isinstance(key, yaml.ScalarNode) and key.tag in _NOT_TEXT:
                read = _pydantic_key(loader.construct_object(key))
            as_named = f"{named}[{read}]" if isinstance(read, int) else f"{named}.{read}"
            out[child] = line
            out.setdefault(as_named.removeprefix("."), line)
            _lines(value, child, places, out, dupes, loader, as_named.removeprefix("."))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, f"{path}[{i}]", places, out, dupes, loader, f"{named}[{i}]")


_NOT_TEXT = {f"tag:yaml.org,2002:{kind}" for kind in ("null", "bool", "int", "float")}


def _pydantic_key(key: object) -> int | str:
    """A mapping key as :func:`_path` names it: a boolean as 0 or 1 and an integer as
    itself (pydantic's error location holds them so), anything else as written (``None``,
    ``1.50``)."""
    return int(key) if isinstance(key, bool | int) else _unwrapped(repr(key))


# pydantic names a key that is not text by its repr: Decimal('1.50') for 1.50
_DECIMAL_REPR = re.compile(r"Decimal\('([^']*)'\)")


def _unwrapped(part: str) -> str:
    """A key of pydantic's error location as written in the plan (``1.50``, not
    ``Decimal('1.50')``)."""
    decimal = _DECIMAL_REPR.fullmatch(part)
    return decimal[1] if decimal else part


# How pydantic names the members of a ``where`` value's union (text, or a list of texts).
_TEXT, _TEXTS = "str", "list[str]"


def _member(loc: tuple[int | str, ...]) -> int | None:
    """Where ``loc`` names the union member of a ``where`` value (``where.<column>.<member>``)."""
    return next(
        (i for i in range(2, len(loc)) if loc[i] in (_TEXT, _TEXTS) and loc[i - 2] == "where"),
        None,
    )


def _keys(loc: tuple[int | str, ...]) -> list[int | str]:
    """The keys and indices of the plan that pydantic's error location goes through, without
    the names pydantic adds: the kind's tag of a measure, component or modifier
    (``measures.<name>.kind:sum``) and a ``where`` value's union member."""
    tagged = len(loc) > 2 and loc[0] in ("measures", "components", "modifiers")
    member = _member(loc)
    return [
        part
        for i, part in enumerate(loc)
        if not (i == 2 and tagged and str(part).startswith(models.TAG_PREFIX)) and i != member
    ]


def _path(loc: tuple[int | str, ...]) -> str:
    """Pydantic's error location as a plan key path, e.g. ``components.x.tiers[2].rate``."""
    path = ""
    for part in _keys(loc):
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "[key]":  # "[key]": the key itself of a mapping entry
            path = f"{path}.{_unwrapped(part)}" if path else _unwrapped(part)
    return path


def _as_written(errors: list[Any]) -> list[Any]:
    """The errors, keeping of a ``where`` value's only those of the form it was written in.

    pydantic reports a value that is neither text nor a list of texts once per member of
    the union; a list is meant as a list of texts, anything else as one text.
    """
    written: dict[tuple[int | str, ...], object] = {}  # the value at each union's place
    for error in errors:
        at = _member(error["loc"])
        if at is not None and error["loc"][at] == _TEXT:
            written[error["loc"][:at]] = error.get("input")

    def meant(error: Any) -> bool:
        at = _member(error["loc"])
        if at is None:
            return True
        as_list = isinstance(written.get(error["loc"][:at]), list)
        return bool(error["loc"][at] == _TEXTS) == as_list

    return [error for error in errors if meant(error)]


def checked(data: dict[str, Any]) -> tuple[models.Plan | None, list[Any], list[Problem]]:
    """The plan ``data`` holds (None when pydantic refuses it), pydantic's errors (as the
    values were written), and the plan rules broken by the plan, or by the parts of it that
    parse (:func:`_rules_of_the_rest`): every problem of the plan at once."""
    try:
        plan = models.Plan.model_validate(data)
    except ValidationError as exc:
        errors = _as_written(exc.errors())
        return None, errors, _rules_of_the_rest(data, errors)
    return plan, [], check_plan(plan)


# Stand-ins for top-level values with an error of their own, which no plan rule reads
_STAND_INS: dict[str, object] = {"plan": "plan", "version": 1, "period": "month", "currency": "XXX"}
# Stand-ins for a plan whose every measure or component has an error (a plan needs one),
# taken out again before the rules are checked
_NOBODY = "stand_in_"
_NUMBER: TypeAdapter[Decimal] = TypeAdapter(models.Number)
_STAND_IN_ENTRIES: dict[str, object] = {
    "measures": {"sum": "transactions.amount"},
    "components": {"commission": _NOBODY, "rate": 0},
}


def _rules_of_the_rest(data: dict[str, Any], errors: list[Any]) -> list[Problem]:
    """The plan rules broken by the parts of a plan that parse, so that one run reports
    both kinds of problem.

    Unknown keys are left out, and so is each measure, component or modifier with an error
    of another kind (a key that is not text, say); the others may still name a measure or
    component left out, and a modifier is still named by its place in the file. Measures or
    components empty or not given are checked as none. A report card with an error counts
    as given, and a top-level value with an error is replaced by a valid one. None when the
    errors leave no plan to check (measures written as a list, say).
    """
    pruned = {k: v for k, v in copy.deepcopy(data).items() if isinstance(k, str)}
    left_out: dict[str, set[object]] = {"measures": set(), "components": set(), "modifiers": set()}
    bad_share: set[object] = set()  # components whose target_share has an error
    card_given = False
    for error in errors:
        keys = _keys(error["loc"])
        if error["type"] == "extra_forbidden" or (keys and keys[0] not in models.Plan.model_fields):
            continue  # an unknown key, dropped below (or above, if it is not text)
        if not keys:  # the plan as a whole
            return []
        if keys[0] in left_out and len(keys) > 1:
            left_out[str(keys[0])].add(keys[1])
            if keys[0] == "components" and keys[2:3] in ([], ["target_share"]):
                bad_share.add(keys[1])
        elif keys[0] == "report_card":
            card_given = True
        elif keys[0] in _STAND_INS and len(keys) == 1:
            pruned[str(keys[0])] = _STAND_INS[str(keys[0])]
        elif len(keys) == 1:  # measures, components and modifiers included: see below
            pruned.pop(str(keys[0]), None)
        else:
            return []
    for error in errors:
        if error["type"] == "extra_forbidden":
            *parents, key = _keys(error["loc"])
            node: Any = pruned
            try:
                for part in parents:
                    node = node[part]
            except (KeyError, IndexError, TypeError):  # under an entry left out below
                continue
            if isinstance(node, dict):
                node.pop(key, None)  # gone already where a YAML alias shares the mapping
    names: dict[str, tuple[str, ...]] = {}
    stood_in: list[str] = []
    for key in ("measures", "components"):
        written = data.get(key)
        if not isinstance(written, dict | None):
            return []
        written = written or {}
        # Keys that are not text are refused, and a key in pydantic's error location may
        # differ from the one written (True is 1): names are matched as text.
        names[key] = tuple(str(k) for k in written)
        gone = {str(name) for name in left_out[key]}
        kept = {k: v for k, v in pruned.get(key, {}).items() if isinstance(k, str)}
        entries = {k: v for k, v in kept.items() if k not in gone}
        if not entries:  # a plan needs one: a stand-in, taken out again below
            entries[_NOBODY] = _STAND_IN_ENTRIES[key]
            stood_in.append(key)
        pruned[key] = entries
    kept_modifiers = [
        (i, m)
        for i, m in enumerate(pruned.get("modifiers") or [])
        if i not in left_out["modifiers"]
    ]
    if "modifiers" in pruned:
        pruned["modifiers"] = [m for _, m in kept_modifiers]
    if card_given:
        pruned.pop("report_card", None)
    try:
        plan = models.Plan.model_validate(pruned)
    except ValidationError:
        return []
    plan = plan.model_copy(update={key: {} for key in stood_in})
    listed = Listed(
        measures=names["measures"],
        components=names["components"],
        report_card=card_given or plan.report_card is not None,
        modifiers=tuple(i for i, _ in kept_modifiers),
        shares_left_out=_shares(data.get("components") or {}, left_out["components"] - bad_share),
    )
    card = _card_rules(data["report_card"]) if card_given else []
    return card + check_plan(plan, listed)


def _card_rules(card: object) -> list[Problem]:
    """The rules of a report card with an error: its behaviours' count, and the weights
    that parse."""
    behaviours = card.get("behaviours") if isinstance(card, dict) else None
    if not isinstance(behaviours, dict):
        return []
    weights = {}
    for name, weight in behaviours.items():
        try:
            weights[str(name)] = _NUMBER.validate_python(weight)
        except ValidationError:
            continue  # its own error says it
    return list(behaviour_problems(len(behaviours), weights))


def _shares(components: dict[Any, Any], names: set[object]) -> Decimal:
    """The target shares of the bonuses ``names``, left out of the plan for an error
    elsewhere in them: their shares still count towards the shares' sum."""
    share = Decimal(0)
    for name in names:
        entry = components.get(name)
        if isinstance(entry, dict) and "bonus" in entry and "target_share" in entry:
            try:
                share += _NUMBER.validate_python(entry["target_share"])
            except ValidationError:
                continue  # its own error says it
    return share


def _keys_here(loc: tuple[int | str, ...]) -> list[str]:
    """The keys of the mapping that holds the last key of ``loc`` (an unknown one): a
    measure's, component's or modifier's of its kind, a tier's, the report card's or the
    plan's; none where the place is not one of these."""
    model: type[BaseModel] | None = None
    if len(loc) == 1:
        model = models.Plan
    elif loc[:1] == ("report_card",) and len(loc) == 2:
        model = models.ReportCard
    elif len(loc) == 6 and loc[3] == "tiers":
        model = models.Tier
    elif len(loc) == 4 and str(loc[2]).startswith(models.TAG_PREFIX):
        model = _KIND_MODELS.get(str(loc[2]))
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _tagged(union: object) -> dict[str, type[BaseModel]]:
    """The model of each tag of a discriminated union of ``models`` (``kind:sum``: SumMeasure)."""
    members = get_args(get_args(union)[0])
    return {
        meta.tag: get_args(member)[0]
        for member in members
        for meta in get_args(member)[1:]
        if isinstance(meta, Tag)
    }


_KIND_MODELS = {**_tagged(models.Measure), **_tagged(models.Component), **_tagged(models.Modifier)}


def _known_keys() -> list[str]:
    keys: set[str] = set()
    for cls in (
        models.Plan, models.ReportCard, models.GradePoints, models.SumMeasure,
        models.CountMeasure, models.AttainmentMeasure, models.RatioMeasure,
        models.ReportCardMeasure, models.ResolutionRateMeasure, models.RecoveryScoreMeasure,
        models.Commission, models.Bonus, models.Multiplier, models.Gate, models.Tier,
    ):  # fmt: skip
        keys.update(f.alias or name for name, f in cls.model_fields.items())
    return sorted(keys)


def _shown(value: object) -> str:
    """A plan value as a message shows it: numbers as written, text quoted."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Decimal | int):
        return str(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, set | frozenset):
        return "a set"
    if value is None:
        return "empty"
    return repr(value)


# Hints for a pattern, by the last key of the path ("" for the name of a map entry).
_PATTERN_HINTS = {
    "plan": "a plan id uses lowercase letters, digits, _ and -, e.g. field-sales-2027.",
    "currency": "use a three-letter ISO 4217 code in capitals, e.g. USD.",
    "": "a name starts with a lowercase letter and uses a-z, 0-9 and _, e.g. new_revenue.",
}
_SYNONYMS = {"start": "from", "to": "from"}  # words a tier might be written with
_MISSING_HINTS = {
    "within_days": "add within_days: N, the days allowed from opened to resolved.",
    "target_share": "add target_share: s, the share of the period target (0 < s <= 1).",
    "curve": "add curve: [[x0, y0], [x1, y1], ...].",
    "bands": "add bands: [[lower, factor], ...].",
    "below": "add below: x, the value under which the gate applies.",
}


def _kind_message(error: Any) -> str:
    value = error.get("input")
    if not isinstance(value, dict):
        kind = error["type"].removesuffix("_kind")
        return f"{_shown(value)} is not a {kind}. Hint: write a {kind} as a mapping of its keys."
    keys = ", ".join(map(str, value))
    kinds = {
        "measure_kind": models.MEASURE_KINDS,
        "component_kind": models.COMPONENT_KINDS,
        "modifier_kind": models.MODIFIER_KINDS,
    }[error["type"]]
    close = [
        c for k in (value if isinstance(value, dict) else {})
        for c in difflib.get_close_matches(str(k), kinds, n=1)
    ]  # fmt: skip
    hint = f"did you mean '{close[0]}'?" if close else f"add one of {', '.join(kinds)}."
    return f"{error['msg']} (found keys: {keys}). Hint: {hint}"


def _message(error: Any) -> str:
    """One pydantic error as ``value: what is wrong. Hint: the fix``."""
    kind: str = error["type"]
    loc: tuple[int | str, ...] = error["loc"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    key = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        if key in (*models.MEASURE_KINDS, *models.COMPONENT_KINDS, *models.MODIFIER_KINDS):
            return (
                f"'{key}' is a second kind here. Hint: a measure, component or modifier has "
                "exactly one kind; split it in two or remove one."
            )
        if len(loc) > 1 and loc[-2] == "grade_points":
            return f"'{key}' is not on the scale. Hint: use A, B or D; the scale has no {key}."
        here = _keys_here(loc)
        candidates = [k for k in (here or _known_keys()) if k != key]
        close = [_SYNONYMS[key]] if key in _SYNONYMS and _SYNONYMS[key] in candidates else []
        close = close or difflib.get_close_matches(key, candidates, n=1)
        if key in _known_keys():
            return f"key '{key}' does not belong here. Hint: remove it."
        return f"unknown key '{key}'. Hint: " + (
            f"did you mean '{close[0]}'?" if close else "remove it."
        )
    if kind in ("measure_kind", "component_kind", "modifier_kind"):
        return _kind_message(error)
    if kind == "missing":
        if isinstance(loc[-1], int):
            return "a value is missing. Hint: write both values of the pair, e.g. [a, b]."
        return f"required key is missing. Hint: {_MISSING_HINTS.get(key, f'add {key}.')}"
    found = _shown(value)
    if kind == "literal_error":
        return f"{found} is not allowed. Hint: use {ctx.get('expected')}."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{found} is not a whole number. Hint: write an integer such as 1."
    if kind in ("decimal_parsing", "decimal_type", "float_parsing", "float_type"):
        return f"{found} is not a number. Hint: write a decimal number such as 0.05."
    if kind == "finite_number":
        return f"{found} is not a finite number. Hint: write a decimal number such as 0.05."
    if kind in ("decimal_max_digits", "decimal_max_places", "decimal_whole_digits"):
        return (
            f"{found} has more digits than a plan number holds. Hint: use at most "
            f"{models.NUMBER_DECIMALS} decimals and {models.NUMBER_WHOLE_DIGITS} digits before "
            "the point."
        )
    if kind in ("bool_parsing", "bool_type"):
        return f"{found} is not true or false. Hint: write true or false."
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = {
            "greater_than_equal": (">=", "ge"),
            "greater_than": (">", "gt"),
            "less_than_equal": ("<=", "le"),
            "less_than": ("<", "lt"),
        }[kind]
        return f"{found} is out of range. Hint: use a value {bound[0]} {ctx.get(bound[1])}."
    if kind == "string_pattern_mismatch":
        hint_key = "" if "[key]" in loc else key
        hint = _PATTERN_HINTS.get(hint_key, f"match the pattern {ctx.get('pattern')}.")
        return f"{found} is not a valid {'name' if '[key]' in loc else key}. Hint: {hint}"
    if kind in ("string_type",):
        if value is None and "where" in loc:  # null, ~ or nothing: cells left empty, or text?
            return f"{found} is not text. Hint: write '' for cells left empty, or quote the text."
        return f"{found} is not text. Hint: quote it."
    if kind == "invalid_key":  # a top-level key YAML reads as a number, boolean or null
        return (
            f"the key {'~' if value is None else found} is not text. Hint: quote it, or remove it."
        )
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{found} is not a mapping. Hint: write the keys below it, one per line."
    if kind in ("list_type", "tuple_type"):
        return f"{found} is not a list. Hint: write [a, b, ...] or one '- item' per line."
    if kind == "too_short":
        return f"{ctx.get('actual_length')} items. Hint: give at least {ctx.get('min_length')}."
    if kind == "too_long":
        return (
            f"{ctx.get('actual_length')} items. Hint: give at most {ctx.get('max_length')}, "
            "e.g. [x, y]."
        )
    return f"{found}: {error['msg']}. Hint: see the plan language, docs/spec/PLAN.md."


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
            f"{path}: cannot read the plan ({exc.strerror}). "
            "Hint: give the path of a .yaml plan file.",
            Reason.PLAN_SYNTAX,
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _Places(raw[: exc.start].decode("latin-1")).line(exc.start)
        raise PlanError(
            f"{path} line {line}: byte 0x{raw[exc.start]:02x} is not UTF-8 text. "
            "Hint: save the plan as UTF-8.",
            Reason.PLAN_SYNTAX,
        ) from None
    return parse_plan(text, path, hashlib.sha256(raw).hexdigest())


def parse_plan(text: str, path: Path, sha256: str | None = None) -> LoadedPlan:
    """Validate plan text; ``path`` is only used to name the file in messages."""
    sha256 = sha256 or hashlib.sha256(text.encode()).hexdigest()
    lines: dict[str, int] = {}  # key path -> line
    dupes: list[tuple[str, int]] = []  # keys given twice in one mapping
    places = _Places(text)
    try:
        loader = _PlanLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None:  # as written: constructing merges (<<:) rewrites the nodes
                _lines(node, "", places, lines, dupes, loader)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line, column = places.line(exc.position), places.column(exc.position)
        raise PlanError(
            f"{path} line {line}, column {column}: not valid YAML: the character "
            f"U+{exc.character:04X} is not allowed. Hint: remove it; a plan holds "
            "printable text, tabs and line breaks.",
            Reason.PLAN_SYNTAX,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = (
            f" line {places.line(mark.index)}, column {places.column(mark.index)}"
            if mark is not None
            else ""
        )
        problem = getattr(exc, "problem", None) or str(exc)
        if isinstance(exc, _Unread):  # valid YAML, read as another value than meant
            raise PlanError(
                f"{path}{where}: {problem}. Hint: {exc.hint}.", Reason.PLAN_SYNTAX
            ) from None
        raise PlanError(
            f"{path}{where}: not valid YAML: {problem}. Hint: check indentation and quoting "
            "(a value holding ': ' or '#' needs quotes).",
            Reason.PLAN_SYNTAX,
        ) from None
    if node is None or not isinstance(data, dict):
        found = "an empty file" if node is None else f"{_shown(data)}"
        raise PlanError(
            f"{path} line 1, (top level): found {found}, not a plan. "
            "Hint: a plan is a mapping of keys: plan, version, period, currency, measures, "
            "components.",
            Reason.PLAN_SYNTAX,
        )

    def at(key_path: str) -> str:
        probe = key_path
        while probe and probe not in lines:  # a missing key: report its parent's line
            parent = _LAST_SEGMENT.sub("", probe)
            probe = "" if parent == probe else parent
        return f"{path} line {lines.get(probe, 1)}, {key_path or '(top level)'}"

    messages = [f"{at(p)}: key given twice. Hint: keep one." for p, _ in dupes]
    plan, errors, problems = checked(data)
    messages += [f"{at(_path(e['loc']))}: {_message(e)}" for e in errors]
    messages += [f"{at(p)}: {m}" for p, m in problems]
    if messages or plan is None:
        raise PlanError(messages, Reason.PLAN_INVALID)
    return LoadedPlan(plan=plan, path=path, text=text, sha256=sha256, where=at)
