"""Exact decimal arithmetic on polars expressions: Int128 integers with a known scale.

A :class:`Fixed` is a polars expression holding ``value * 10**scale`` as an Int128 and the
scale, tracked in Python while the plan compiles. Sums and products are exact integer
arithmetic; the only rounding is the explicit :meth:`Fixed.round` and :meth:`Fixed.div`,
which round exactly (from the integer remainder) half-even or half-up (ties away from zero,
like Excel's ROUND). This keeps every cent independent of polars' Decimal scale rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import polars as pl

Rounding = Literal["half_even", "half_up"]
I128 = pl.Int128
# Int128 holds 38 digits. Scales are tracked while compiling; past this the plan is refused.
MAX_SCALE = 26
DECIMAL_LIMIT_DIGITS = 38  # polars Decimal holds 38 digits
DECIMAL_LIMIT = 10**DECIMAL_LIMIT_DIGITS


def _int(value: int) -> pl.Expr:
    return pl.lit(value, dtype=I128)


def scale_of(value: Decimal) -> int:
    """Decimal places needed to hold ``value`` exactly (at least 0)."""
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int), f"not a finite number: {value}"
    return max(0, -exponent)


@dataclass(frozen=True)
class Fixed:
    """An exact decimal column: ``expr`` is the Int128 value times ``10**scale``."""

    expr: pl.Expr
    scale: int

    def __post_init__(self) -> None:
        if self.scale > MAX_SCALE:
            raise OverflowError(
                f"exact arithmetic needs {self.scale} decimal places; at most {MAX_SCALE} fit"
            )

    @staticmethod
    def lit(value: Decimal | int) -> Fixed:
        """A constant, kept exact."""
        value = Decimal(value)
        scale = scale_of(value)
        return Fixed(_int(int(value.scaleb(scale))), scale)

    @staticmethod
    def col(name: str, scale: int) -> Fixed:
        """An Int128 column already at ``scale``."""
        return Fixed(pl.col(name), scale)

    def at(self, scale: int) -> pl.Expr:
        """The integer expression at a larger or equal scale (exact)."""
        assert scale >= self.scale
        if scale == self.scale:
            return self.expr
        return self.expr * _int(10 ** (scale - self.scale))

    def _align(self, other: Fixed) -> tuple[pl.Expr, pl.Expr, int]:
        scale = max(self.scale, other.scale)
        return self.at(scale), other.at(scale), scale

    def __add__(self, other: Fixed) -> Fixed:
        a, b, scale = self._align(other)
        return Fixed(a + b, scale)

    def __sub__(self, other: Fixed) -> Fixed:
        a, b, scale = self._align(other)
        return Fixed(a - b, scale)

    def __mul__(self, other: Fixed) -> Fixed:
        return Fixed(self.expr * other.expr, self.scale + other.scale)

    def __lt__(self, other: Fixed) -> pl.Expr:
        a, b, _ = self._align(other)
        return a < b

    def __ge__(self, other: Fixed) -> pl.Expr:
        a, b, _ = self._align(other)
        return a >= b

    def __gt__(self, other: Fixed) -> pl.Expr:
        a, b, _ = self._align(other)
        return a > b

    def is_null(self) -> pl.Expr:
        return self.expr.is_null()

    def fill_null(self, value: Fixed) -> Fixed:
        a, b, scale = self._align(value)
        return Fixed(a.fill_null(b), scale)

    def minimum(self, other: Fixed) -> Fixed:
        a, b, scale = self._align(other)
        return Fixed(pl.min_horizontal(a, b), scale)

    def maximum(self, other: Fixed) -> Fixed:
        a, b, scale = self._align(other)
        return Fixed(pl.max_horizontal(a, b), scale)

    def alias(self, name: str) -> pl.Expr:
        return self.expr.alias(name)

    def round(self, scale: int, mode: Rounding) -> Fixed:
        """Round to ``scale`` decimal places by ``mode``, exactly."""
        if scale >= self.scale:
            return Fixed(self.at(scale), scale)
        return Fixed(_divide(self.expr, _int(10 ** (self.scale - scale)), mode), scale)

    def div(self, other: Fixed, scale: int, mode: Rounding = "half_even") -> Fixed:
        """``self / other`` rounded to ``scale`` places; null where ``other`` is 0 or null."""
        shift = scale + other.scale - self.scale
        numerator = self.expr * _int(10**shift) if shift > 0 else self.expr
        denominator = other.expr * _int(10**-shift) if shift < 0 else other.expr
        safe = pl.when(denominator != 0).then(denominator)
        return Fixed(_divide(numerator, safe, mode), scale)


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
    return Fixed(pl.when(condition).then(a).otherwise(b), scale)


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
