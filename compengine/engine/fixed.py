"""Exact decimal arithmetic on polars expressions: Int128 integers with a known scale.

A :class:`Fixed` is a polars expression holding ``value * 10**scale`` as an Int128, its
scale, and a bound on the size of those integers, both tracked in Python while the plan
compiles. Sums and products are exact integer arithmetic; the only rounding is the explicit
:meth:`Fixed.round` and :meth:`Fixed.div`, which round exactly (from the integer remainder)
half-even or half-up (ties away from zero, like Excel's ROUND). This keeps every cent
independent of polars' Decimal scale rules.

polars' integer arithmetic wraps around silently on overflow. The bounds make that
impossible: each operation bounds its result from its operands' bounds (the inputs' from the
data's largest values), and an expression whose bound, or an intermediate's, exceeds an
Int128 is refused while it is built, before anything is computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import polars as pl

Rounding = Literal["half_even", "half_up"]
I128 = pl.Int128
LARGEST = 2**127 - 1  # the largest Int128
# Int128 holds 38 digits. Scales are tracked while compiling; past this the plan is refused.
# (The bounds refuse any step whose integers could not fit, whatever its scale.)
MAX_SCALE = 38
DECIMAL_LIMIT_DIGITS = 38  # polars Decimal holds 38 digits
DECIMAL_LIMIT = 10**DECIMAL_LIMIT_DIGITS


def _int(value: int) -> pl.Expr:
    return pl.lit(value, dtype=I128)


def scale_of(value: Decimal) -> int:
    """Decimal places needed to hold ``value`` exactly (at least 0)."""
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int), f"not a finite number: {value}"
    return max(0, -exponent)


def fits(bound: int) -> None:
    """Raise OverflowError when an Int128 cannot hold ``bound``."""
    if bound > LARGEST:
        raise OverflowError(f"exact arithmetic needs {len(str(bound))} digits; an Int128 holds 38")


@dataclass(frozen=True)
class Fixed:
    """An exact decimal column: ``expr`` is the Int128 value times ``10**scale``, and no
    value's integer is larger than ``bound`` in size."""

    expr: pl.Expr
    scale: int
    bound: int

    def __post_init__(self) -> None:
        if self.scale > MAX_SCALE:
            raise OverflowError(
                f"exact arithmetic needs {self.scale} decimal places; at most {MAX_SCALE} fit"
            )
        fits(self.bound)

    @staticmethod
    def lit(value: Decimal | int) -> Fixed:
        """A constant, kept exact."""
        value = Decimal(value)
        scale = scale_of(value)
        integer = int(value.scaleb(scale))
        return Fixed(_int(integer), scale, abs(integer))

    @staticmethod
    def col(name: str, scale: int, bound: int) -> Fixed:
        """An Int128 column already at ``scale``, none of whose values is larger than
        ``bound`` in size."""
        return Fixed(pl.col(name), scale, bound)

    @staticmethod
    def stored(frame: pl.DataFrame, name: str, scale: int) -> Fixed:
        """:meth:`col` of a column of ``frame``, bounded by its largest value."""
        return stored(frame, {name: scale})[name]

    def _at(self, scale: int) -> Fixed:
        assert scale >= self.scale
        if scale == self.scale:
            return self
        shift = 10 ** (scale - self.scale)
        return Fixed(self.expr * _int(shift), scale, self.bound * shift)

    def at(self, scale: int) -> pl.Expr:
        """The integer expression at a larger or equal scale (exact)."""
        return self._at(scale).expr

    def _align(self, other: Fixed) -> tuple[Fixed, Fixed, int]:
        scale = max(self.scale, other.scale)
        return self._at(scale), other._at(scale), scale

    def __add__(self, other: Fixed) -> Fixed:
        a, b, scale = self._align(other)
        return Fixed(a.expr + b.expr, scale, a.bound + b.bound)

    def __sub__(self, other: Fixed) -> Fixed:
        a, b, scale = self._align(other)
        return Fixed(a.expr - b.expr, scale, a.bound + b.bound)

    def __mul__(self, other: Fixed) -> Fixed:
        return Fixed(self.expr * other.expr, self.scale + other.scale, self.bound * other.bound)

    def __lt__(self, other: Fixed) -> pl.Expr:
        a, b, _ = self._align(other)
        return a.expr < b.expr

    def __ge__(self, other: Fixed) -> pl.Expr:
        a, b, _ = self._align(other)
        return a.expr >= b.expr

    def __gt__(self, other: Fixed) -> pl.Expr:
        a, b, _ = self._align(other)
        return a.expr > b.expr

    def is_null(self) -> pl.Expr:
        return self.expr.is_null()

    def fill_null(self, value: Fixed) -> Fixed:
        a, b, scale = self._align(value)
        return Fixed(a.expr.fill_null(b.expr), scale, max(a.bound, b.bound))

    def minimum(self, other: Fixed) -> Fixed:
        a, b, scale = self._align(other)
        return Fixed(pl.min_horizontal(a.expr, b.expr), scale, max(a.bound, b.bound))

    def maximum(self, other: Fixed) -> Fixed:
        a, b, scale = self._align(other)
        return Fixed(pl.max_horizontal(a.expr, b.expr), scale, max(a.bound, b.bound))

    def where(self, condition: pl.Expr) -> Fixed:
        """The value where ``condition`` holds, else null."""
        return Fixed(pl.when(condition).then(self.expr), self.scale, self.bound)

    def alias(self, name: str) -> pl.Expr:
        return self.expr.alias(name)

    def round(self, scale: int, mode: Rounding) -> Fixed:
        """Round to ``scale`` decimal places by ``mode``, exactly."""
        if scale >= self.scale:
            return self._at(scale)
        return _divided(self, 10 ** (self.scale - scale), scale, mode)

    def div(self, other: Fixed, scale: int, mode: Rounding = "half_even") -> Fixed:
        """``self / other`` rounded to ``scale`` places; null where ``other`` is 0 or null."""
        shift = scale + other.scale - self.scale
        numerator = self._at(self.scale + shift) if shift > 0 else self
        denominator = other._at(other.scale - shift) if shift < 0 else other
        safe = pl.when(denominator.expr != 0).then(denominator.expr)
        fits(numerator.bound + denominator.bound)  # _divide's q * d and 2 * r
        fits(2 * denominator.bound)
        # |quotient| <= |numerator| / 1, the smallest nonzero size of an integer denominator
        return Fixed(_divide(numerator.expr, safe, mode), scale, numerator.bound + 1)


class Unfit(OverflowError):
    """A plan key whose step would not fit exact Int128 arithmetic, and why."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(f"{key}: {detail}")
        self.key = key
        self.detail = detail


@contextmanager
def step(key: str) -> Iterator[None]:
    """Name the plan key whose step would overflow: ``components.bonus: exact arithmetic
    needs 40 digits; ...`` (:class:`Unfit`; an inner step's key is kept)."""
    try:
        yield
    except Unfit:
        raise
    except OverflowError as exc:
        raise Unfit(key, str(exc)) from None


def stored(frame: pl.DataFrame, scales: dict[str, int]) -> dict[str, Fixed]:
    """:meth:`Fixed.col` of each column of ``frame`` named in ``scales``, at its scale,
    bounded by its largest value (one pass over the columns).

    A step is bounded from its operands while it is built; once computed, the values
    themselves bound it, far tighter for the steps that use it (a period target is a
    twelfth of a target, not the target times the days of a quarter).
    """
    if not scales:
        return {}
    sizes = frame.select(
        e for name in scales for e in (pl.col(name).min(), pl.col(name).max().alias(f"{name}:"))
    ).row(0)
    return {
        name: Fixed.col(name, scale, max(abs(sizes[2 * i] or 0), abs(sizes[2 * i + 1] or 0)))
        for i, (name, scale) in enumerate(scales.items())
    }


def _divided(value: Fixed, by: int, scale: int, mode: Rounding) -> Fixed:
    """``value``'s integer divided by the constant ``by``, rounded by ``mode``, at ``scale``."""
    fits(value.bound + by)
    fits(2 * by)
    return Fixed(_divide(value.expr, _int(by), mode), scale, value.bound // by + 1)


def with_steps(frame: pl.DataFrame, *steps: pl.Expr) -> pl.DataFrame:
    """``frame.with_columns(*steps)`` run lazily, on the in-memory engine.

    polars skips common subexpression elimination on an eager frame, and the exact
    arithmetic here names its operands many times (:func:`_divide` uses ``n`` and ``d``
    five times each); run lazily, each is computed once.
    """
    return frame.lazy().with_columns(*steps).collect(engine="in-memory")


def when(condition: pl.Expr, then: Fixed, otherwise: Fixed) -> Fixed:
    """``then`` where ``condition`` holds, else ``otherwise``, at their common scale."""
    a, b, scale = then._align(otherwise)
    return Fixed(pl.when(condition).then(a.expr).otherwise(b.expr), scale, max(a.bound, b.bound))


def _divide(n: pl.Expr, d: pl.Expr, mode: Rounding) -> pl.Expr:
    """Integer ``n / d`` rounded to an integer by ``mode``, from the exact remainder."""
    sign = pl.when(d < 0).then(_int(-1)).otherwise(_int(1))
    n, d = n * sign, d * sign  # now d > 0; floor division leaves 0 <= r < d
    q = n // d
    twice_r = (n - q * d) * _int(2)
    # half_even: ties go to the even quotient; half_up: ties away from zero
    tie_up = (q % _int(2)) == _int(1) if mode == "half_even" else n >= _int(0)
    up = (twice_r > d) | ((twice_r == d) & tie_up)
    return q + up.cast(I128)


def to_text(expr: pl.Expr, scale: int, fits_decimal: bool = False) -> pl.Expr:
    """Format an Int128 at ``scale`` as plain decimal text with exactly ``scale`` places.

    Args:
        expr: The Int128 values.
        scale: Their scale.
        fits_decimal: The caller knows every value is below :data:`DECIMAL_LIMIT` in size;
            the text is then polars' own Decimal text (faster, the same characters).
    """
    if scale == 0:
        return expr.cast(pl.String)
    if fits_decimal:
        # The integer as a Decimal of scale 0, times 10**-scale at ``scale``: exact, and a
        # Decimal prints exactly its scale's places.
        # (The literal is made from text: a Python Decimal literal would import numpy.)
        step = pl.lit(f"{Decimal(1).scaleb(-scale):f}").cast(
            pl.Decimal(DECIMAL_LIMIT_DIGITS, scale)
        )
        return (expr.cast(pl.Decimal(DECIMAL_LIMIT_DIGITS, 0)) * step).cast(pl.String)
    digits = expr.abs().cast(pl.String).str.zfill(scale + 1)
    sign = pl.when(expr < _int(0)).then(pl.lit("-")).otherwise(pl.lit(""))
    return sign + digits.str.head(-scale) + pl.lit(".") + digits.str.tail(scale)


def texts(frame: pl.DataFrame, scales: dict[str, int]) -> list[pl.Expr]:
    """:func:`to_text` of each column of ``frame`` named in ``scales``, at its scale.

    A column whose values all fit :data:`DECIMAL_LIMIT` (one pass finds each column's
    largest size) gets polars' Decimal text, the others are written digit by digit.
    """
    widest = frame.select(pl.col(c).abs().max() for c in scales).row(0) if scales else ()
    return [
        to_text(pl.col(c), scale, fits_decimal=(w or 0) < DECIMAL_LIMIT).alias(c)
        for (c, scale), w in zip(scales.items(), widest, strict=True)
    ]
