"""The bulk insert writes every row of a frame, whatever its height, on both databases."""

from __future__ import annotations

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from compengine.store.db import writing
from compengine.store.write import ROWS_PER_INSERT, bulk


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
            "row": list(range(height)),
            "rep_id": [f"R{i:03d}" for i in range(height)],
            "period": ["2027-01"] * height,
            "measures": [f'["{i}.50"]' for i in range(height)],
        }
    )
    with writing(store) as connection:
        bulk(connection, "measure_row", frame)
    with store.connect() as connection:
        back = connection.execute(
            sa.text('SELECT "row", rep_id, measures FROM measure_row WHERE run_key = 7')
        ).all()
    assert sorted(back) == [(i, f"R{i:03d}", f'["{i}.50"]') for i in range(height)]
