"""A number cell against a reading of DATA.md's plain decimals with Python's Decimal, one
cell at a time, on random columns of text."""

from __future__ import annotations

import re
from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from compengine.data.parse import parse_table
from compengine.data.problems import Problems
from compengine.data.read import ROW, RawTable
from compengine.data.schema import TABLES
from compengine.errors import Reason

PLAIN = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")  # ASCII digits, one sign, one point
SPILLED = re.compile(r"[+-]?[0-9]+\.[0-9]{13,}")  # zeros past 12 decimals may be dropped
INT128_MAX = 2**127 - 1

# Text that is a number or nearly one: signs and points anywhere, a letter, a digit of
# another script, up to 45 characters; numbers of up to 40 digits with the point anywhere;
# and the corners of the pattern.
nearly = st.text(alphabet="0123456789..+-e\u0663", min_size=1, max_size=45)
digits = st.integers(min_value=0, max_value=10**40).map(str)
placed = st.tuples(st.sampled_from(["", "+", "-"]), digits, st.integers(0, 41)).map(
    lambda t: t[0] + t[1][: t[2]] + "." + t[1][t[2] :] if t[2] <= len(t[1]) else t[0] + t[1]
)
corners = st.sampled_from(
    [".5", "+.5", "-.5", ".+5", ".-5", "5.", ".", "-", "+", "1.2.3", "1.-5", "0" * 45 + "1.5",
     "9" * 39, "-" + "9" * 38, "1" * 28 + ".5", "12.500000000000000000", "0.0000000000000"]
)  # fmt: skip
cell = st.one_of(nearly, placed, corners)


def expected(cells: list[str]) -> list[tuple[Reason | None, Decimal | None]]:
    """Each cell's reason to be refused, or its value: DATA.md's plain decimal, with at most
    12 decimals (zeros past them dropped) and 28 digits, and at the column's scale (its
    usable cells' most decimals) within an Int128."""
    out: list[tuple[Reason | None, Decimal | None]] = []
    for written in cells:
        if not PLAIN.fullmatch(written):
            out.append((Reason.UNPARSABLE, None))
            continue
        text = written.rstrip("0").rstrip(".") if SPILLED.fullmatch(written) else written
        whole, _, fraction = text.lstrip("+-").partition(".")
        if len(fraction) > 12 or len(whole.lstrip("0")) + len(fraction) > 28:
            out.append((Reason.PRECISION, None))
        else:
            out.append((None, Decimal(text)))
    usable = [value for _, value in out if value is not None]
    scale = max((-int(v.as_tuple().exponent) for v in usable), default=0)
    return [
        (Reason.PRECISION, None)
        if value is not None and abs(int(value.scaleb(scale))) > INT128_MAX
        else (reason, value)
        for reason, value in out
    ]


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(cell, min_size=1, max_size=15))
def test_it_should_read_or_refuse_a_number_cell_as_decimal_text_reads_it(
    cells: list[str],
) -> None:
    table = TABLES["events"]
    frame = pl.DataFrame(
        {
            ROW: range(1, len(cells) + 1),
            **{c: [f"{c}{i}" for i in range(len(cells))] for c in table.column_names},
            "date": ["2027-01-05"] * len(cells),
            "value": cells,
        },
        schema_overrides={ROW: pl.Int64},
    )
    problems = Problems()
    typed, scales = parse_table(RawTable(table, None, frame), "month", problems)
    found: dict[int, Reason] = {}
    for refused, message in problems.items:
        named = re.search(r"row (\d+), column value", message)
        assert named, message
        found[int(named[1])] = refused
    for row, (text, (reason, value)) in enumerate(zip(cells, expected(cells), strict=True), 1):
        assert found.get(row) == reason, (text, found.get(row))
        read = typed["value"][row - 1]
        assert read == (None if value is None else int(value.scaleb(scales["value"]))), text
