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
from compengine.store.write import ROWS_PER_INSERT, bulk, json_array, row_blocks
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
            "kind": ["measure"] * height,
            "block": list(range(height)),
            "rows": [f'["R{i:03d}"]' for i in range(height)],
        }
    )
    with writing(store) as connection:
        bulk(connection, "row_block", frame)
    with store.connect() as connection:
        back = connection.execute(
            sa.text("SELECT block, kind, rows FROM row_block WHERE run_key = 7")
        ).all()
    assert sorted(back) == [(i, "measure", f'["R{i:03d}"]') for i in range(height)]


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
    arrays = frame.select(json_array(["a", "b", "c"])).to_series().to_list()
    assert [json.loads(a) for a in arrays] == texts


def test_it_should_put_block_rows_rows_in_a_block_and_escape_any_rep_id() -> None:
    odd = ['R"1', "R\\2", "Ré3", "R\n4"]
    height = 2 * BLOCK_ROWS + 1
    frame = pl.DataFrame(
        {
            "row": list(range(height)),
            "rep_id": [odd[i % 4] for i in range(height)],
            "period": ["2027-01"] * height,
            "amount": [f"{i}.50" for i in range(height)],
        }
    )
    blocks = row_blocks("payout", frame.lazy(), ["amount"]).collect()
    assert blocks["block"].to_list() == [0, 1, 2]
    assert set(blocks["kind"]) == {"payout"}
    rows = [r for text in blocks["rows"] for r in json.loads(text)]
    assert [len(json.loads(t)) for t in blocks["rows"]] == [BLOCK_ROWS, BLOCK_ROWS, 1]
    assert rows == [
        {"row": i, "rep_id": odd[i % 4], "period": "2027-01", "values": [f"{i}.50"]}
        for i in range(height)
    ]


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
        blocks = connection.execute(
            sa.text("SELECT kind, block FROM row_block WHERE run_key = :key ORDER BY kind, block"),
            {"key": info.key},
        ).all()
    per_kind = list(range((height + 1) // 2))
    assert blocks == [(k, b) for k in ("measure", "payout", "step") for b in per_kind]
    assert read.payouts(store, info).drop("row").equals(result.payouts)
    assert read.measures(store, info).drop("row").equals(result.measures)
    assert read.audit_steps(store, info, ["employed_days"])["employed_days"].to_list() == [
        str(v) for v in result.steps["employed_days"]
    ]
