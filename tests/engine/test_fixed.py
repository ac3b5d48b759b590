"""Exact fixed-point arithmetic: rounding ties of both signs, division, and text."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compengine.engine.fixed import DECIMAL_LIMIT, I128, Fixed, Rounding, to_text

QUANTIZE = {"half_even": ROUND_HALF_EVEN, "half_up": ROUND_HALF_UP}


def _eval(value: Fixed) -> int | None:
    """The integer a one-row expression evaluates to."""
    out: int | None = pl.select(value.expr.alias("v"))["v"][0]
    return out


def _text(value: int | None, scale: int) -> str | None:
    """The text of ``value`` at ``scale``; both ways of writing it must give it."""
    out: str | None = pl.select(to_text(pl.lit(value, I128), scale).alias("v"))["v"][0]
    through_decimal = pl.select(to_text(pl.lit(value, I128), scale, fits_decimal=True).alias("v"))
    assert through_decimal["v"][0] == out
    return out


def _decimal(value: int, scale: int) -> Decimal:
    """``value * 10**-scale`` exactly (constructing from text never rounds)."""
    return Decimal(f"{value}E-{scale}")


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        # 0.125 is exactly between 0.12 and 0.13
        ("0.125", "half_even", "0.12"),  # 2 is even
        ("0.125", "half_up", "0.13"),  # away from zero
        ("0.135", "half_even", "0.14"),  # 4 is even
        ("0.135", "half_up", "0.14"),
        ("-0.125", "half_even", "-0.12"),
        ("-0.125", "half_up", "-0.13"),  # away from zero, like Excel's ROUND
        ("-0.135", "half_even", "-0.14"),
        ("-0.135", "half_up", "-0.14"),
        # not ties: nearest either way
        ("0.1251", "half_even", "0.13"),
        ("-0.1249", "half_up", "-0.12"),
        ("2.5", "half_even", "2.50"),  # rounding to more places only pads
    ],
)
def test_it_should_round_ties_by_the_rule_for_both_signs(
    value: str, mode: Rounding, expected: str
) -> None:
    rounded = Fixed.lit(Decimal(value)).round(2, mode)
    assert rounded.scale == 2
    assert _decimal(_eval(rounded) or 0, 2) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        ("2.5", "half_even", 2),
        ("3.5", "half_even", 4),
        ("2.5", "half_up", 3),
        ("-2.5", "half_even", -2),
        ("-3.5", "half_even", -4),
        ("-2.5", "half_up", -3),
        ("-0.5", "half_even", 0),
        ("-0.5", "half_up", -1),
    ],
)
def test_it_should_round_to_whole_units(value: str, mode: Rounding, expected: int) -> None:
    assert _eval(Fixed.lit(Decimal(value)).round(0, mode)) == expected


@pytest.mark.parametrize(
    ("n", "d", "mode", "expected"),
    [
        # 1 / 8 = 0.125, a tie at 2 places
        ("1", "8", "half_even", "0.12"),
        ("1", "8", "half_up", "0.13"),
        # the sign may sit on either side of the division
        ("-1", "8", "half_even", "-0.12"),
        ("1", "-8", "half_even", "-0.12"),
        ("-1", "8", "half_up", "-0.13"),
        ("1", "-8", "half_up", "-0.13"),
        ("-1", "-8", "half_up", "0.13"),
        # 3 / 8 = 0.375: the even neighbour is 0.38
        ("3", "8", "half_even", "0.38"),
        ("-3", "8", "half_even", "-0.38"),
        # 2 / 3 = 0.6666...: not a tie
        ("2", "3", "half_even", "0.67"),
        ("-2", "3", "half_up", "-0.67"),
        # operands at other scales: 0.5 / 0.04 = 12.5
        ("0.5", "0.04", "half_even", "12.50"),
        # 12,000 * 10 / (12 * 28) = 357.142857...
        ("120000", "336", "half_even", "357.14"),
    ],
)
def test_it_should_divide_and_round_ties_of_both_signs(
    n: str, d: str, mode: Rounding, expected: str
) -> None:
    quotient = Fixed.lit(Decimal(n)).div(Fixed.lit(Decimal(d)), 2, mode)
    assert _decimal(_eval(quotient) or 0, 2) == Decimal(expected)


def test_it_should_divide_to_six_places_half_even_by_default() -> None:
    # 1 / 2,000,000 = 0.0000005 -> 0.000000 (0 is even); 3 / 2,000,000 = 0.0000015 -> 0.000002
    half = Fixed.lit(1).div(Fixed.lit(2_000_000), 6)
    three_halves = Fixed.lit(3).div(Fixed.lit(2_000_000), 6)
    assert _eval(half) == 0
    assert _eval(three_halves) == 2


def test_it_should_give_null_when_dividing_by_zero_or_null() -> None:
    assert _eval(Fixed.lit(5).div(Fixed.lit(0), 2)) is None
    assert _eval(Fixed.lit(5).div(Fixed(pl.lit(None, I128), 0, 0), 2)) is None


def test_it_should_keep_sums_and_products_exact() -> None:
    # 0.1 + 0.2 = 0.3 exactly; 1.05 * 0.03 = 0.0315 at scale 2 + 2
    total = Fixed.lit(Decimal("0.1")) + Fixed.lit(Decimal("0.2"))
    product = Fixed.lit(Decimal("1.05")) * Fixed.lit(Decimal("0.03"))
    assert (_eval(total), total.scale) == (3, 1)
    assert (_eval(product), product.scale) == (315, 4)


@pytest.mark.parametrize(
    ("value", "scale", "expected"),
    [
        (0, 2, "0.00"),
        (5, 2, "0.05"),
        (-5, 2, "-0.05"),
        (-105, 2, "-1.05"),
        (123456, 2, "1234.56"),
        (0, 0, "0"),
        (-7, 0, "-7"),
        (1, 3, "0.001"),
        (-1000, 3, "-1.000"),
        (1109126, 6, "1.109126"),
        (None, 2, None),
    ],
)
def test_it_should_write_exactly_scale_places(
    value: int | None, scale: int, expected: str | None
) -> None:
    assert _text(value, scale) == expected


@pytest.mark.parametrize("mode", ["half_even", "half_up"])
def test_it_should_write_a_rounded_negative_zero_without_a_sign(mode: Rounding) -> None:
    # -0.004 rounds to 0.00 by either rule: written 0.00, never -0.00
    rounded = Fixed.lit(Decimal("-0.004")).round(2, mode)
    assert _text(_eval(rounded), 2) == "0.00"


@settings(max_examples=200, deadline=None)
@given(
    value=st.integers(min_value=-(10**24), max_value=10**24),  # times 10**12 fits Int128
    scale=st.integers(min_value=0, max_value=12),
    places=st.integers(min_value=0, max_value=12),
    mode=st.sampled_from(["half_even", "half_up"]),
)
def test_it_should_round_like_decimal_quantize(
    value: int, scale: int, places: int, mode: Rounding
) -> None:
    with localcontext() as ctx:  # enough precision for 24 digits and 12 places
        ctx.prec = 80
        exact = _decimal(value, scale)
        expected = exact.quantize(Decimal(1).scaleb(-places), rounding=QUANTIZE[mode])
    got = _eval(Fixed(pl.lit(value, I128), scale, abs(value)).round(places, mode))
    assert got is not None
    assert _decimal(got, places) == expected


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(min_value=-(10**15), max_value=10**15),
    d=st.integers(min_value=-(10**9), max_value=10**9).filter(lambda x: x != 0),
    n_scale=st.integers(min_value=0, max_value=6),
    d_scale=st.integers(min_value=0, max_value=6),
    places=st.integers(min_value=0, max_value=8),
    mode=st.sampled_from(["half_even", "half_up"]),
)
def test_it_should_divide_like_decimal_quantize(
    n: int, d: int, n_scale: int, d_scale: int, places: int, mode: Rounding
) -> None:
    with localcontext() as ctx:  # enough precision for every digit of the quotient
        ctx.prec = 80
        exact = _decimal(n, n_scale) / _decimal(d, d_scale)
        expected = exact.quantize(Decimal(1).scaleb(-places), rounding=QUANTIZE[mode])
    quotient = Fixed(pl.lit(n, I128), n_scale, abs(n)).div(
        Fixed(pl.lit(d, I128), d_scale, abs(d)), places, mode
    )
    got = _eval(quotient)
    assert got is not None
    assert _decimal(got, places) == expected


@settings(max_examples=100, deadline=None)
@given(value=st.integers(min_value=-(10**20), max_value=10**20), scale=st.integers(0, 8))
def test_it_should_write_text_that_reads_back_as_the_same_number(value: int, scale: int) -> None:
    text = _text(value, scale)
    assert text is not None
    assert Decimal(text) == _decimal(value, scale)
    assert len(text.partition(".")[2]) == scale
    assert not text.startswith("-0") or Decimal(text) != 0


@settings(max_examples=200, deadline=None)
@given(
    value=st.integers(min_value=-(DECIMAL_LIMIT - 1), max_value=DECIMAL_LIMIT - 1),
    scale=st.integers(min_value=0, max_value=26),
)
def test_it_should_write_the_same_text_through_polars_decimal(value: int, scale: int) -> None:
    text = _text(value, scale)  # asserts both ways agree
    assert text is not None
    assert Decimal(text) == _decimal(value, scale)


def test_it_should_write_a_value_too_wide_for_a_decimal_digit_by_digit() -> None:
    wide = pl.lit(-(DECIMAL_LIMIT + 5), I128)
    text = pl.select(to_text(wide, 2).alias("v"))["v"][0]
    assert text == "-1000000000000000000000000000000000000.05"


_SIZES = st.integers(min_value=0, max_value=2**126) | st.integers(min_value=0, max_value=10**20)
_VALUES = st.builds(lambda v, negative: -v if negative else v, _SIZES, st.booleans())
_OPS = st.sampled_from(["add", "sub", "mul", "div", "round", "min", "fill"])


@settings(max_examples=400, deadline=None)
@given(
    a=_VALUES,
    b=_VALUES,
    a_scale=st.integers(0, 12),
    b_scale=st.integers(0, 12),
    op=_OPS,
)
def test_it_should_compute_exactly_or_refuse_and_never_wrap_around(
    a: int, b: int, a_scale: int, b_scale: int, op: str
) -> None:
    """An Int128 column that wraps around pays garbage without a word: every operation either
    refuses to build (OverflowError) or gives the exact result, and one whose exact result
    does not fit an Int128 always refuses."""
    x = Fixed(pl.lit(a, I128), a_scale, abs(a))
    y = Fixed(pl.lit(b, I128), b_scale, abs(b))
    exact_x, exact_y = _decimal(a, a_scale), _decimal(b, b_scale)
    build = {
        "add": lambda: (x + y, exact_x + exact_y),
        "sub": lambda: (x - y, exact_x - exact_y),
        "mul": lambda: (x * y, exact_x * exact_y),
        "div": lambda: (x.div(y, 6), (exact_x / exact_y).quantize(Decimal("1E-6")) if b else None),
        "round": lambda: (x.round(min(a_scale, 2), "half_even"), None),
        "min": lambda: (x.minimum(y), min(exact_x, exact_y)),
        "fill": lambda: (x.fill_null(y), exact_x),
    }[op]
    with localcontext() as context:
        context.prec = 200
        try:
            value, expected = build()
        except OverflowError:
            return  # refused while building: nothing was computed
        got = _eval(value)
        if expected is not None:
            assert got is not None
            assert _decimal(got, value.scale) == expected
        assert got is None or abs(got) <= value.bound <= 2**127 - 1


def test_it_should_refuse_a_product_that_would_not_fit_an_int128() -> None:
    big = Fixed(pl.lit(10**20, I128), 0, 10**20)
    with pytest.raises(OverflowError, match="exact arithmetic needs 41 digits; an Int128 holds 38"):
        _ = big * big
    assert _eval(big * Fixed.lit(Decimal("0.5"))) == 5 * 10**20


def test_it_should_keep_a_plan_number_of_32_digits_exact() -> None:
    """12 digits before the point and 20 after: Python's default 28 digits would round it."""
    value = Decimal("99999999999.12345678901234567891")
    assert Fixed.lit(value).bound == 9999999999912345678901234567891
    assert Fixed.lit(value).scale == 20


def test_it_should_bound_a_computed_column_by_its_values() -> None:
    """Built, a share of revenue is bounded by the revenue's size times 10**6; computed, by
    what it holds, so the steps using it are bounded tightly."""
    frame = pl.DataFrame({"share": [750_000, -1_000_000, None]}, schema={"share": I128})
    assert Fixed.stored(frame, "share", 6).bound == 1_000_000
    assert Fixed.stored(frame.clear(), "share", 6).bound == 0
