"""Plain-text pieces of the ``explain`` trace: sections and exact numbers as written."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import Any

EXACT = Context(prec=60)


@dataclass
class Section:
    """A titled part of the trace: lines of arithmetic and optionally a table of rows."""

    title: str
    lines: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def num(value: Decimal | None) -> str:
    """A decimal as plain text, without trailing zeros or exponent; empty for null."""
    if value is None:
        return "(empty)"
    text = format(value.normalize(EXACT), "f")
    return "0" if text in ("-0", "0") else text


def quotient(a: Decimal, b: Decimal) -> str:
    """``a / b`` written out: exact when it ends within 10 places, else 10 places and '...'."""
    q = EXACT.divide(a, b)
    cut = q.quantize(Decimal("1e-10"), context=EXACT)
    return num(q) if cut == q else f"{format(cut, 'f')}..."


def where_text(measure: Any) -> str:
    """A measure's ``where`` as words (`` where kind in referral or testimonial``); else empty.

    The workbook's ``Inputs`` headers use it too.
    """
    where: dict[str, str | list[str]] | None = getattr(measure, "where", None)
    if not where:
        return ""
    wanted = ((k, [v] if isinstance(v, str) else v) for k, v in where.items())
    return " where " + ", ".join(
        f"{k} in {' or '.join(v or '(empty)' for v in values)}" for k, values in wanted
    )
