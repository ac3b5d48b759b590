"""The transactions rules against a row-by-row reading of DATA.md, on random small tables."""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compengine.data import rules
from compengine.data.parse import parse_table
from compengine.data.problems import Problems
from compengine.data.read import read
from compengine.data.schema import TABLES
from compengine.errors import Reason

HEADER = "txn_id,rep_id,account_id,date,amount,deal_type,split"

row = st.tuples(
    st.sampled_from(["T1", "T2", "T3", "T4", ""]),  # '' is an empty txn_id
    st.sampled_from(["R1", "R2", "R3"]),
    st.sampled_from(["2027-01-05", "2027-01-06"]),
    st.sampled_from(["10", "10.00", "20"]),
    st.sampled_from(["", "0.5", "0.25", "1", "0", "1.5"]),
)


Found = Counter[tuple[Reason, int, str]]


def expected(rows: list[tuple[str, str, str, str, str]], overlay: bool) -> Found:
    """(reason, row, column) of every problem, one row at a time: DATA.md's rules, as
    compengine reports them (a transaction on its first row; its sum not when one of its
    splits is outside (0, 1], which is reported already)."""
    found: Found = Counter()
    share = [Decimal(split or "1") for *_, split in rows]
    outside = [not (0 < s <= 1) for s in share]
    for number, bad in enumerate(outside, start=1):
        if bad:
            found[Reason.SPLITS, number, "split"] += 1
    for txn in {t for t, *_ in rows if t}:
        numbers = [n for n, r in enumerate(rows, start=1) if r[0] == txn]
        first = numbers[0]
        in_range = not any(outside[n - 1] for n in numbers)
        if not overlay and in_range and sum(share[n - 1] for n in numbers) != 1:
            found[Reason.SPLITS, first, "split"] += 1
        if len({rows[n - 1][2] for n in numbers}) > 1:
            found[Reason.SPLITS, first, "date"] += 1
        if len({Decimal(rows[n - 1][3]) for n in numbers}) > 1:
            found[Reason.SPLITS, first, "amount"] += 1
    seen: set[tuple[str, str]] = set()
    for number, (txn, rep, *_) in enumerate(rows, start=1):
        if txn and (txn, rep) in seen:
            found[Reason.DUPLICATE, number, "rep_id"] += 1
        seen.add((txn, rep))
    return found


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(row, min_size=1, max_size=15), overlay=st.booleans(), collide=st.booleans())
def test_it_should_report_what_a_row_by_row_reading_reports(
    rows: list[tuple[str, str, str, str, str]], overlay: bool, collide: bool
) -> None:
    """``collide``: hashes taken modulo 3, so that different txn_ids share them."""
    lines = [HEADER, *(f"{t},{r},A1,{d},{a},new,{s}" for t, r, d, a, s in rows)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "transactions.csv"
        path.write_text("\n".join(lines) + "\n")
        raw = read(path, TABLES["transactions"])
    problems = Problems()
    typed, scales = parse_table(raw, "month", problems)
    with pytest.MonkeyPatch.context() as patch:
        if collide:
            series_hash, rows_hash = pl.Series.hash, pl.DataFrame.hash_rows
            patch.setattr(pl.Series, "hash", lambda s, seed=0: series_hash(s, seed) % 3)
            patch.setattr(pl.DataFrame, "hash_rows", lambda f, seed=0: rows_hash(f, seed) % 3)
        rules.transactions(problems, raw, typed, scales["split"], overlay)
    found: Found = Counter()
    empty: list[int] = []
    for reason, message in problems.items:
        where = re.match(r"transactions\.csv row (\d+), column (\w+):", message)
        assert where, message
        if reason == Reason.EMPTY_VALUE:  # an empty txn_id, reported by the parse
            assert where[2] == "txn_id", message
            empty.append(int(where[1]))
        else:
            found[reason, int(where[1]), where[2]] += 1
    assert empty == [n for n, (txn, *_) in enumerate(rows, start=1) if not txn]
    assert found == expected(rows, overlay)
