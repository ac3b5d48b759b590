"""The bulk insert writes every row of a frame, whatever its height, on both databases;
the rows of a run go into blocks of JSON that read back as they were."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from compengine.store import read, write
from compengine.store.db import writing
from compengine.store.tables import BLOCK_ROWS
from compengine.store.types import plain
from compengine.store.write import (
    ROWS_PER_INSERT,
    bulk,
    json_array,
    needs_escape,
    row_blocks,
    shortest,
)
from tests.store.conftest import record_small


@pytest.mark.parametrize(
    "height",
    [0, 1, ROWS_PER_INSERT - 1, ROWS_PER_INSERT, ROWS_PER_INSERT + 1, 2 * ROWS_PER_INSERT, 250],
)
def test_it_should_insert_every_row_once_in_its_batches_and_the_rest(
    store: Engine, height: int
) -> None:
    frame = pl.DataFrame(
        {
            "run_key": [7] * height,
            "first_row": list(range(height)),
            "rows": [f'["R{i:03d}"]' for i in range(height)],
        }
    )
    with writing(store) as connection:
        bulk(connection, "row_block", frame)
    with store.connect() as connection:
        back = connection.execute(
            sa.text("SELECT first_row, rows FROM row_block WHERE run_key = 7")
        ).all()
    assert sorted(back) == [(i, f'["R{i:03d}"]') for i in range(height)]


@given(
    st.lists(
        st.lists(st.none() | st.decimals(allow_nan=False, allow_infinity=False), min_size=3,
                 max_size=3),
        min_size=1, max_size=20,
    )
)  # fmt: skip
def test_it_should_write_each_rows_values_as_a_json_array_of_exact_texts(
    rows: list[list[Decimal | None]],
) -> None:
    texts = [[None if v is None else plain(v) for v in row] for row in rows]
    frame = pl.DataFrame(texts, schema=["a", "b", "c"], orient="row")
    arrays = frame.select(json_array(frame)).to_series().to_list()
    assert [json.loads(a) for a in arrays] == texts


def test_it_should_write_a_step_without_the_zeros_that_end_its_fraction() -> None:
    texts = pl.Series(["429.167000000", "0.000000000", "-0.500", "100.000", "12.34", "-7.0", None])
    shown = texts.to_frame("t").select(shortest(pl.col("t"))).to_series().to_list()
    assert shown == ["429.167", "0", "-0.5", "100", "12.34", "-7", None]


@given(st.decimals(allow_nan=False, allow_infinity=False, places=9, min_value=-10**12,
                   max_value=10**12))  # fmt: skip
def test_it_should_keep_a_steps_number_exactly(value: Decimal) -> None:
    text = plain(value.quantize(Decimal("1E-9")))  # as the engine writes a step of scale 9
    shown = pl.Series([text]).to_frame("t").select(shortest(pl.col("t"))).item()
    assert Decimal(shown) == Decimal(text)
    assert not shown.endswith("0") or "." not in shown


def test_it_should_put_block_rows_rows_in_a_block_each_with_its_three_kinds() -> None:
    height = 2 * BLOCK_ROWS + 1
    keys = pl.DataFrame({"rep_id": [f"R{i % 7}" for i in range(height)], "period": "2027-01"})
    amounts = pl.DataFrame({"amount": [f"{i}.50" for i in range(height)], "total": "1.00"})
    measures = pl.DataFrame({"m": [None if i % 3 else "0.5" for i in range(height)]})
    steps = pl.DataFrame({"days": list(range(height))})
    first = 5 * BLOCK_ROWS
    blocks = row_blocks(keys, [amounts, measures, steps], first, escape=False)
    assert blocks["first_row"].to_list() == [first, first + BLOCK_ROWS, first + 2 * BLOCK_ROWS]
    assert [len(json.loads(t)) for t in blocks["rows"]] == [BLOCK_ROWS, BLOCK_ROWS, 1]
    rows = [r for text in blocks["rows"] for r in json.loads(text)]
    assert rows == [
        [[f"R{i % 7}", "2027-01"], [f"{i}.50", "1.00"], [None if i % 3 else "0.5"], [str(i)]]
        for i in range(height)
    ]


@given(st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=30))
def test_it_should_write_any_rep_id_as_json_text(rep_ids: list[str]) -> None:
    keys = pl.DataFrame({"rep_id": rep_ids, "period": "2027-Q1"})
    values = pl.DataFrame({"a": ["1"] * len(rep_ids)})
    blocks = row_blocks(keys, [values], 0, needs_escape(keys["rep_id"]))
    assert [r[0][0] for r in json.loads(blocks["rows"][0])] == rep_ids


def test_it_should_escape_rep_ids_only_when_one_needs_it() -> None:
    assert not needs_escape(pl.Series(["R1", "Ré3", "R 4", "R/5"]))
    for odd in ('R"1', "R\\2", "R\n4", "R\x00", "R\x1f"):
        assert needs_escape(pl.Series(["R1", odd]))


def test_it_should_write_a_run_chunk_by_chunk_in_whole_blocks_and_read_it_back(
    store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of 2 rows, made 4 rows at a time: the small example's rows cross both edges.
    monkeypatch.setattr(write, "BLOCK_ROWS", 2)
    monkeypatch.setattr(write, "CHUNK_ROWS", 4)
    record, result = record_small(store, tmp_path / "out")
    info = read.run(store, record.run_id)
    height = result.payouts.height
    assert height > 4
    with store.connect() as connection:
        firsts = connection.execute(
            sa.text("SELECT first_row FROM row_block WHERE run_key = :key ORDER BY first_row"),
            {"key": info.key},
        ).scalars()
        assert list(firsts) == list(range(0, height, 2))
    assert read.payouts(store, info).drop("row").equals(result.payouts)
    assert read.measures(store, info).drop("row").equals(result.measures)
    assert read.audit_steps(store, info, ["employed_days"])["employed_days"].to_list() == [
        str(v) for v in result.steps["employed_days"]
    ]
