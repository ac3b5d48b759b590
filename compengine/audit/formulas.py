"""Spreadsheet formulas that reproduce the engine's exact decimal rounding.

A spreadsheet computes in binary floating point, and Excel's ROUND rounds half away from
zero. The workbook still pays to the cent, with either rounding rule, by two habits:

1. Every step whose exact value has ``s`` decimal places is written ``ROUND(expr, s)``. On an
   exact value that is a no-op; on a binary result it removes the noise (``0.1 + 0.2`` is
   ``0.30000000000000004`` until rounded to its 2 exact places), so each step holds the
   nearest binary number to the engine's exact decimal.
2. A rounded division ``a / b`` to ``k`` places never trusts ROUND near a tie. With
   ``n = INT(a / b * 10^k)`` (floor), the sign of ``D = (2 a 10^k - (2n + 1) b) * SIGN(b)``
   says where the exact quotient lies: above the half-way point (``D > 0``: ``n + 1``), below
   it (``D < 0``: ``n``), or exactly on it (``D = 0``: the tie, settled by the plan's rule:
   the even one of ``n, n + 1`` for half_even, away from zero for half_up). ``D`` is a
   short decimal with a known number of places, so ``ROUND(D, t)`` makes it exact, and the
   tie is recognised even after binary arithmetic. Rounding an amount to cents is the same
   formula with ``b = 1``.

Both hold while a step's digits fit a binary double (about 15 significant digits): amounts
up to billions at cents, ratios to 6 places. The tests recalculate the workbook with
LibreOffice and compare every paid amount with the engine's ``payouts.csv``.
"""

from __future__ import annotations

import re
from decimal import Decimal

from compengine.engine.fixed import Rounding, scale_of

MAX_SNAP = 9  # decimal places of D kept exact; beyond this binary noise would show
_ATOM = re.compile(r"^[A-Za-z0-9_!$.{}]+$")


def atom(expr: str) -> str:
    """``expr`` safe to use as an operand: parenthesised unless a reference or a number."""
    return expr if _ATOM.match(expr) else f"({expr})"


def divide(a: str, b: str, places: int, mode: Rounding, scale_a: int, scale_b: int) -> str:
    """``a / b`` rounded to ``places`` by ``mode``, exactly (see the module docstring).

    Args:
        a: The numerator (a reference or an expression).
        b: The denominator; ``"1"`` rounds ``a`` itself.
        places: Decimal places of the result.
        mode: ``half_even`` or ``half_up`` (ties away from zero).
        scale_a: Exact decimal places of ``a``.
        scale_b: Exact decimal places of ``b``.
    """
    a, b = atom(a), atom(b)
    shift = f"{10**places}"
    t = min(max(scale_a - places, scale_b, 0), MAX_SNAP)
    if b == "1":
        n = f"INT({a}*{shift})"
        d = f"ROUND(2*{a}*{shift}-(2*{n}+1),{t})"
    else:
        n = f"INT({a}/{b}*{shift})"
        d = f"ROUND((2*{a}*{shift}-(2*{n}+1)*{b})*SIGN({b}),{t})"
    # n - 2*INT(n/2) is n's parity, exact for any integer a double holds (Excel's MOD
    # refuses large quotients)
    tie = f"({n}-2*INT({n}/2))" if mode == "half_even" else f"({n}>=0)"
    return f"({n}+({d}>0)+({d}=0)*{tie})/{shift}"


def places(*values: Decimal) -> int:
    """The most decimal places among ``values``."""
    return max((scale_of(v) for v in values), default=0)
